"""Privilege tiers come from permissions, for both vendors, legacy roles included."""

from __future__ import annotations

import pytest

from tenure.model import Permission, PrivilegeTier, ScopeType
from tenure.privilege import (
    LEGACY_ROLE_PERMISSIONS,
    at_least,
    legacy_role_tier,
    permission_tier,
    role_tier,
    tiers_at_least,
)

A, E, N = PrivilegeTier.ADMIN, PrivilegeTier.ELEVATED, PrivilegeTier.NONE


@pytest.mark.parametrize(("action", "tier"), [
    ("permission_manage_members", A),
    ("permission_manage_groups", A),
    ("permission_manage_admin_keys", A),
    ("permission_manage_sso", A),
    ("permission_manage_api_keys", E),
    ("permission_manage_workspaces", E),
    ("permission_view_analytics", N),
    ("permission_read_usage", N),
    ("permission_something_new", E),
    ("capability_access_all", E),
    ("capability_access_all_ga", E),
    ("chat", N),
    ("claude_code", N),
    ("use", N),
    ("api.organization.users.write", A),
    ("api.organization.groups.write", A),
    ("api.organization.roles.write", A),
    ("api.organization.admin_api_keys.write", A),
    ("api.organization.projects.api_keys.write", E),
    ("api.project.write", E),
    ("api.organization.projects.api_keys.read", N),
    ("api.organization.users.read", N),
    ("api.model.request", N),
    ("*", A),
])
def test_permission_tiers(action: str, tier: PrivilegeTier) -> None:
    assert permission_tier(action) is tier
    assert permission_tier(Permission(action, "organization", "org")) is tier


def test_role_tier_is_the_highest_permission_and_none_when_unknown() -> None:
    assert role_tier(["chat", "permission_manage_api_keys"]) is E
    assert role_tier(["chat", "api.organization.users.write"]) is A
    assert role_tier([]) is N
    assert role_tier(None) is None


def test_name_alone_proves_nothing() -> None:
    # A role called "Admin" permitting only chat is not privileged.
    assert role_tier([Permission("chat", "organization", "o")]) is N


@pytest.mark.parametrize(("role", "scope", "tier"), [
    ("admin", ScopeType.ORGANIZATION, A),
    ("owner", ScopeType.ORGANIZATION, A),
    ("primary_owner", ScopeType.ORGANIZATION, A),
    ("developer", ScopeType.ORGANIZATION, E),
    ("user", ScopeType.ORGANIZATION, N),
    ("reader", ScopeType.ORGANIZATION, N),
    ("workspace_admin", ScopeType.WORKSPACE, E),
    ("owner", ScopeType.WORKSPACE, E),          # a project owner changes one project
    ("member", ScopeType.WORKSPACE, E),         # OpenAI project member can mint keys
    ("workspace_user", ScopeType.WORKSPACE, N),
    ("something_else", ScopeType.ORGANIZATION, N),
])
def test_legacy_roles_map_through_the_same_table(role: str, scope: ScopeType,
                                                 tier: PrivilegeTier) -> None:
    assert legacy_role_tier(role, scope) is tier


def test_every_legacy_role_expands_to_permissions() -> None:
    assert all(LEGACY_ROLE_PERMISSIONS.values())


def test_tier_ordering_helpers() -> None:
    assert at_least(A, E)
    assert at_least(E, E)
    assert not at_least(N, E)
    assert tiers_at_least(E) == (A, E)
    assert tiers_at_least(A) == (A,)
