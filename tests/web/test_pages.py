"""What the pages and the API do, on both databases: delegate, refusals shown as messages,
mute, filters, close, second-person approval, apply guards, evidence downloads, and no
secret in any page (T13)."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from tenure.config import OidcConfig, WebConfig
from tenure.services import evidence, reviews
from tenure.store import schema
from tests.conftest import add_web_users, user_token

from .conftest import ADMIN, ADMIN2, AUDITOR, ORIGIN, OTHER, PASSWORD, REVIEWER, Org, sign_in

H = {"Origin": ORIGIN}


def test_delegate_moves_the_item_and_refusals_are_messages(served: Org) -> None:
    with TestClient(served.api) as boss, TestClient(served.api) as alice:
        token = sign_in(boss, REVIEWER)
        # A rule refusal (self-delegation to nobody / missing reason) is a 400 page, not a 500.
        refused = boss.post("/queue/act", headers=H, data={
            "csrf_token": token, "item_id": served.own_item, "action": "delegate",
            "to": "not-an-email", "reason": "x"})
        assert refused.status_code == 400
        assert "not an email address" in refused.text
        moved = boss.post("/queue/act", headers=H, follow_redirects=False, data={
            "csrf_token": token, "item_id": served.own_item, "action": "delegate",
            "to": OTHER, "reason": "she owns this team now"})
        assert moved.status_code == 303
        assert boss.get(f"/items/{served.own_item}").status_code == 404
        sign_in(alice, OTHER)
        assert served.own_item in alice.get("/queue").text
        history = alice.get(f"/api/items/{served.own_item}").json()["history"]
        assert history[-1]["what"] == f"delegated to {OTHER}"


def test_findings_filters_and_mute(served: Org) -> None:
    with TestClient(served.api) as client:
        token = sign_in(client, ADMIN)
        every = client.get("/api/findings?status=all&limit=200").json()
        critical = client.get("/api/findings?severity=critical").json()
        assert 0 < critical["total"] <= every["total"]
        assert {f["severity"] for f in critical["items"]} == {"critical"}
        assert client.get("/api/findings?severity=bogus").status_code == 422
        assert client.get("/findings?severity=critical").status_code == 200
        past = client.post(f"/findings/{served.finding_id}/mute", headers=H, data={
            "csrf_token": token, "reason": "accepted", "until": "2020-01-01"})
        assert past.status_code == 400
        done = client.post(f"/findings/{served.finding_id}/mute", headers=H,
                           follow_redirects=False, data={
                               "csrf_token": token, "reason": "accepted until migration",
                               "until": "2026-12-31"})
        assert done.status_code == 303
        muted = [f for f in client.get("/api/findings?limit=200").json()["items"]
                 if f["id"] == served.finding_id]
        assert muted[0]["muted"] is True
        assert muted[0]["mute_reason"] == "accepted until migration"


def test_bulk_mute_with_one_reason_and_expiry(served: Org) -> None:
    """The findings page's bulk mute: the selected findings get the same reason and expiry,
    each ledgered; a missing reason, a past date or an unknown id mutes nothing."""
    with TestClient(served.api) as client:
        token = sign_in(client, ADMIN)
        listed = client.get("/api/findings?limit=200").json()["items"]
        chosen = [f["id"] for f in listed if not f["muted"]][:3]
        assert len(chosen) == 3

        def mute(ids: list[str], reason: str, until: str) -> int:
            response = client.post("/findings/mute", headers=H, follow_redirects=False,
                                   data={"csrf_token": token, "finding_id": ids,
                                         "reason": reason, "until": until})
            return response.status_code

        def muted() -> dict[str, dict[str, object]]:
            return {f["id"]: f for f in client.get("/api/findings?limit=200").json()["items"]
                    if f["muted"]}

        assert mute(chosen, "accepted", "2020-01-01") == 400
        assert mute([*chosen[:2], "fnd_nope"], "accepted", "2026-12-31") == 404
        assert muted().keys().isdisjoint(chosen)
        assert mute(chosen, "", "2026-12-31") >= 400
        assert muted().keys().isdisjoint(chosen)
        assert mute(chosen, "pilot ends with the migration", "2026-12-31") == 303
        after = muted()
        assert set(chosen) <= set(after)
        assert {after[i]["mute_reason"] for i in chosen} == {"pilot ends with the migration"}
        assert {str(after[i]["muted_until"])[:10] for i in chosen} == {"2026-12-31"}
        with served.app.engine.connect() as conn:
            entries = conn.execute(sa.select(schema.ledger_entries.c.subject).where(
                schema.ledger_entries.c.kind == "finding.muted")).scalars().all()
        assert set(chosen) <= set(entries)
        assert "Muted 3 finding(s) until 2026-12-31" in client.get("/findings").text


def test_item_page_shows_the_sponsor_only_when_one_is_recorded(served: Org) -> None:
    """The sponsor of a non-human identity (issue 16's accountability table) appears on its
    review item, with why; an item with no accountability row shows no sponsor section."""
    item = next(i for i in reviews.items(served.app, served.campaign_id)
                if i.id == served.own_item)
    with TestClient(served.api) as client:
        sign_in(client, REVIEWER)
        assert 'id="item-sponsor"' not in client.get(f"/items/{item.id}").text
        with served.app.engine.begin() as conn:
            conn.execute(schema.nhi_accountability.insert().values(
                source=item.source, subject_type=item.kind, subject_id=item.subject_id,
                tenant="t", name=item.label, live=True, sponsor_email=REVIEWER,
                basis="explicit", reason="set by the platform team", provisional=False,
                refreshed_at=served.app.wall()))
        page = client.get(f"/items/{item.id}").text
        assert 'id="item-sponsor"' in page
        assert REVIEWER in page.split('id="item-sponsor"')[1]
        assert "explicit: set by the platform team" in page


def test_campaign_progress_and_close(served: Org) -> None:
    with TestClient(served.api) as client:
        token = sign_in(client, ADMIN)
        page = client.get(f"/campaigns/{served.campaign_id}")
        assert REVIEWER in page.text
        assert "Progress by reviewer" in page.text
        assert client.post(f"/campaigns/{served.campaign_id}/close", headers=H, data={
            "csrf_token": token}).status_code == 400  # pending items, no force
        closed = client.post(f"/campaigns/{served.campaign_id}/close", headers=H,
                             follow_redirects=False,
                             data={"csrf_token": token, "force": "1"})
        assert closed.status_code == 303
        assert reviews.show(served.app, served.campaign_id).summary.status == "closed"
        # A closed campaign's items leave the reviewers' queues.
        assert client.get("/api/queue").json()["total"] == 0


def test_plan_second_person_approval_and_apply_guard(served: Org) -> None:
    add_web_users(served.app, [(ADMIN, "admin"), ("planner@corp.io", "admin")], PASSWORD)
    planner = user_token(served.app, "planner@corp.io")
    admin = {"Authorization": f"Bearer {served.tokens[ADMIN]}"}
    with TestClient(served.api) as client:
        own = client.post(f"/api/plans/{served.plan_id}/approve",
                          headers={"Authorization": f"Bearer {planner}"})
        assert own.status_code == 403
        assert "cannot also approve" in own.json()["detail"]
        wrong = client.post(f"/api/plans/{served.plan_id}/apply", headers=admin,
                            json={"approve_hash": "0" * 64})
        assert wrong.status_code == 400  # not approved yet: refused before any call
        approved = client.post(f"/api/plans/{served.plan_id}/approve", headers=admin)
        assert approved.status_code == 200
        assert approved.json()["approved_by"] == ADMIN
        status = client.get(f"/api/plans/{served.plan_id}", headers=admin).json()
        assert status["plan"]["status"] == "approved"
        assert client.post(f"/api/plans/{served.plan_id}/apply", headers=admin,
                           json={"approve_hash": "f" * 64}).status_code == 400
        applied = client.post(f"/api/plans/{served.plan_id}/apply", headers=admin,
                              json={"approve_hash": served.plan_hash})
        assert applied.status_code == 200, applied.text
        assert applied.json()["calls"] == 0  # the fixture's plan has no steps
        # an applied plan is never approved again: not by another admin, not by the same
        add_web_users(served.app, [(ADMIN, "admin"), ("third@corp.io", "admin")], PASSWORD)
        third = {"Authorization": f"Bearer {user_token(served.app, 'third@corp.io')}"}
        for who in (third, admin):
            again = client.post(f"/api/plans/{served.plan_id}/approve", headers=who)
            assert again.status_code == 409, again.text
            assert "already applied" in again.json()["detail"]
        final = client.get(f"/api/plans/{served.plan_id}", headers=admin).json()["plan"]
        assert final["approved_by"] == ADMIN
        assert final["approved_at"] == status["plan"]["approved_at"]
        # the web form answers the same
        token = sign_in(client, ADMIN2)
        form = client.post(f"/plans/{served.plan_id}/approve", headers=H,
                           data={"csrf_token": token})
        assert form.status_code == 409
        assert "already applied" in form.text


def test_auditor_downloads_a_verifiable_package(served: Org, tmp_path: Path) -> None:
    with TestClient(served.api) as client:
        token = sign_in(client, AUDITOR)
        assert "verifies" in client.get("/evidence").text
        for response in (
                client.post("/evidence/export", headers=H,
                            data={"csrf_token": token, "campaign": served.campaign_id}),
                client.post("/api/evidence/export", json={"period": "2026-01-01..2026-12-31"},
                            headers={"Authorization": f"Bearer {served.tokens[AUDITOR]}"})):
            assert response.status_code == 200, response.text
            assert response.headers["content-type"] == "application/zip"
            path = tmp_path / "package.zip"
            path.write_bytes(response.content)
            assert evidence.check_package(path).ok
        assert client.post("/evidence/export", headers=H, data={
            "csrf_token": token, "period": "not a period"}).status_code == 400


def test_no_secret_in_any_page(served: Org, monkeypatch: pytest.MonkeyPatch) -> None:
    canary = "tnr-canary-" + "9f3b" * 8
    monkeypatch.setenv("WEB_SESSION_SECRET", canary)
    monkeypatch.setenv("WEB_OIDC_SECRET", canary)
    served.app.settings = served.app.settings.model_copy(update={"web": WebConfig(
        session_secret_env="WEB_SESSION_SECRET", oidc=OidcConfig(
            issuer="http://127.0.0.1:9", client_id="x", client_secret_env="WEB_OIDC_SECRET"))})
    from tenure.api import create_app

    api = create_app(served.app)
    seen: list[str] = []
    with TestClient(api) as client:
        seen.append(client.get("/login").text)
        sign_in(client, ADMIN)
        for path in ("/queue", "/findings", "/campaigns", f"/campaigns/{served.campaign_id}",
                     "/plans", f"/plans/{served.plan_id}", "/sources", "/evidence",
                     f"/items/{served.foreign_item}", "/api/openapi.json", "/api/me",
                     "/api/findings", "/login/oidc"):
            response = client.get(path, follow_redirects=False)
            seen.append(response.text + str(response.headers))
        seen.append(str(client.cookies.items()))
    with served.app.engine.connect() as conn:
        seen.append(repr(conn.execute(sa.select(schema.ledger_entries.c.payload)).all()))
    assert all(canary not in text for text in seen)
    for token in served.tokens.values():
        assert all(token not in text for text in seen)
