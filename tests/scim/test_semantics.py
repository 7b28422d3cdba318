"""How pushed Users map onto people: the same semantics as the HR source downstream."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tenure.model import Account, AccountKind
from tenure.services.context import App
from tenure.store import schema, writers

from .conftest import CORE_GROUP, ENTERPRISE, changes, ledger_kinds, patch, rows, user_body


def _post(client: TestClient, body: dict[str, object]) -> str:
    response = client.post("/scim/v2/Users", json=body)
    assert response.status_code == 201, response.text
    uid: str = response.json()["id"]
    return uid


def test_reactivation_is_a_rehire(client: TestClient, scim_app: App) -> None:
    uid = _post(client, user_body("ada@example.com"))
    client.patch(f"/scim/v2/Users/{uid}", json=patch({"op": "replace", "path": "active",
                                                      "value": False}))
    client.patch(f"/scim/v2/Users/{uid}", json=patch({"op": "replace", "path": "active",
                                                      "value": True}))
    assert [c[1:3] for c in changes(scim_app)] == [
        ("joiner", "status"), ("leaver", "status"), ("updated", "end_date"),
        ("rehire", "status"), ("updated", "end_date")]
    (person,) = rows(scim_app, schema.people)
    assert (person["status"], person["end_date"]) == ("active", None)


def test_delete_after_deactivation_is_one_leaver(client: TestClient, scim_app: App) -> None:
    uid = _post(client, user_body("ada@example.com"))
    client.patch(f"/scim/v2/Users/{uid}", json=patch({"op": "replace", "value": {
        "active": False}}))
    assert client.delete(f"/scim/v2/Users/{uid}").status_code == 204
    assert [c[1] for c in changes(scim_app)].count("leaver") == 1
    assert ledger_kinds(scim_app)[-1] == "scim.user.deleted"
    assert client.delete(f"/scim/v2/Users/{uid}").status_code == 404


def test_manager_pushed_after_the_report_is_resolved_then(client: TestClient,
                                                          scim_app: App) -> None:
    _post(client, user_body("ada@example.com", manager="okta-grace"))
    people = {p["email"]: p for p in rows(scim_app, schema.people)}
    assert people["ada@example.com"]["manager_email"] == ""
    _post(client, user_body("grace@example.com", external_id="okta-grace"))
    people = {p["email"]: p for p in rows(scim_app, schema.people)}
    assert people["ada@example.com"]["manager_email"] == "grace@example.com"
    assert ("ada@example.com", "mover", "manager_email", None, "grace@example.com") in changes(
        scim_app)


def test_manager_given_as_an_email(client: TestClient, scim_app: App) -> None:
    _post(client, user_body("ada@example.com", manager="Grace@Example.com"))
    (person,) = rows(scim_app, schema.people)
    assert person["manager_email"] == "grace@example.com"


def test_email_change_moves_the_person(client: TestClient, scim_app: App) -> None:
    uid = _post(client, user_body("ada@example.com"))
    response = client.patch(f"/scim/v2/Users/{uid}", json=patch(
        {"op": "Replace", "path": "emails[type eq \"work\"].value",
         "value": "ada.lovelace@example.com"},
        {"op": "Replace", "path": "userName", "value": "ada.lovelace@example.com"}))
    assert response.status_code == 200, response.text
    people = {p["email"]: p for p in rows(scim_app, schema.people)}
    assert people["ada@example.com"]["removed_at"] is not None
    assert people["ada.lovelace@example.com"]["removed_at"] is None
    assert [c[:2] for c in changes(scim_app)] == [
        ("ada@example.com", "joiner"), ("ada@example.com", "removed"),
        ("ada.lovelace@example.com", "joiner")]


def test_a_user_without_an_email_governs_no_person(client: TestClient, scim_app: App) -> None:
    body = user_body("jdoe")
    body["emails"] = []
    uid = _post(client, body)
    assert rows(scim_app, schema.people) == []
    assert client.get(f"/scim/v2/Users/{uid}").json()["userName"] == "jdoe"
    assert ledger_kinds(scim_app)[-1] == "scim.user.created"


def test_email_preference_primary_then_work(client: TestClient, scim_app: App) -> None:
    body = user_body("jdoe")
    body["emails"] = [{"value": "home@example.org", "type": "home"},
                      {"value": "Work@Example.com", "type": "work"}]
    _post(client, body)
    assert [p["email"] for p in rows(scim_app, schema.people)] == ["work@example.com"]


def test_a_pushed_person_resolves_platform_accounts(client: TestClient, scim_app: App) -> None:
    now = scim_app.now()
    with scim_app.engine.begin() as conn:
        writers.upsert_snapshot(
            conn, schema.accounts, [writers.account_row(Account(
                external_id="user_01", kind=AccountKind.USER, email="Ada@example.com",
                name="Ada", role="user"))], source="anthropic", tenant="org", run_id="r1",
            now=now)
    (account,) = rows(scim_app, schema.accounts)
    assert account["person_email"] is None
    _post(client, user_body("ada@example.com", department="Eng"))
    (account,) = rows(scim_app, schema.accounts)
    assert (account["person_email"], account["match_method"]) == ("ada@example.com", "email")


def test_nested_groups_are_refused(client: TestClient) -> None:
    inner = client.post("/scim/v2/Groups", json={"schemas": [CORE_GROUP],
                                                 "displayName": "Inner"}).json()["id"]
    response = client.post("/scim/v2/Groups", json={
        "schemas": [CORE_GROUP], "displayName": "Outer", "members": [{"value": inner}]})
    assert response.status_code == 400
    assert response.json()["scimType"] == "invalidValue"
    assert "nested" in response.json()["detail"]


def test_put_replaces_the_extension_whole(client: TestClient, scim_app: App) -> None:
    uid = _post(client, user_body("ada@example.com", department="Eng"))
    body = user_body("ada@example.com")
    body.pop(ENTERPRISE, None)
    assert client.put(f"/scim/v2/Users/{uid}", json=body).status_code == 200
    assert ("ada@example.com", "mover", "department", "Eng", None) in changes(scim_app)


def test_an_unchanged_push_writes_nothing(client: TestClient, scim_app: App) -> None:
    body = user_body("ada@example.com", department="Eng")
    uid = _post(client, body)
    before = (ledger_kinds(scim_app), rows(scim_app, schema.sync_runs))
    again = client.put(f"/scim/v2/Users/{uid}", json=body)
    assert again.status_code == 200
    assert again.json()["meta"]["version"] == 'W/"1"'
    same = client.patch(f"/scim/v2/Users/{uid}", json=patch(
        {"op": "replace", "path": f"{ENTERPRISE}:department", "value": "Eng"}))
    assert same.status_code == 200
    assert (ledger_kinds(scim_app), rows(scim_app, schema.sync_runs)) == before
    gid = client.post("/scim/v2/Groups", json={"schemas": [CORE_GROUP], "displayName": "G",
                                               "members": [{"value": uid}]}).json()["id"]
    before = (ledger_kinds(scim_app), rows(scim_app, schema.sync_runs))
    assert client.patch(f"/scim/v2/Groups/{gid}", json=patch(
        {"op": "add", "path": "members", "value": [{"value": uid}]})).status_code == 200
    assert (ledger_kinds(scim_app), rows(scim_app, schema.sync_runs)) == before
