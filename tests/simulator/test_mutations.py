"""Real state: mutations change what is read and append the matching Compliance activity."""

from __future__ import annotations

from typing import Any

import httpx

from tenure.simulator import SimulatorServer
from tests.simulator.conftest import admin_client, collect


def _latest(client: httpx.Client, sim: SimulatorServer) -> dict[str, Any]:
    body = client.get("/v1/compliance/activities", params={"limit": 1},
                      headers={"x-api-key": sim.compliance_key or ""}).json()
    activity: dict[str, Any] = body["data"][0]
    return activity


def test_delete_user(fresh_sim: SimulatorServer) -> None:
    with admin_client(fresh_sim) as c:
        users = collect(c, "/v1/organizations/users", limit=100)
        victim = next(u for u in users if u["role"] == "developer")
        keys_before = collect(c, "/v1/organizations/api_keys",
                              created_by_user_id=victim["id"])
        resp = c.delete(f"/v1/organizations/users/{victim['id']}")
        assert resp.json() == {"id": victim["id"], "type": "user_deleted"}
        assert c.get(f"/v1/organizations/users/{victim['id']}").status_code == 404
        assert victim["id"] not in {u["id"] for u in collect(c, "/v1/organizations/users")}
        # Keys persist after their creator leaves.
        assert collect(c, "/v1/organizations/api_keys",
                       created_by_user_id=victim["id"]) == keys_before
        for ws in collect(c, "/v1/organizations/workspaces"):
            members = collect(c, f"/v1/organizations/workspaces/{ws['id']}/members")
            assert victim["id"] not in {m["user_id"] for m in members}
        activity = _latest(c, fresh_sim)
        assert activity["type"] == "org_user_deleted"
        assert activity["deleted_user_id"] == victim["id"]
        assert activity["deleted_user_email"] == victim["email"]
        assert activity["actor"] == {"type": "admin_api_key_actor",
                                     "admin_api_key_id": fresh_sim.admin_key_id,
                                     "ip_address": "127.0.0.1",
                                     "user_agent": activity["actor"]["user_agent"]}
        assert c.delete(f"/v1/organizations/users/{victim['id']}").status_code == 404


def test_paging_survives_deleting_the_cursor(fresh_sim: SimulatorServer) -> None:
    with admin_client(fresh_sim) as c:
        page = c.get("/v1/organizations/users", params={"limit": 5}).json()
        everyone = [u["id"] for u in collect(c, "/v1/organizations/users")]
        c.delete(f"/v1/organizations/users/{page['last_id']}").raise_for_status()
        rest = c.get("/v1/organizations/users",
                     params={"limit": 1000, "after_id": page["last_id"]}).json()
        assert [u["id"] for u in rest["data"]] == everyone[5:]


def test_archive_key(fresh_sim: SimulatorServer) -> None:
    with admin_client(fresh_sim) as c:
        key = collect(c, "/v1/organizations/api_keys", status="active")[0]
        resp = c.post(f"/v1/organizations/api_keys/{key['id']}", json={"status": "archived"})
        assert resp.json()["status"] == "archived"
        assert c.get(f"/v1/organizations/api_keys/{key['id']}").json()["status"] == "archived"
        activity = _latest(c, fresh_sim)
        assert activity["type"] == "scoped_api_key_updated"
        assert activity["api_key_id"] == key["id"]
        assert activity["updates"] == [{"type": "activation_state",
                                        "previous_value": "active",
                                        "current_value": "archived"}]
        again = c.post(f"/v1/organizations/api_keys/{key['id']}", json={"status": "active"})
        assert again.status_code == 400
        bad = c.post(f"/v1/organizations/api_keys/{key['id']}", json={"status": "deleted"})
        assert bad.json()["error"]["type"] == "invalid_request_error"


