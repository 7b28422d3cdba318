"""leaver-active-account, leaver-active-key, orphaned-key, unmatched-account."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from tenure.config import Settings
from tenure.model import AccountKind, Gap
from tenure.services.context import App
from tests.checks.builder import (
    Store,
    ago,
    day_ago,
    failing,
    key,
    manual,
    person,
    run,
    user,
)
from tests.conftest import make_app


def test_leaver_active_account_after_grace(app: App) -> None:
    store = Store(app)
    store.hr([person("ann@acme.test"),
              person("lee@acme.test", status="terminated", end=day_ago(10)),
              person("tom@acme.test", status="terminated", end=day_ago(0)),
              person("gone@acme.test", status="terminated", end=day_ago(40))])
    store.platform(accounts=[user("user_ann", "ann@acme.test"), user("user_lee", "LEE@acme.test"),
                             user("user_tom", "tom@acme.test")])
    summary = run(app)
    # tom's last day is today (not passed yet); gone has no account left
    assert failing(summary, "leaver-active-account") == {"user_lee"}
    result = next(r for o in summary.outcomes for r in o.results
                  if o.check.id == "leaver-active-account")
    assert result.hit.person == "lee@acme.test"
    assert result.hit.evidence["end_date"] == day_ago(10).isoformat()


def test_leaver_grace_days_from_config(database_url: str) -> None:
    settings = Settings(checks={"leaver-active-account": {"grace_days": 14}})
    app = make_app(database_url, settings)
    store = Store(app)
    store.hr([person("lee@acme.test", status="terminated", end=day_ago(10)),
              person("old@acme.test", status="terminated", end=day_ago(20))])
    store.platform(accounts=[user("user_lee", "lee@acme.test"), user("user_old", "old@acme.test")])
    assert failing(run(app), "leaver-active-account") == {"user_old"}
    app.close()


def test_leaver_keys_and_orphans(app: App) -> None:
    store = Store(app)
    store.hr([person("ann@acme.test"),
              person("lee@acme.test", status="terminated", end=day_ago(5))])
    store.platform(
        accounts=[user("user_ann", "ann@acme.test"), user("user_lee", "lee@acme.test"),
                  user("user_svc", None, kind=AccountKind.SERVICE_ACCOUNT),
                  user("user_ext", "ext@other.test")],
        credentials=[
            key("k_ann", creator="user_ann"),
            key("k_lee", creator="user_lee"),
            key("k_lee_inactive", creator="user_lee", status="inactive"),
            key("k_lee_expired", creator="user_lee", expires=ago(1)),
            key("k_ghost", creator="user_ghost"),
            key("k_nobody"),
            key("k_svc", owner="user_svc", owner_type="service_account", creator="user_lee"),
            key("k_svc_only", owner="user_svc", owner_type="service_account"),
            key("k_ext", creator="user_ext"),
        ])
    summary = run(app)
    assert failing(summary, "leaver-active-key") == {"k_lee"}
    leaver_keys = next(o for o in summary.outcomes if o.check.id == "leaver-active-key")
    # k_svc is a service account's key a leaver created: its sponsor decides (manual)
    assert {r.hit.subject_id: str(r.status) for r in leaver_keys.results} == {
        "k_lee": "fail", "k_svc": "manual"}
    # k_ghost: creator no longer in the org and matches no one; k_nobody: no owner at all.
    # k_ext's creator is still a member (unmatched-account covers it), so it is not orphaned.
    assert failing(summary, "orphaned-key") == {"k_ghost", "k_nobody"}


def test_orphan_when_owner_removed_from_org(app: App) -> None:
    store = Store(app)
    store.hr([person("ann@acme.test")])
    store.platform(accounts=[user("user_ann", "ann@acme.test"), user("user_bob", "bob@x.test")],
                   credentials=[key("k_bob", creator="user_bob"), key("k_ann", creator="user_ann")],
                   at=ago(3))
    store.platform(accounts=[user("user_ann", "ann@acme.test")],
                   credentials=[key("k_bob", creator="user_bob"), key("k_ann", creator="user_ann")])
    summary = run(app)
    assert failing(summary, "orphaned-key") == {"k_bob"}


def test_unmatched_accounts_are_human_seats_only(app: App) -> None:
    store = Store(app)
    store.hr([person("ann@acme.test")])
    store.platform(accounts=[user("user_ann", "ann@acme.test"), user("user_x", "x@gmail.test"),
                             user("user_noemail", None),
                             user("sa_1", None, kind=AccountKind.SERVICE_ACCOUNT)])
    assert failing(run(app), "unmatched-account") == {"user_x", "user_noemail"}


def test_manual_without_identity_source(app: App) -> None:
    Store(app).platform(accounts=[user("user_x", "x@acme.test")])
    summary = run(app)
    assert failing(summary, "unmatched-account") == set()
    assert "no identity source" in manual(summary, "unmatched-account")["anthropic"]
    assert "no identity source" in manual(summary, "leaver-active-account")["anthropic"]
    # checks that need no people still judge the source
    assert manual(summary, "long-lived-key") == {}


def test_manual_when_accounts_gap(app: App) -> None:
    store = Store(app)
    store.hr([person("lee@acme.test", status="terminated", end=day_ago(5))])
    store.platform(accounts=[user("user_lee", "lee@acme.test")], at=ago(2))
    store.platform(gaps=[Gap("account", "403 forbidden", "missing scope")])
    summary = run(app)
    assert failing(summary, "leaver-active-account") == set()
    assert "403 forbidden" in manual(summary, "leaver-active-account")["anthropic"]
    statuses = {(r.hit.subject_type, str(r.status)) for o in summary.outcomes
                if o.check.id == "leaver-active-account" for r in o.results}
    assert statuses == {("source", "manual")}


def test_manual_when_latest_run_failed_or_never_synced(database_url: str) -> None:
    from tenure.config import SourceConfig

    app = make_app(database_url, Settings(sources=(SourceConfig(name="hr", type="hr-csv"),)))
    summary = run(app)
    assert summary.outcomes  # nothing configured on the platform side: nothing to judge
    store = Store(app)
    store.hr([person("ann@acme.test")])
    store.platform(accounts=[user("user_x", "x@acme.test")], at=ago(1))
    store.platform(failed=True, at=ago(0.5) + timedelta(hours=1))
    reason = manual(run(app), "unmatched-account")["anthropic"]
    assert "latest sync failed" in reason
    app.close()


def test_a_service_accounts_key_is_never_an_orphaned_key(app: App) -> None:
    """The service account owns it and its sponsor is accountable: while service accounts are
    not read (Anthropic today) the key is ``manual`` with the reason, never ``fail``; a listed
    service account owns it outright."""
    store = Store(app)
    store.hr([person("ann@acme.test")])
    store.platform(
        accounts=[user("user_ann", "ann@acme.test"),
                  user("sa_listed", None, kind=AccountKind.SERVICE_ACCOUNT)],
        credentials=[
            key("k_sa_unknown", owner="svac_01NotRead", owner_type="service_account"),
            key("k_sa_gone_creator", owner="svac_02NotRead", owner_type="service_account",
                creator="user_gone"),
            key("k_sa_listed", owner="sa_listed", owner_type="service_account"),
            key("k_ghost", creator="user_ghost"),
        ])
    summary = run(app)
    assert failing(summary, "orphaned-key") == {"k_ghost"}
    outcome = next(o for o in summary.outcomes if o.check.id == "orphaned-key")
    judged = {r.hit.subject_id: (r.status, r.hit.evidence) for r in outcome.results}
    for key_id in ("k_sa_unknown", "k_sa_gone_creator"):
        status, evidence = judged[key_id]
        assert status == "manual"
        assert evidence["service_account_id"] in ("svac_01NotRead", "svac_02NotRead")
        assert "sponsor is accountable" in str(evidence["reason"])
    assert "k_sa_listed" not in judged


def test_disabled_and_service_account_seats_are_not_judged_as_people(app: App) -> None:
    """OpenAI ``user.enabled: false``/``banned`` seats are not live access, and users flagged
    ``is_service_account`` are non-human (transform: kind service_account)."""
    store = Store(app)
    store.hr([person("lee@acme.test", status="terminated", end=day_ago(5))])
    off = replace(user("user_lee_off", "lee@acme.test"), status="disabled")
    store.platform(accounts=[user("user_lee", "lee@acme.test"), off,
                             user("user_robot", "robot@svc.test",
                                  kind=AccountKind.SERVICE_ACCOUNT)])
    summary = run(app)
    assert failing(summary, "leaver-active-account") == {"user_lee"}
    assert failing(summary, "unmatched-account") == set()
