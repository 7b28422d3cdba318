"""SCIM error responses: shape, status, scimType; never a 500; nothing half-written."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from tenure.config import parse_settings
from tenure.services.context import App
from tenure.services.scim_tokens import create_token, revoke_token
from tenure.store import schema

from ..conftest import make_app, signed_in
from .conftest import CORE_GROUP, ENTERPRISE, changes, ledger_kinds, patch, rows, user_body

ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"


def assert_error(response: httpx.Response, status: int, scim_type: str | None = None) -> None:
    """The response is a SCIM Error with this status and scimType."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/scim+json")
    body: dict[str, Any] = response.json()
    assert body["schemas"] == [ERROR]
    assert body["status"] == str(status)
    assert body.get("scimType") == scim_type
    assert body["detail"]


def _user(client: TestClient, name: str = "ada@example.com", **kw: Any) -> str:
    response = client.post("/scim/v2/Users", json=user_body(name, **kw))
    assert response.status_code == 201, response.text
    uid: str = response.json()["id"]
    return uid


@pytest.mark.parametrize(("flt", "status"), [
    ('title eq "x"', 400), ('userName gt "a"', 400), ("userName eq", 400), ("((", 400),
    ('name.givenName eq "x"', 400), ('emails[type eq "work"]', 400),
    ('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "x"', 400),
    ('active eq "yes"', 400), ("x" * 3000, 400)])
def test_invalid_filter(client: TestClient, flt: str, status: int) -> None:
    assert_error(client.get("/scim/v2/Users", params={"filter": flt}), status, "invalidFilter")


def test_invalid_value(client: TestClient) -> None:
    assert_error(client.post("/scim/v2/Users", json={"schemas": [
        "urn:ietf:params:scim:schemas:core:2.0:User"]}), 400, "invalidValue")
    assert_error(client.get("/scim/v2/Users", params={"count": "ten"}), 400, "invalidValue")
    uid = _user(client)
    assert_error(client.patch(f"/scim/v2/Users/{uid}", json=patch(
        {"op": "frobnicate", "path": "title", "value": "x"})), 400, "invalidValue")
    assert_error(client.patch(f"/scim/v2/Users/{uid}", json=patch(
        {"op": "replace", "path": "active", "value": "perhaps"})), 400, "invalidValue")
    assert_error(client.post("/scim/v2/Groups", json={
        "schemas": [CORE_GROUP], "displayName": "G", "members": [{"value": "nobody"}]}),
        400, "invalidValue")


def test_invalid_syntax(client: TestClient) -> None:
    assert_error(client.post("/scim/v2/Users", content=b"{not json"), 400, "invalidSyntax")
    assert_error(client.post("/scim/v2/Users", content=b"[1, 2]"), 400, "invalidSyntax")
    assert_error(client.post("/scim/v2/Users", content=b"\xff\xfe"), 400, "invalidSyntax")


def test_uniqueness_is_409_and_nothing_is_written(client: TestClient, scim_app: App) -> None:
    _user(client)
    before = (changes(scim_app), ledger_kinds(scim_app), rows(scim_app, schema.sync_runs))
    assert_error(client.post("/scim/v2/Users", json=user_body("ADA@example.com")), 409,
                 "uniqueness")
    assert_error(client.post("/scim/v2/Users", json=user_body(
        "other", email="ada@example.com")), 409, "uniqueness")
    other = _user(client, "bob@example.com")
    assert_error(client.patch(f"/scim/v2/Users/{other}", json=patch(
        {"op": "replace", "path": "userName", "value": "Ada@Example.com"})), 409, "uniqueness")
    assert [r["userName"] for r in client.get("/scim/v2/Users").json()["Resources"]] == [
        "ada@example.com", "bob@example.com"]
    assert changes(scim_app)[: len(before[0])] == before[0]
    assert len(changes(scim_app)) == len(before[0]) + 1  # bob's joiner only


