"""Pure transforms of Claude Enterprise RBAC JSON (vendor-apis-nhi.md §5.1-5.3) to records.

Admin API objects: ``rbac_role`` (+ its ``rbac_role_permission`` rows), ``rbac_group``,
``rbac_group_member``. The vendor's sources disagree on three field names (§5.3), so each is
read under both spellings: a group's roles ``role_ids`` | ``roles``, a member's group
``rbac_group_id`` | ``group_id``, a role's name ``display_name`` | ``name``. A group whose role
list is absent or null has *unknown* roles (``Group.role_ids`` None), never "no roles".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from tenure.connectors.anthropic.transform import ts
from tenure.connectors.base import UnusableRecord
from tenure.connectors.pages import first_text
from tenure.model import (
    AssignmentOrigin,
    Group,
    GroupMember,
    GroupSource,
    Permission,
    PrincipalKind,
    Role,
    RoleAssignment,
    ScopeType,
)

JSON = Mapping[str, Any]

_RESOURCE_IDS = ("organization_id", "connector_id", "tool_name", "scope", "resource_id")


def _require(obj: JSON, what: str, *names: str) -> str:
    value = first_text(obj, *names)
    if value is None:
        raise UnusableRecord(what, names[0], f"{dict(obj)!r:.200}")
    return value


def permission(obj: JSON) -> Permission:
    """A role permission: the Admin API union (``resource: {type, …ids}``) or the Compliance
    directory's flat ``{action, resource_type, resource_id}``."""
    action = _require(obj, "role permission", "action")
    resource = obj.get("resource")
    if isinstance(resource, Mapping):
        kind = first_text(resource, "type") or ""
        ids = [str(resource[k]) for k in _RESOURCE_IDS if resource.get(k) not in (None, "")]
        return Permission(action, kind, "/".join(ids))
    return Permission(action, first_text(obj, "resource_type") or "",
                      first_text(obj, "resource_id") or "")


def role(obj: JSON, org_id: str, permissions: Sequence[Permission] | None) -> Role:
    """An RBAC role of the organization; ``permissions`` None when they could not be read."""
    role_id = _require(obj, "rbac role", "id")
    display = first_text(obj, "display_name", "name") or role_id
    return Role(external_id=role_id, name=first_text(obj, "name") or display,
                display_name=display, scope_type=ScopeType.ORGANIZATION, scope_id=org_id,
                predefined=bool(obj.get("predefined") or obj.get("builtin")),
                permissions=None if permissions is None else tuple(permissions),
                resource_type="organization")


def _role_ids(value: Any) -> tuple[str, ...] | None:
    if value is None or not isinstance(value, list):
        return None
    ids: list[str] = []
    for item in value:
        if isinstance(item, str) and item:
            ids.append(item)
        elif isinstance(item, Mapping) and first_text(item, "id", "role_id", "rbac_role_id"):
            ids.append(str(first_text(item, "id", "role_id", "rbac_role_id")))
        else:
            raise UnusableRecord("rbac group", "role_ids", f"unreadable role entry {item!r:.80}")
    return tuple(ids)


def group_role_ids(obj: JSON) -> tuple[str, ...] | None:
    """The group's role ids under either spelling; None when neither is a list (unknown)."""
    for name in ("role_ids", "roles"):
        if name in obj and obj[name] is not None:
            return _role_ids(obj[name])
    return None


def group(obj: JSON) -> Group:
    """An RBAC group (Admin API or Compliance directory shape)."""
    group_id = _require(obj, "rbac group", "id")
    source = first_text(obj, "source_type") or "direct"
    attributes: dict[str, Any] = {}
    if first_text(obj, "description"):
        attributes["description"] = first_text(obj, "description")
    if source not in {str(s) for s in GroupSource}:
        attributes["vendor_source_type"] = source
        source = "scim" if "scim" in source.lower() else "direct"
    return Group(external_id=group_id, name=first_text(obj, "name") or group_id,
                 source_type=GroupSource(source), group_type="group",
                 role_ids=group_role_ids(obj), created_at=ts(obj.get("created_at")),
                 attributes=attributes)


def member(obj: JSON, group_id: str) -> GroupMember:
    """A group member; the object's own group id (either spelling) wins over the URL's."""
    user_id = _require(obj, "rbac group member", "user_id", "id")
    gid = first_text(obj, "rbac_group_id", "group_id") or group_id
    return GroupMember(group_id=gid, account_id=user_id,
                       email=first_text(obj, "email", "email_address"),
                       added_at=ts(obj.get("created_at")))


def group_assignments(groups: Iterable[Group], org_id: str) -> list[RoleAssignment]:
    """The role assignments the groups' role lists imply (groups with unknown roles: none)."""
    return [RoleAssignment(PrincipalKind.GROUP, g.external_id, role_id,
                           scope_type=ScopeType.ORGANIZATION, scope_id=org_id,
                           origin=AssignmentOrigin.API)
            for g in groups for role_id in (g.role_ids or ())]


def directory_user_assignment(obj: JSON, org_uuid: str) -> RoleAssignment:
    """A Compliance-directory user's organization role in one linked organization."""
    user_id = _require(obj, "directory user", "id", "user_id")
    role_name = _require(obj, "directory user", "organization_role", "role")
    return RoleAssignment(PrincipalKind.USER, user_id, role_name,
                          scope_type=ScopeType.ORGANIZATION, scope_id=org_uuid,
                          origin=AssignmentOrigin.LEGACY_ROLE)
