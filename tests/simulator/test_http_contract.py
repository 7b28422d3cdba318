"""Headers, auth, error envelope and before_id/after_id/limit paging (vendor-apis 1.1-1.3)."""

from __future__ import annotations

import httpx

from tenure.simulator import SimulatorServer
from tests.simulator.conftest import VERSION, collect


def _error(resp: httpx.Response, status: int, type_: str) -> None:
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert body["type"] == "error"
    assert body["error"]["type"] == type_
    assert body["error"]["message"]
    assert body["request_id"] == resp.headers["request-id"]
    assert body["request_id"].startswith("req_")


def test_missing_version_is_invalid_request(sim: SimulatorServer) -> None:
    resp = httpx.get(f"{sim.base_url}/v1/organizations/users",
                     headers={"x-api-key": sim.admin_key})
    _error(resp, 400, "invalid_request_error")
    assert "anthropic-version" in resp.json()["error"]["message"]


def test_auth(sim: SimulatorServer) -> None:
    url = f"{sim.base_url}/v1/organizations/users"
    _error(httpx.get(url, headers={"anthropic-version": VERSION}), 401, "authentication_error")
    _error(httpx.get(url, headers={"anthropic-version": VERSION, "x-api-key": "sk-ant-nope"}),
           401, "authentication_error")
    _error(httpx.get(url, headers={"anthropic-version": VERSION,
                                   "x-api-key": sim.compliance_key or ""}),
           403, "permission_error")
    # The Admin API does not take a bearer token.
    _error(httpx.get(url, headers={"anthropic-version": VERSION,
                                   "authorization": f"Bearer {sim.admin_key}"}),
           401, "authentication_error")


def test_success_carries_request_id_and_ignores_beta(client: httpx.Client) -> None:
    resp = client.get("/v1/organizations/me", params={"beta": "true"})
    assert resp.status_code == 200
    assert resp.headers["request-id"].startswith("req_")
    body = resp.json()
    assert body["type"] == "organization"
    assert set(body) == {"id", "type", "name"}


def test_unknown_path_and_object(client: httpx.Client) -> None:
    _error(client.get("/v1/organizations/nothing"), 404, "not_found_error")
    _error(client.get("/v1/organizations/users/user_01doesnotexist"), 404, "not_found_error")
    _error(client.get("/v1/organizations/api_keys/apikey_01nope"), 404, "not_found_error")


def test_limit_bounds_and_bad_cursor(client: httpx.Client) -> None:
    _error(client.get("/v1/organizations/users", params={"limit": 0}), 400,
           "invalid_request_error")
    _error(client.get("/v1/organizations/users", params={"limit": 1001}), 400,
           "invalid_request_error")
    _error(client.get("/v1/organizations/users", params={"after_id": "user_01unknown"}), 400,
           "invalid_request_error")
    assert len(client.get("/v1/organizations/users").json()["data"]) == 20  # default limit


def test_pagination_forward_and_backward(client: httpx.Client) -> None:
    full = client.get("/v1/organizations/users", params={"limit": 1000}).json()
    assert full["has_more"] is False
    everyone = [u["id"] for u in full["data"]]
    assert full["first_id"] == everyone[0]
    assert full["last_id"] == everyone[-1]
    forward = [u["id"] for u in collect(client, "/v1/organizations/users", limit=3)]
    assert forward == everyone
    backward: list[str] = []
    params = {"limit": 4, "before_id": everyone[-1]}
    while True:
        body = client.get("/v1/organizations/users", params=params).json()
        assert [u["id"] for u in body["data"]] == everyone[
            everyone.index(body["first_id"]):everyone.index(body["last_id"]) + 1]
        backward = [u["id"] for u in body["data"]] + backward
        if not body["has_more"]:
            break
        params["before_id"] = body["first_id"]
    assert backward == everyone[:-1]
    empty = client.get("/v1/organizations/users", params={"after_id": everyone[-1]}).json()
    assert empty == {"data": [], "has_more": False, "first_id": None, "last_id": None}


def test_user_filters(client: httpx.Client) -> None:
    users = collect(client, "/v1/organizations/users", limit=100)
    admins = collect(client, "/v1/organizations/users", **{"roles[]": "admin"})
    assert admins
    assert {u["role"] for u in admins} == {"admin"}
    assert len(admins) == sum(u["role"] == "admin" for u in users)
    target = users[5]
    by_email = client.get("/v1/organizations/users",
                          params={"email": target["email"].upper()}).json()["data"]
    assert [u["id"] for u in by_email] == [target["id"]]
    assert client.get(f"/v1/organizations/users/{target['id']}").json() == target
    assert set(target) == {"id", "type", "email", "name", "role", "added_at"}


def test_key_filters(client: httpx.Client) -> None:
    keys = collect(client, "/v1/organizations/api_keys", limit=50)
    statuses = {k["status"] for k in keys}
    assert {"active", "inactive", "archived"} <= statuses
    for status in statuses:
        subset = collect(client, "/v1/organizations/api_keys", status=status)
        assert [k["id"] for k in subset] == [k["id"] for k in keys if k["status"] == status]
    creator = keys[0]["created_by"]["id"]
    mine = collect(client, "/v1/organizations/api_keys", created_by_user_id=creator)
    assert mine
    assert all(k["created_by"]["id"] == creator for k in mine)
    ws = next(k["workspace_id"] for k in keys if k["workspace_id"])
    in_ws = collect(client, "/v1/organizations/api_keys", workspace_id=ws)
    assert in_ws
    assert all(k["workspace_id"] == ws for k in in_ws)
    key = keys[0]
    assert key["partial_key_hint"].startswith("sk-ant-api03-")
    assert key["scope"]["type"] == "workspace"
    assert {"id", "type", "name", "workspace_id", "created_at", "created_by",
            "partial_key_hint", "status", "expires_at"} <= set(key)


def test_workspaces_archived_and_default(client: httpx.Client) -> None:
    active = collect(client, "/v1/organizations/workspaces")
    every = collect(client, "/v1/organizations/workspaces", include_archived="true")
    assert all(w["archived_at"] is None for w in active)
    archived = [w for w in every if w["archived_at"] is not None]
    assert len(archived) == 1
    assert len(every) == len(active) + 1
    with_default = collect(client, "/v1/organizations/workspaces", include_default="true")
    assert with_default[0]["name"] == "Default Workspace"


def test_members_include_implicit_admins(client: httpx.Client) -> None:
    users = collect(client, "/v1/organizations/users", limit=100)
    ws = collect(client, "/v1/organizations/workspaces")[0]
    members = collect(client, f"/v1/organizations/workspaces/{ws['id']}/members", limit=5)
    roles = {m["user_id"]: m["workspace_role"] for m in members}
    for u in users:
        if u["role"] == "admin":
            assert roles[u["id"]] == "workspace_admin"
        if u["role"] == "billing":
            assert roles[u["id"]] == "workspace_billing"
    assert all(m["type"] == "workspace_member" and m["workspace_id"] == ws["id"]
               for m in members)


def test_invites_statuses(client: httpx.Client) -> None:
    invites = collect(client, "/v1/organizations/invites")
    statuses = {i["status"] for i in invites}
    assert {"accepted", "pending", "expired"} <= statuses
    pending = collect(client, "/v1/organizations/invites", **{"statuses[]": "pending"})
    assert pending
    assert all(i["status"] == "pending" for i in pending)