def test_role_update(fresh_sim: SimulatorServer) -> None:
    with admin_client(fresh_sim) as c:
        dev = collect(c, "/v1/organizations/users", **{"roles[]": "developer"})[0]
        resp = c.post(f"/v1/organizations/users/{dev['id']}", json={"role": "user"})
        assert resp.json()["role"] == "user"
        activity = _latest(c, fresh_sim)
        assert activity["type"] == "claude_user_role_updated"
        # Rev J fields (vendor-apis-nhi.md §6.2).
        assert (activity["user_id"], activity["previous_role"], activity["current_role"]) == (
            dev["id"], "developer", "user")
        assert activity["user_email"] == dev["email"]
        assert c.post(f"/v1/organizations/users/{dev['id']}",
                      json={"role": "admin"}).status_code == 400
        assert c.post(f"/v1/organizations/users/{dev['id']}", json={}).status_code == 400


def test_workspace_members_and_archive(fresh_sim: SimulatorServer) -> None:
    with admin_client(fresh_sim) as c:
        ws = collect(c, "/v1/organizations/workspaces")[0]
        path = f"/v1/organizations/workspaces/{ws['id']}/members"
        member_ids = {m["user_id"] for m in collect(c, path)}
        outsider = next(u for u in collect(c, "/v1/organizations/users", limit=100)
                        if u["id"] not in member_ids and u["role"] in ("user", "developer"))
        added = c.post(path, json={"user_id": outsider["id"],
                                   "workspace_role": "workspace_developer"})
        assert added.json()["workspace_role"] == "workspace_developer"
        assert _latest(c, fresh_sim)["type"] == "platform_workspace_member_added"
        assert c.post(path, json={"user_id": outsider["id"],
                                  "workspace_role": "workspace_billing"}).status_code == 400
        c.post(f"{path}/{outsider['id']}", json={"workspace_role": "workspace_user"})
        assert _latest(c, fresh_sim)["type"] == "platform_workspace_member_updated"
        removed = c.delete(f"{path}/{outsider['id']}").json()
        assert removed == {"type": "workspace_member_deleted", "user_id": outsider["id"],
                           "workspace_id": ws["id"]}
        assert _latest(c, fresh_sim)["type"] == "platform_workspace_member_removed"
        assert c.get(f"{path}/{outsider['id']}").status_code == 404
        admin = collect(c, "/v1/organizations/users", **{"roles[]": "admin"})[0]
        assert c.delete(f"{path}/{admin['id']}").status_code == 400
        archived = c.post(f"/v1/organizations/workspaces/{ws['id']}/archive").json()
        assert archived["archived_at"] is not None
        assert _latest(c, fresh_sim)["type"] == "platform_workspace_archived"
        assert ws["id"] not in {w["id"] for w in collect(c, "/v1/organizations/workspaces")}


def test_invite_delete(fresh_sim: SimulatorServer) -> None:
    with admin_client(fresh_sim) as c:
        invite = collect(c, "/v1/organizations/invites", **{"statuses[]": "pending"})[0]
        assert c.delete(f"/v1/organizations/invites/{invite['id']}").json() == {
            "id": invite["id"], "type": "invite_deleted"}
        assert c.get(f"/v1/organizations/invites/{invite['id']}").status_code == 404
        assert _latest(c, fresh_sim)["type"] == "org_user_invite_deleted"


def test_new_activities_page_forward(fresh_sim: SimulatorServer) -> None:
    with admin_client(fresh_sim) as c:
        newest = _latest(c, fresh_sim)["id"]
        key = collect(c, "/v1/organizations/api_keys", status="active")[0]
        c.post(f"/v1/organizations/api_keys/{key['id']}", json={"status": "inactive"})
        c.post(f"/v1/organizations/api_keys/{key['id']}", json={"name": "renamed"})
        body = c.get("/v1/compliance/activities", params={"before_id": newest}).json()
        assert [a["type"] for a in body["data"]] == ["scoped_api_key_updated"] * 2
        assert body["data"][0]["updates"][0]["type"] == "name"
        assert body["has_more"] is False
        assert fresh_sim.mutations()[-1].path.endswith(key["id"])
