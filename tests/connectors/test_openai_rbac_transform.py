"""Pure transforms of OpenAI groups, roles, role assignments and project groups from recorded
pages (tests/data/openai): optional fields absent, unknown fields present, both SCIM spellings."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tenure.connectors.base import UnusableRecord
from tenure.connectors.openai import groups, role_assignments, roles
from tenure.model import (
    AssignmentOrigin,
    GroupSource,
    Permission,
    PrincipalKind,
    ScopeType,
)
from tenure.privilege import role_tier

DATA = Path(__file__).parent.parent / "data" / "openai"


def page(name: str) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads((DATA / f"{name}.json").read_text())["data"]
    return data


def test_groups_read_source_type_and_tolerate_missing_fields() -> None:
    support, scim, minimal = (groups.group(g) for g in page("groups"))
    assert support.source_type is GroupSource.DIRECT
    assert support.created_at == datetime.fromtimestamp(1711471533, UTC)
    assert scim.source_type is GroupSource.SCIM
    assert scim.group_type == "tenant_group"
    assert minimal.created_at is None
    assert minimal.group_type == "group"
    assert support.role_ids is None  # OpenAI groups carry no role list: never "no roles"


def test_embedded_group_spelling_scim_managed_is_read() -> None:
    embedded = json.loads((DATA / "group_role_assigned.json").read_text())["group"]
    assert groups.scim_managed(embedded)
    assert groups.group(embedded).source_type is GroupSource.SCIM


def test_group_users_with_and_without_email() -> None:
    ada, bare = (groups.group_member(u, "g1") for u in page("group_users"))
    assert (ada.group_id, ada.account_id, ada.email) == ("g1", "user_abc123",
                                                         "ada@example.com")
    assert bare.email is None
    with pytest.raises(UnusableRecord):
        groups.group_member({"name": "no id"}, "g1")


def test_roles_keep_permissions_and_unknown_stays_unknown() -> None:
    manager, owner, unknown = (roles.role(r) for r in page("roles"))
    assert manager.scope_type is ScopeType.ORGANIZATION
    assert not manager.predefined
    assert manager.permissions == (Permission("api.groups.read"),
                                   Permission("api.groups.write"))
    assert owner.predefined
    assert role_tier(owner.permissions) is not None
    assert unknown.permissions is None  # not sent: tier unknown, not "none"


def test_project_roles_predefined_shared_custom_scoped() -> None:
    member, tuner = (roles.role(r, "proj_abc") for r in page("project_roles"))
    assert member.scope_type is ScopeType.WORKSPACE
    assert member.scope_id == ""
    assert tuner.scope_type is ScopeType.WORKSPACE
    assert tuner.scope_id == "proj_abc"


def test_only_directly_held_rows_become_user_assignments() -> None:
    rows = page("user_roles")
    direct = [r for r in rows if role_assignments.held_directly(r, "user_abc123")]
    assert [r["id"] for r in direct] == ["role_01J1F8ROLE01", "role_both", "role_min"]
    a = role_assignments.assignment(direct[1], PrincipalKind.USER, "user_abc123")
    assert a.scope_type is ScopeType.ORGANIZATION
    assert a.origin is AssignmentOrigin.API
    assert {s["principal_type"] for s in a.assignment_sources} == {"user", "group"}
    assert role_assignments.assignment(direct[2], PrincipalKind.USER, "u").assigned_at is None


def test_project_groups_become_project_group_assignments() -> None:
    ids = [role_assignments.project_group_id(p) for p in page("project_groups")]
    assert ids == ["group_01J1F8ABCDXYZ", "group_01J1SCIM0000"]
    a = role_assignments.assignment({"id": "role_proj_member"}, PrincipalKind.GROUP, ids[0],
                                    "proj_abc", AssignmentOrigin.PROJECT_GROUP)
    assert (a.scope_type, a.scope_id, a.origin) == (ScopeType.WORKSPACE, "proj_abc",
                                                    AssignmentOrigin.PROJECT_GROUP)
    assert a.external_id == "group:group_01J1F8ABCDXYZ@workspace:proj_abc:role_proj_member"