def test_no_target_and_invalid_path(client: TestClient) -> None:
    uid = _user(client)
    assert_error(client.patch(f"/scim/v2/Users/{uid}", json=patch(
        {"op": "replace", "path": 'emails[value eq "x@y.com" or type eq "home"].type',
         "value": "other"})), 400, "noTarget")
    assert_error(client.patch(f"/scim/v2/Users/{uid}", json=patch({"op": "remove"})), 400,
                 "noTarget")
    assert_error(client.patch(f"/scim/v2/Users/{uid}", json=patch(
        {"op": "replace", "path": "emails[type eq", "value": "x"})), 400, "invalidPath")
    assert_error(client.patch(f"/scim/v2/Users/{uid}", json=patch(
        {"op": "replace", "path": "id", "value": "x"})), 400, "mutability")


def test_a_failing_operation_rolls_back_the_whole_patch(client: TestClient,
                                                         scim_app: App) -> None:
    uid = _user(client, department="Eng")
    before = (changes(scim_app), ledger_kinds(scim_app))
    response = client.patch(f"/scim/v2/Users/{uid}", json=patch(
        {"op": "replace", "path": f"{ENTERPRISE}:department", "value": "Research"},
        {"op": "replace", "path": "emails[type eq \"nope\" and value eq \"z@z.com\"].type",
         "value": "other"}, {"op": "replace", "path": "active", "value": "bogus"}))
    assert response.status_code == 400
    assert (changes(scim_app), ledger_kinds(scim_app)) == before
    assert client.get(f"/scim/v2/Users/{uid}").json()[ENTERPRISE]["department"] == "Eng"


def test_not_found_and_other_sources_resources(client: TestClient, scim_app: App,
                                               database_url: str) -> None:
    uid = _user(client)
    assert_error(client.get("/scim/v2/Users/does-not-exist"), 404)
    assert_error(client.delete("/scim/v2/Groups/does-not-exist"), 404)
    assert_error(client.get("/scim/v2/Nope"), 404)
    assert_error(client.post("/scim/v2/ServiceProviderConfig", json={}), 405)
    # a token of another source does not see (or change) this source's users
    settings = parse_settings({"sources": [{"name": "entra", "type": "scim"}]}, path=None,
                              env={"TENURE_DATABASE_URL": database_url})
    entra_app = make_app(database_url, settings)
    entra_token = create_token(signed_in(entra_app, "scim-admin@corp.io"), "entra")[1]
    headers = {"Authorization": f"Bearer {entra_token}"}
    assert_error(client.get(f"/scim/v2/Users/{uid}", headers=headers), 404)
    assert_error(client.delete(f"/scim/v2/Users/{uid}", headers=headers), 404)
    assert client.get("/scim/v2/Users", headers=headers).json()["totalResults"] == 0
    assert client.get(f"/scim/v2/Users/{uid}").status_code == 200
    entra_app.close()


@pytest.mark.parametrize("header", [
    None, "", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer tnr_scim_0000000000000000_"
    + "A" * 43, "Bearer not-a-token", "bearer tnr_scim_zz"])
def test_unauthenticated_is_401(client: TestClient, header: str | None) -> None:
    headers = {"Authorization": header} if header is not None else {}
    client.headers.pop("Authorization")
    for method, path in (("GET", "/scim/v2/Users"), ("POST", "/scim/v2/Users"),
                         ("GET", "/scim/v2/ServiceProviderConfig"),
                         ("DELETE", "/scim/v2/Groups/x")):
        response = client.request(method, path, headers=headers, json=user_body("a@b.co"))
        assert_error(response, 401)
        assert response.headers["www-authenticate"].startswith("Bearer")


def test_wrong_secret_and_revoked_token_are_401(client: TestClient, scim_app: App,
                                                token: str) -> None:
    wrong = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    assert_error(client.get("/scim/v2/Users", headers={"Authorization": f"Bearer {wrong}"}),
                 401)
    token_id = token.split("_")[2]
    revoke_token(signed_in(scim_app, "scim-admin@corp.io"), token_id)
    assert_error(client.get("/scim/v2/Users"), 401)


def test_too_large_body_is_413(client: TestClient) -> None:
    big = b'{"userName": "' + b"a" * (1024 * 1024 + 10) + b'"}'
    assert_error(client.post("/scim/v2/Users", content=big), 413)
