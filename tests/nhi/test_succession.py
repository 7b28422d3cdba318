"""Sponsor succession: a sponsor who leaves or moves hands their NHIs provisionally to their
manager (ledgered), the finding opens, a one-item review asks the manager; keep accepts,
no response revokes."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from tenure.clock import Clock
from tenure.config import parse_settings
from tenure.services.context import App
from tenure.services.lifecycle import run_lifecycle
from tenure.services.reviews import decide, delegate
from tenure.services.sponsors import list_sponsors, set_sponsor
from tenure.store import schema
from tests.checks.builder import Store, ago, failing, person, run, user
from tests.conftest import make_app, signed_in

from . import builder as b


def _org(app: App, *, alice_left: bool) -> None:
    store = Store(app)
    alice = (person("alice@acme.test", status="terminated", end=ago(5).date(),
                    manager="boss@acme.test") if alice_left
             else person("alice@acme.test", manager="boss@acme.test"))
    store.hr([alice, person("boss@acme.test", manager=""), person("sec@acme.test")])
    store.platform(accounts=[user("user_alice", "alice@acme.test"),
                             b.service_account("svac_ci", creator="user_alice"),
                             b.service_account("svac_child", creator="svac_ci")])


def _ledger(app: App, kind: str) -> int:
    le = schema.ledger_entries
    with app.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).where(le.c.kind == kind)).scalar_one())


def test_leaver_sponsor_passes_to_manager_and_keep_accepts(app: App) -> None:
    _org(app, alice_left=True)
    assert failing(run(app), "nhi-sponsor-left") == {"svac_ci", "svac_child"}
    report = run_lifecycle(app, ("sponsor",))
    # only the root succeeds; the child inherits through it
    assert [(r["subject"], r["reviewer"]) for r in report.reviews] == [
        ("svac_ci", "boss@acme.test")]
    rows = {r["id"]: r for r in list_sponsors(app)}
    assert (rows["svac_ci"]["sponsor"], rows["svac_ci"]["basis"],
            rows["svac_ci"]["provisional"]) == ("boss@acme.test", "succession", True)
    assert rows["svac_child"]["sponsor"] == "boss@acme.test"
    assert _ledger(app, "sponsor.succession") == 1
    # provisional: the finding stays open until the successor accepts
    assert failing(run(app), "nhi-sponsor-left") == {"svac_ci", "svac_child"}
    assert run_lifecycle(app, ("sponsor",)).reviews == []  # idempotent
    campaign_id = report.reviews[0]["campaign_id"]
    with app.engine.connect() as conn:
        items = conn.execute(sa.select(schema.review_items.c.id, schema.review_items.c.reviewer,
                                       schema.review_items.c.snapshot)
                             .where(schema.review_items.c.campaign_id == campaign_id)).all()
    assert [(i.reviewer, i.snapshot["subject_id"]) for i in items] == [
        ("boss@acme.test", "svac_ci")]
    assert items[0].snapshot["sponsor"]["email"] == "boss@acme.test"
    decide(signed_in(app, "boss@acme.test", "reviewer"), [items[0].id], decision="keep",
           justification="still runs our CI")
    run_lifecycle(app, ("sponsor",))
    rows = {r["id"]: r for r in list_sponsors(app)}
    assert (rows["svac_ci"]["sponsor"], rows["svac_ci"]["provisional"]) == (
        "boss@acme.test", False)
    assert _ledger(app, "sponsor.accepted") == 1
    assert failing(run(app), "nhi-sponsor-left") == set()


def test_no_response_revokes(database_url: str) -> None:
    settings = parse_settings({"sources": [{
        "name": "anthropic", "type": "anthropic", "base_url": "http://127.0.0.1:9",
        "api_key_env": "UNSET_ADMIN_KEY"}]}, path=None, env={})
    app = make_app(database_url, settings)
    _org(app, alice_left=True)
    run(app)
    report = run_lifecycle(app, ("sponsor",))
    campaign_id = report.reviews[0]["campaign_id"]
    later = App(settings=app.settings, clock=Clock(app.now() + timedelta(days=8)),
                actor=app.actor, _engine=app.engine,
                wall_clock=Clock(app.wall() + timedelta(days=8)))
    closed = run_lifecycle(later, ("sponsor",))
    assert [p["trigger"] for p in closed.plans] == ["sponsor"]
    with app.engine.connect() as conn:
        status = conn.execute(sa.select(schema.campaigns.c.status).where(
            schema.campaigns.c.id == campaign_id)).scalar_one()
        actions = conn.execute(sa.select(schema.plan_actions.c.subject_id).where(
            schema.plan_actions.c.plan_id == closed.plans[0]["plan_id"])).scalars().all()
    assert status == "closed"
    assert "svac_ci" in actions
    app.close()


def test_explicit_sponsor_who_moves_passes_on(app: App) -> None:
    _org(app, alice_left=False)
    set_sponsor(signed_in(app, "admin@acme.test"), "svac_ci", owner="alice@acme.test",
                reason="owns CI")
    with app.engine.begin() as conn:
        conn.execute(schema.person_changes.insert().values(
            source="hr", person_email="alice@acme.test", kind="mover", field="department",
            old_value="Eng", new_value="Sales", observed_at=app.wall() + timedelta(hours=1),
            sync_run_id="r1"))
    report = run_lifecycle(app, ("sponsor",))
    assert [(r["subject"], r["reviewer"]) for r in report.reviews] == [
        ("svac_ci", "boss@acme.test")]


def test_reassign_makes_whoever_keeps_it_the_sponsor(app: App) -> None:
    _org(app, alice_left=True)
    run(app)
    report = run_lifecycle(app, ("sponsor",))
    campaign_id = report.reviews[0]["campaign_id"]
    with app.engine.connect() as conn:
        item_id = conn.execute(sa.select(schema.review_items.c.id).where(
            schema.review_items.c.campaign_id == campaign_id)).scalar_one()
    delegate(signed_in(app, "boss@acme.test", "reviewer"), [item_id], to="sec@acme.test",
             reason="security runs CI now")
    decide(signed_in(app, "sec@acme.test", "reviewer"), [item_id], decision="keep",
           justification="we own the pipeline")
    run_lifecycle(app, ("sponsor",))
    rows = {r["id"]: r for r in list_sponsors(app)}
    assert (rows["svac_ci"]["sponsor"], rows["svac_ci"]["provisional"]) == (
        "sec@acme.test", False)
    assert rows["svac_child"]["sponsor"] == "sec@acme.test"
