"""The simulator's OpenAI groups, roles, role assignments and project groups over raw HTTP
(httpx, never connector code): the ``next`` cursor family, limits, the two SCIM spellings,
``assignment_sources`` on inherited assignments, the write answers and the SCIM refusal."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tenure.simulator import SimulatorServer, start_simulator
from tenure.simulator.openai_state import OpenAIState
from tests.simulator.conftest import AS_OF

ORG = "/v1/organization"


@pytest.fixture
def sim() -> Iterator[SimulatorServer]:
    with start_simulator("mixed", seed=7, as_of=AS_OF) as server:
        yield server


def oai(sim: SimulatorServer) -> OpenAIState:
    assert sim.openai is not None
    return sim.openai


@pytest.fixture
def client(sim: SimulatorServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sim.base_url, timeout=10, headers={
            "authorization": f"Bearer {sim.openai_admin_key}"}) as c:
        yield c


def collect(client: httpx.Client, path: str, *, key: str = "id", **params: Any
            ) -> list[dict[str, Any]]:
    """Page with ``after`` = ``next`` (the SDK's way)."""
    items: list[dict[str, Any]] = []
    query = {**params, "limit": 1}
    while True:
        body = client.get(path, params=query).raise_for_status().json()
        assert set(body) == {"object", "data", "has_more", "next"}
        items += body["data"]
        if not body["has_more"]:
            assert body["next"] is None
            return items
        assert body["next"] == body["data"][-1][key]  # so "the last ID" works too
        query["after"] = body["next"]


def test_groups_page_with_next_and_spell_scim_as_the_spec(sim: SimulatorServer,
                                                         client: httpx.Client) -> None:
    groups = collect(client, f"{ORG}/groups")
    assert {g["id"] for g in groups} == set(oai(sim).rbac.groups)
    assert all(set(g) == {"id", "name", "created_at", "is_scim_managed", "group_type"}
               for g in groups)
    scim = next(g for g in groups if g["is_scim_managed"])
    assert scim["name"] == "Research-Team"
    direct = next(g for g in groups if g["name"] == "Platform-Admins")
    role = collect(client, f"{ORG}/roles")[0]
    bound = client.post(f"{ORG}/groups/{direct['id']}/roles",
                        json={"role_id": role["id"]}).raise_for_status().json()
    assert bound["object"] == "group.role"
    assert bound["group"]["object"] == "group"
    assert "scim_managed" in bound["group"]
    assert "is_scim_managed" not in bound["group"]


def test_limits_and_defaults(client: httpx.Client) -> None:
    assert client.get(f"{ORG}/groups", params={"limit": 1001}).status_code == 400
    projects = client.get(f"{ORG}/projects").json()["data"]
    path = f"{ORG}/projects/{projects[0]['id']}/groups"
    assert client.get(path, params={"limit": 101}).status_code == 400
    assert client.get(path, params={"limit": 0}).status_code == 200
    assert client.get(f"{ORG}/groups", params={"after": "group_nope"}).status_code == 400


def test_inherited_assignments_name_their_group(sim: SimulatorServer,
                                                client: httpx.Client) -> None:
    rbac = oai(sim).rbac
    admins = next(g for g, v in rbac.groups.items() if v["name"] == "Platform-Admins")
    member = next(iter(rbac.members[admins]))
    roles = collect(client, f"{ORG}/users/{member}/roles")
    inherited = [r for r in roles if r.get("assignment_sources")]
    assert inherited
    assert inherited[0]["assignment_sources"] == [
        {"principal_id": admins, "principal_type": "group"}]
    custodian = next(r for r in rbac.roles.values() if r["name"] == "Key Custodian")
    holder = next(k[1] for k in rbac.assignments if k[3] == custodian["id"])
    direct = collect(client, f"{ORG}/users/{holder}/roles")
    assert [r["name"] for r in direct] == ["Key Custodian"]
    assert "assignment_sources" not in direct[0]


def test_project_roles_have_no_organization_prefix(client: httpx.Client) -> None:
    projects = client.get(f"{ORG}/projects").json()["data"]
    research = next(p for p in projects if p["name"] == "Research")
    names = {r["name"] for r in collect(client, f"/v1/projects/{research['id']}/roles")}
    assert {"Owner", "Member", "Viewer", "Fine-tuner"} <= names
    assert client.get(f"{ORG}/projects/{research['id']}/roles").status_code == 404
    missing = client.get(f"/v1/projects/{research['id']}/roles/role_nope")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
    groups = collect(client, f"{ORG}/projects/{research['id']}/groups", key="group_id")
    assert {g["group_name"] for g in groups} == {"Data-Science", "Research-Team"}
    assert all(g["object"] == "project.group" and "id" not in g for g in groups)


def test_scim_managed_groups_refuse_member_edits_unless_configured(
        sim: SimulatorServer, client: httpx.Client) -> None:
    rbac = oai(sim).rbac
    scim = next(g for g, v in rbac.groups.items() if v["is_scim_managed"])
    member = next(iter(rbac.members[scim]))
    refused = client.delete(f"{ORG}/groups/{scim}/users/{member}")
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "scim_managed_group"
    assert member in rbac.members[scim]
    rbac.scim_locked = False
    gone = client.delete(f"{ORG}/groups/{scim}/users/{member}").raise_for_status().json()
    assert gone == {"object": "group.user.deleted", "deleted": True}
    assert member not in rbac.members[scim]


def test_revocation_verbs_answer_as_specified(sim: SimulatorServer,
                                             client: httpx.Client) -> None:
    rbac = oai(sim).rbac
    custodian = next(r for r in rbac.roles.values() if r["name"] == "Key Custodian")["id"]
    holder = next(k[1] for k in rbac.assignments if k[3] == custodian)
    assert client.delete(f"{ORG}/users/{holder}/roles/{custodian}").json() == {
        "object": "user.role.deleted", "deleted": True}
    assert client.delete(f"{ORG}/users/{holder}/roles/{custodian}").status_code == 404
    research = next(p for p, v in oai(sim).projects.items() if v["name"] == "Research")
    ds = next(g for g, v in rbac.groups.items() if v["name"] == "Data-Science")
    assert client.delete(f"{ORG}/projects/{research}/groups/{ds}").json() == {
        "object": "project.group.deleted", "deleted": True}
    assert client.get(f"/v1/projects/{research}/groups/{ds}/roles").json()["data"] == []
    new = client.post(f"{ORG}/groups", json={"name": "Temp"}).raise_for_status().json()
    user = next(iter(oai(sim).users))
    added = client.post(f"{ORG}/groups/{new['id']}/users", json={"user_id": user}).json()
    assert added == {"object": "group.user", "user_id": user, "group_id": new["id"]}
    assert client.get(f"{ORG}/groups/{new['id']}/users/{user}").json()["user_type"] == "user"
    assert client.delete(f"{ORG}/groups/{new['id']}").json() == {
        "object": "group.deleted", "id": new["id"], "deleted": True}
    kinds = {e["type"] for e in oai(sim).audit}
    assert {"role.assignment.deleted", "group.created", "group.deleted",
            "tenant.group.member.added", "tenant.resource_access.deleted"} <= kinds


def test_an_org_without_rbac_answers_403(sim: SimulatorServer, client: httpx.Client) -> None:
    oai(sim).disabled.add("rbac")
    assert client.get(f"{ORG}/groups").status_code == 403
