"""The simulated Claude Enterprise access plane: RBAC, directory and Analytics, and every
refusal the contract names (vendor-apis-nhi.md §5, §8 items 2 and 7)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tenure.simulator import SimulatorServer, start_simulator
from tenure.simulator.anthropic_rbac import BETA, Variant, plane
from tests.simulator.conftest import AS_OF, VERSION

RBAC = "/v1/organizations/rbac_groups"


@pytest.fixture(scope="module")
def ent() -> Iterator[SimulatorServer]:
    with start_simulator("enterprise", seed=2, as_of=AS_OF) as sim:
        yield sim


def call(sim: SimulatorServer, method: str, path: str, *, key: str | None = None,
         beta: bool = True, **kwargs: Any) -> httpx.Response:
    headers = {"x-api-key": key or sim.admin_key, "anthropic-version": VERSION}
    if beta:
        headers["anthropic-beta"] = f"other-beta,{BETA}"
    return httpx.request(method, f"{sim.base_url}{path}", headers=headers, timeout=10, **kwargs)


def walk(sim: SimulatorServer, path: str, limit: int, key: str | None = None,
         **extra: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    params: dict[str, Any] = {"limit": limit, **extra}
    while True:
        body = call(sim, "GET", path, key=key, params=params).raise_for_status().json()
        out += body["data"]
        if not body["next_page"]:
            return out
        params["page"] = body["next_page"]


def test_rbac_needs_the_beta_header_and_an_enterprise_org(ent: SimulatorServer) -> None:
    assert call(ent, "GET", RBAC).status_code == 200
    assert call(ent, "GET", RBAC, beta=False).status_code == 404
    with start_simulator("default", seed=1, as_of=AS_OF) as console:
        assert call(console, "GET", RBAC).status_code == 404
        assert call(console, "GET", "/v1/organizations/rbac_roles").status_code == 404


def test_page_cursor_listing_and_permissions(ent: SimulatorServer) -> None:
    groups = walk(ent, RBAC, 2)
    assert len(groups) == len(plane(ent.state).groups)
    assert all(g["type"] == "rbac_group" and "role_ids" in g for g in groups)
    roles = walk(ent, "/v1/organizations/rbac_roles", 2)
    admin = next(r for r in roles if r["display_name"] == "Org Admin")
    perms = walk(ent, f"/v1/organizations/rbac_roles/{admin['id']}/permissions", 1)
    assert {p["action"] for p in perms} >= {"permission_manage_members"}
    assert all(p["resource"]["type"] == "organization" for p in perms)


def test_field_name_variants_are_configurable(ent: SimulatorServer) -> None:
    p = plane(ent.state)
    group = next(g for g in p.groups.values() if g.members)
    try:
        p.variant = Variant.b()
        body = call(ent, "GET", f"{RBAC}/{group.id}").json()
        assert "roles" in body
        assert "role_ids" not in body
        member = call(ent, "GET", f"{RBAC}/{group.id}/members").json()["data"][0]
        assert member["group_id"] == group.id
        assert "rbac_group_id" not in member
        role = call(ent, "GET", "/v1/organizations/rbac_roles").json()["data"][0]
        assert "name" in role
        assert "display_name" not in role
    finally:
        p.variant = Variant()


def test_scim_groups_refuse_edits_direct_groups_accept(ent: SimulatorServer) -> None:
    p = plane(ent.state)
    scim = next(g for g in p.groups.values() if g.source_type == "scim")
    user = next(iter(scim.members))
    refused = call(ent, "DELETE", f"{RBAC}/{scim.id}/members/{user}")
    assert refused.status_code == 400
    assert "SCIM" in refused.json()["error"]["message"]
    assert call(ent, "POST", f"{RBAC}/{scim.id}", json={"name": "x"}).status_code == 400
    created = call(ent, "POST", RBAC, json={"name": "Temp"}).raise_for_status().json()
    assert created["source_type"] == "direct"
    added = call(ent, "POST", f"{RBAC}/{created['id']}/members", json={"user_id": user})
    assert added.raise_for_status().json()["user_id"] == user
    removed = call(ent, "DELETE", f"{RBAC}/{created['id']}/members/{user}").json()
    assert removed["type"] == "rbac_group_member_deleted"
    assert call(ent, "DELETE", f"{RBAC}/{created['id']}").json()["type"] == "rbac_group_deleted"


def test_directory_takes_the_compliance_key_only(ent: SimulatorServer) -> None:
    orgs = "/v1/compliance/organizations"
    assert call(ent, "GET", orgs).status_code == 403          # the Admin key
    body = call(ent, "GET", orgs, key=ent.compliance_key).raise_for_status().json()
    assert body["has_more"] is False
    assert len(body["data"]) == 2                             # this org and a linked one
    linked = body["data"][1]["uuid"]
    users = call(ent, "GET", f"{orgs}/{linked}/users", key=ent.compliance_key).json()["data"]
    assert {u["organization_role"] for u in users} == {"admin", "user"}
    groups = call(ent, "GET", "/v1/compliance/groups", key=ent.compliance_key).json()["data"]
    assert all("roles" in g for g in groups)


def test_analytics_users_take_the_analytics_key(ent: SimulatorServer) -> None:
    path = "/v1/organizations/analytics/users"
    assert call(ent, "GET", path).status_code == 404          # the Admin key: not found
    rows = walk(ent, path, 5, key=ent.analytics_key, starting_date="2026-09-01")
    assert rows
    assert [r["user"]["email_address"].lower() for r in rows] == sorted(
        r["user"]["email_address"].lower() for r in rows)
    assert all(r["last_activity_date"] <= AS_OF.date().isoformat() for r in rows)
    one_day = call(ent, "GET", path, key=ent.analytics_key,
                   params={"date": "2020-01-01"}).json()
    assert one_day["data"] == []
