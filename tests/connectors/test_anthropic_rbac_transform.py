"""Claude Enterprise RBAC, directory and Analytics transforms, from recorded pages in every
documented shape (both spellings of the drifting field names, optional fields absent, unknown
fields present, null role lists)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tenure.connectors.anthropic import analytics, rbac
from tenure.connectors.base import UnusableRecord
from tenure.model import (
    AssignmentOrigin,
    GroupSource,
    Permission,
    PrincipalKind,
    PrivilegeTier,
)
from tenure.privilege import role_tier

DATA = Path(__file__).resolve().parents[1] / "data" / "anthropic" / "rbac"
ORG = "0b5f7c1e-1111-4aaa-8bbb-000000000001"


def page(name: str) -> list[Any]:
    items: list[Any] = json.loads((DATA / f"{name}.json").read_text())["data"]
    return items


def test_permissions_in_the_admin_union_and_the_directory_flat_shape() -> None:
    perms = [rbac.permission(p) for p in page("permissions")]
    assert perms[0] == Permission("permission_manage_members", "organization", ORG)
    assert perms[1] == Permission("use", "connector_tool",
                                  "conn_01drive/search_5f3a9c0e1d2b4a6f8e7d6c5b4a3f2e1d")
    assert perms[2] == Permission("grant", "all_connectors", "")
    assert role_tier(perms) is PrivilegeTier.ADMIN
    flat = [rbac.permission(p) for p in page("directory_permissions")]
    assert flat == [Permission("permission_manage_api_keys", "organization", "0b5f7c1e"),
                    Permission("chat", "organization", "")]
    assert role_tier(flat) is PrivilegeTier.ELEVATED


def test_role_names_in_both_spellings() -> None:
    sdk = [rbac.role(r, ORG, []) for r in page("roles_sdk")]
    assert [r.display_name for r in sdk] == ["Org Admin", "Chat only"]   # display_name wins
    assert sdk[1].name == "Admin (legacy label)"
    (sample,) = [rbac.role(r, ORG, None) for r in page("roles_samples")[:1]]
    assert sample.display_name == "Key Minter"
    assert sample.permissions is None                                 # unknown, not empty
    with pytest.raises(UnusableRecord):
        rbac.role(page("roles_samples")[1], ORG, [])


def test_group_role_lists_in_both_spellings_null_is_unknown() -> None:
    sdk = {g.external_id: g for g in map(rbac.group, page("groups_sdk"))}
    assert sdk["rbac_group_01Platform"].source_type is GroupSource.SCIM
    assert sdk["rbac_group_01Platform"].role_ids == ("rbac_role_01Admin",)
    assert sdk["rbac_group_01Pending"].role_ids is None
    assert sdk["rbac_group_01Empty"].role_ids == ()
    docs = {g.external_id: g for g in map(rbac.group, page("groups_docs"))}
    assert docs["rbac_group_01Platform"].role_ids == ("rbac_role_01Admin",)
    assert docs["rbac_group_01Analysts"].role_ids == ("rbac_role_01Analyst",)
    assert docs["rbac_group_01Analysts"].attributes == {"description": "from the directory"}
    assert docs["rbac_group_01NoField"].role_ids is None
    assignments = rbac.group_assignments(list(sdk.values()), ORG)
    assert [(a.principal_kind, a.principal_id, a.role_id, a.origin) for a in assignments] == [
        (PrincipalKind.GROUP, "rbac_group_01Platform", "rbac_role_01Admin", AssignmentOrigin.API)]


def test_members_read_the_group_under_either_name() -> None:
    (alice,) = [rbac.member(m, "from-url") for m in page("members_sdk")]
    assert (alice.group_id, alice.account_id, alice.email) == (
        "rbac_group_01Platform", "user_01Alice", "Alice@Northwind.example")
    docs = page("members_docs")
    bob, carol = rbac.member(docs[0], "from-url"), rbac.member(docs[1], "rbac_group_01X")
    assert bob.group_id == "rbac_group_01Platform"
    assert carol.group_id == "rbac_group_01X"                        # absent: the URL's group
    assert carol.added_at is not None
    with pytest.raises(UnusableRecord):
        rbac.member(docs[2], "g")


def test_directory_users_become_linked_org_role_assignments() -> None:
    rae, sam = (rbac.directory_user_assignment(u, "org-linked") for u in page("directory_users"))
    assert (rae.principal_id, rae.role_id, rae.scope_id, rae.origin) == (
        "user_01Rae", "admin", "org-linked", AssignmentOrigin.LEGACY_ROLE)
    assert sam.role_id == "user"


def test_analytics_rows() -> None:
    rows = page("analytics_users")
    alice = analytics.analytics_user(rows[0])
    assert alice is not None
    assert alice.last_activity_date == date(2026, 11, 29)
    assert alice.email == "alice@northwind.example"
    assert set(alice.activity) == {"chat_metrics", "claude_code_metrics", "web_search_count",
                                   "future_metrics"}
    quiet = analytics.analytics_user(rows[1])
    assert quiet is not None
    assert quiet.last_activity_date is None                  # org without last-activity
    assert analytics.analytics_user(rows[2]) is None         # an aggregated row
    with pytest.raises(UnusableRecord):
        analytics.analytics_user(rows[3])
