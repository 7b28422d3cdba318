"""Column values of the group, role, role-assignment and analytics records (issue 17)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tenure.model import (
    AnalyticsUser,
    Group,
    GroupMember,
    Role,
    RoleAssignment,
    plain,
)
from tenure.privilege import role_tier


def group_row(record: Group) -> dict[str, Any]:
    """Column values of a group (``role_ids`` stays NULL when the vendor sent none)."""
    return {"external_id": record.external_id, "name": record.name,
            "source_type": record.source_type, "group_type": record.group_type,
            "role_ids": None if record.role_ids is None else list(record.role_ids),
            "created_at": record.created_at, "attributes": dict(record.attributes)}


def group_member_row(record: GroupMember) -> dict[str, Any]:
    """Column values of a group membership."""
    return {"external_id": record.external_id, "group_id": record.group_id,
            "account_id": record.account_id,
            "email": record.email.strip().lower() if record.email else None,
            "added_at": record.added_at}


def role_row(record: Role) -> dict[str, Any]:
    """Column values of a role, with the tier its permissions confer."""
    permissions = None if record.permissions is None else plain(list(record.permissions))
    return {"external_id": record.external_id, "name": record.name,
            "display_name": record.display_name or record.name,
            "scope_type": record.scope_type, "scope_id": record.scope_id,
            "predefined": record.predefined, "permissions": permissions,
            "resource_type": record.resource_type, "tier": role_tier(record.permissions)}


def role_assignment_row(record: RoleAssignment) -> dict[str, Any]:
    """Column values of a role assignment."""
    return {"external_id": record.external_id, "principal_kind": record.principal_kind,
            "principal_id": record.principal_id, "role_id": record.role_id,
            "scope_type": record.scope_type, "scope_id": record.scope_id,
            "origin": record.origin,
            "assignment_sources": [dict(s) for s in record.assignment_sources],
            "assigned_at": record.assigned_at}


def analytics_user_row(record: AnalyticsUser) -> dict[str, Any]:
    """Column values of an analytics user row."""
    return {"external_id": record.external_id, "user_id": record.user_id,
            "email": record.email.strip().lower() if record.email else None,
            "last_activity_date": record.last_activity_date,
            "activity": dict(record.activity)}


ACCESS_ROWS: dict[type[Any], Callable[[Any], dict[str, Any]]] = {
    Group: group_row, GroupMember: group_member_row, Role: role_row,
    RoleAssignment: role_assignment_row, AnalyticsUser: analytics_user_row,
}
"""The row function of each issue-17 snapshot record class."""
