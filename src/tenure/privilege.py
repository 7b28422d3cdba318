"""Privilege tiers from what a role permits, never from its name (docs/effective-access.md).

Pure: no I/O. One table serves both vendors — their permission vocabularies do not overlap
(Anthropic ``capability_*``/``permission_*`` actions, OpenAI ``api.…`` strings). Legacy
single roles (Anthropic ``admin``, OpenAI ``owner`` …) are first expanded into the
permissions they imply (:data:`LEGACY_ROLE_PERMISSIONS`) and then judged by the same rules,
so a legacy admin and a custom role with the same permissions land in the same tier.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from tenure.model import Permission, PrivilegeTier, ScopeType

_ORDER = {PrivilegeTier.NONE: 0, PrivilegeTier.ELEVATED: 1, PrivilegeTier.ADMIN: 2}

ANTHROPIC_BLANKET = frozenset({"capability_access_all", "capability_access_all_ga"})
"""Blanket grants of every (generally available) product feature: no admin-panel right and no
model access (vendor-apis-nhi.md §5.1), but every feature a custom role could hand out."""

# Access-control words: a right over these changes who has access or mints org-wide secrets.
_ACCESS_CONTROL = ("member", "user", "role", "group", "invite", "sso", "scim", "owner",
                   "admin_key", "admin_api_key", "compliance", "organization", "identity",
                   "federation", "service_account")
# Key and workspace words: minting keys or changing a workspace/project.
_KEYS_AND_SCOPES = ("api_key", "key", "workspace", "project", "connector", "integration",
                    "agent", "vault", "secret")
_READ_ONLY = re.compile(r"(^|_)(view|read|list|see)(_|$)")

_OPENAI_ACCESS_CONTROL = frozenset({"users", "groups", "roles", "role_assignments", "invites",
                                    "admin_api_keys", "owners", "members", "sso", "scim",
                                    "service_accounts", "organization", "tenant"})


@dataclass(frozen=True, slots=True)
class TierRule:
    """One row of the documented table: a pattern, the tier and why."""

    vendor: str
    pattern: str
    tier: PrivilegeTier
    why: str


TIER_TABLE: tuple[TierRule, ...] = (
    TierRule("openai", "*", PrivilegeTier.ADMIN, "every permission"),
    TierRule("openai", "api.organization.{users,groups,roles,role_assignments,invites,"
             "admin_api_keys,owners,members,sso,scim,service_accounts,organization}.*write",
             PrivilegeTier.ADMIN, "changes who has access or mints an org-wide key"),
    TierRule("openai", "api.*.write (any other write, e.g. api.organization.projects."
             "api_keys.write)", PrivilegeTier.ELEVATED, "mints keys or changes a project"),
    TierRule("openai", "api.*.read, api.*.use, anything else", PrivilegeTier.NONE,
             "reads or uses without changing access"),
    TierRule("anthropic", "permission_* naming members, users, roles, groups, invites, SSO, "
             "SCIM, owners, admin keys, compliance, the organization, federation or service "
             "accounts", PrivilegeTier.ADMIN, "admin-panel right over who has access"),
    TierRule("anthropic", "permission_* naming API keys, workspaces, projects, connectors, "
             "integrations, agents, vaults", PrivilegeTier.ELEVATED,
             "mints keys or changes a workspace"),
    TierRule("anthropic", "permission_view_* / _read_ / _list_", PrivilegeTier.NONE,
             "read-only admin-panel view"),
    TierRule("anthropic", "any other permission_*", PrivilegeTier.ELEVATED,
             "an admin-panel right not yet classified: judged elevated until it is"),
    TierRule("anthropic", "capability_access_all, capability_access_all_ga",
             PrivilegeTier.ELEVATED, "blanket grant of every product feature"),
    TierRule("anthropic", "product features (chat, claude_code …), connector_* resources",
             PrivilegeTier.NONE, "use of the product"),
)
"""The table :func:`permission_tier` implements, as docs/effective-access.md prints it."""


def _openai_tier(action: str) -> PrivilegeTier:
    parts = action.split(".")
    writes = parts[-1] in {"write", "manage", "admin", "delete", "create", "*"}
    if not writes:
        return PrivilegeTier.NONE
    if len(parts) >= 3 and parts[1] == "organization" and parts[2] in _OPENAI_ACCESS_CONTROL:
        return PrivilegeTier.ADMIN
    return PrivilegeTier.ELEVATED


def _anthropic_panel_tier(action: str) -> PrivilegeTier:
    words = action.removeprefix("permission_")
    if _READ_ONLY.search(words):
        return PrivilegeTier.NONE
    if any(w in words for w in _ACCESS_CONTROL):
        return PrivilegeTier.ADMIN
    if any(w in words for w in _KEYS_AND_SCOPES):
        return PrivilegeTier.ELEVATED
    return PrivilegeTier.ELEVATED


def permission_tier(permission: Permission | str) -> PrivilegeTier:
    """The tier one permission confers (see :data:`TIER_TABLE`)."""
    action = permission if isinstance(permission, str) else permission.action
    action = action.strip()
    if action in {"*", "api.*"}:
        return PrivilegeTier.ADMIN
    if action.startswith("api."):
        return _openai_tier(action)
    if action in ANTHROPIC_BLANKET:
        return PrivilegeTier.ELEVATED
    if action.startswith("permission_"):
        return _anthropic_panel_tier(action)
    return PrivilegeTier.NONE


def highest(tiers: Iterable[PrivilegeTier]) -> PrivilegeTier:
    """The highest of ``tiers`` (``none`` for none)."""
    return max(tiers, key=_ORDER.__getitem__, default=PrivilegeTier.NONE)


def at_least(tier: PrivilegeTier, floor: PrivilegeTier) -> bool:
    """True when ``tier`` is ``floor`` or higher."""
    return _ORDER[tier] >= _ORDER[floor]


def tiers_at_least(floor: PrivilegeTier) -> tuple[PrivilegeTier, ...]:
    """Every tier at or above ``floor`` (what a check's ``WHERE tier IN …`` takes)."""
    return tuple(t for t in PrivilegeTier if _ORDER[t] >= _ORDER[floor])


def role_tier(permissions: Iterable[Permission | str] | None) -> PrivilegeTier | None:
    """The tier of a role: its highest permission's. None when its permissions are unknown."""
    if permissions is None:
        return None
    return highest(permission_tier(p) for p in permissions)


LEGACY_ROLE_PERMISSIONS: Mapping[str, tuple[str, ...]] = {
    # Anthropic organization roles (Admin API users, Compliance directory organization_role)
    "primary_owner": ("permission_manage_members", "permission_manage_admin_keys",
                      "permission_manage_billing", "capability_access_all"),
    "owner": ("permission_manage_members", "permission_manage_admin_keys",
              "capability_access_all", "api.organization.users.write",
              "api.organization.admin_api_keys.write"),
    "admin": ("permission_manage_members", "permission_manage_api_keys",
              "permission_manage_workspaces", "capability_access_all"),
    "membership_admin": ("permission_manage_members",),
    "developer": ("permission_manage_api_keys", "claude_code"),
    "claude_code_user": ("claude_code",),
    "billing": ("permission_view_billing",),
    "managed": ("chat",),
    "user": ("chat",),
    # Anthropic workspace roles
    "workspace_admin": ("permission_manage_workspace", "permission_manage_api_keys"),
    "workspace_developer": ("permission_manage_api_keys",),
    "workspace_user": ("chat",),
    "workspace_billing": ("permission_view_billing",),
    "workspace_restricted_developer": ("claude_code",),
    # OpenAI organization (``owner`` above) and project roles
    "reader": ("api.organization.read",),
    "member": ("api.organization.projects.api_keys.write",),
    "viewer": ("api.organization.projects.read",),
}
"""The permissions each legacy (single, named) role implies, by role name."""


def legacy_role_tier(role: str, scope_type: ScopeType = ScopeType.ORGANIZATION
                     ) -> PrivilegeTier:
    """The tier of a legacy role by its name, through :data:`LEGACY_ROLE_PERMISSIONS`.

    At workspace level the tier is at most ``elevated``: a workspace admin changes one
    workspace, not who has access to the organization. An unknown legacy role name is
    ``none``: the name alone proves nothing either way."""
    tier = role_tier(LEGACY_ROLE_PERMISSIONS.get(role, ())) or PrivilegeTier.NONE
    if ScopeType(scope_type) is ScopeType.WORKSPACE and tier is PrivilegeTier.ADMIN:
        return PrivilegeTier.ELEVATED
    return tier
