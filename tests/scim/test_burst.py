"""A SCIM deactivation burst is held: past 10 % of the source's people within the window
(never below the floor of 2), further deactivations are stored as pushed but the people stay
active, the hold is ledgered, no leaver trigger fires, until an admin confirms or dismisses."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from tenure.errors import Forbidden
from tenure.services import scim_burst, web_users
from tenure.services.context import App
from tenure.services.web_users import Role
from tenure.store import schema

from ..conftest import add_web_users
from .conftest import ledger_kinds, patch, rows, user_body

DEACTIVATE = {"op": "replace", "value": {"active": False}}


def _people(client: TestClient, n: int) -> list[str]:
    ids = []
    for i in range(n):
        response = client.post("/scim/v2/Users", json=user_body(f"u{i:02d}@corp.io"))
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    return ids


def _terminated(app: App) -> set[str]:
    p = schema.people
    return {r["email"] for r in rows(app, p, p.c.status == "terminated", p.c.removed_at.is_(None))}


def _leavers(app: App) -> set[str]:
    """People with a leaver change (what the lifecycle triggers and reports start from)."""
    c = schema.person_changes
    return {r["person_email"] for r in rows(app, c, c.c.kind == "leaver")}


def test_a_burst_of_deactivations_is_held_until_an_admin_confirms(
        scim_app: App, client: TestClient) -> None:
    ids = _people(client, 30)
    # 3 of 30 (10 %) deactivate normally; the 4th and every one after are held.
    for user_id in ids[:6]:
        assert client.patch(f"/scim/v2/Users/{user_id}", json=patch(DEACTIVATE)
                            ).status_code == 200
    assert client.delete(f"/scim/v2/Users/{ids[6]}").status_code == 204
    assert _terminated(scim_app) == {"u00@corp.io", "u01@corp.io", "u02@corp.io"}
    # The IdP sees what it pushed.
    assert client.get(f"/scim/v2/Users/{ids[5]}").json()["active"] is False
    held = scim_burst.held(scim_app)
    assert [h.email for h in held] == [f"u{i:02d}@corp.io" for i in range(3, 7)]
    kinds = ledger_kinds(scim_app)
    assert kinds.count("scim.burst.held") == 4
    # No leaver trigger for the held people.
    assert not _leavers(scim_app) & {h.email for h in held}
    # A held person re-activated before the decision is simply no longer held.
    assert client.patch(f"/scim/v2/Users/{ids[4]}", json=patch(
        {"op": "replace", "value": {"active": True}})).status_code == 200
    assert len(scim_burst.held(scim_app)) == 3
    # Only an admin decides.
    add_web_users(scim_app, [("admin@corp.io", Role.ADMIN), ("rev@corp.io", Role.REVIEWER)],
                  "correct horse battery")
    with pytest.raises(Forbidden):
        scim_burst.confirm(scim_app, web_users.get_user(scim_app, "rev@corp.io"), "scim")
    scim_burst.confirm(scim_app, web_users.get_user(scim_app, "admin@corp.io"), "scim")
    assert _terminated(scim_app) >= {"u03@corp.io", "u05@corp.io", "u06@corp.io"}
    assert "u04@corp.io" not in _terminated(scim_app)
    assert scim_burst.held(scim_app) == []
    assert "scim.burst.confirmed" in ledger_kinds(scim_app)
    assert {"u03@corp.io", "u05@corp.io", "u06@corp.io"} <= _leavers(scim_app)


def test_dismissed_burst_keeps_people_active(scim_app: App, client: TestClient) -> None:
    ids = _people(client, 10)
    for user_id in ids:
        client.patch(f"/scim/v2/Users/{user_id}", json=patch(DEACTIVATE))
    assert len(_terminated(scim_app)) == 2  # the floor: at most 2 at once
    assert len(scim_burst.held(scim_app)) == 8
    add_web_users(scim_app, [("admin@corp.io", Role.ADMIN)], "correct horse battery")
    assert scim_burst.dismiss(scim_app, web_users.get_user(scim_app, "admin@corp.io"),
                              "scim") == 8
    assert len(_terminated(scim_app)) == 2
    h = schema.scim_held_deactivations
    with scim_app.engine.connect() as conn:
        assert conn.execute(sa.select(h.c.resolution).distinct()).scalars().all() == [
            "dismissed"]
