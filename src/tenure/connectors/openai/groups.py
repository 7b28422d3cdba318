"""OpenAI groups and their members (vendor-apis-nhi.md §7.2). Pure: vendor JSON in, records out.

A ``GroupResponse`` says ``is_scim_managed``; the ``Group`` embedded in role-assignment answers
says ``scim_managed``: both are read. ``group_type`` ``tenant_group`` is kept as the vendor
sends it. ``role_ids`` stays None here: an OpenAI group carries no role list; its roles are
read from ``/organization/groups/{g}/roles`` as :class:`RoleAssignment` records.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tenure.connectors.openai.transform import _require, ts
from tenure.model import Group, GroupMember, GroupSource

JSON = Mapping[str, Any]


def scim_managed(obj: JSON) -> bool:
    """Whether the identity provider manages the group (either spelling)."""
    return obj.get("is_scim_managed") is True or obj.get("scim_managed") is True


def group(obj: JSON) -> Group:
    """An org group: SCIM-managed groups refuse API edits, so they are ``scim``-sourced."""
    attributes: dict[str, Any] = {}
    if isinstance(obj.get("group_type"), str) and obj["group_type"]:
        attributes["group_type"] = obj["group_type"]
    return Group(external_id=_require(obj, "id", "group"),
                 name=str(obj.get("name") or ""),
                 source_type=GroupSource.SCIM if scim_managed(obj) else GroupSource.DIRECT,
                 group_type=str(obj.get("group_type") or "group"),
                 created_at=ts(obj.get("created_at")), attributes=attributes)


def group_member(obj: JSON, group_id: str) -> GroupMember:
    """A ``GroupUser`` (``id``, ``name``, ``email?``) of one group."""
    return GroupMember(group_id=group_id, account_id=_require(obj, "id", "group user"),
                       email=str(obj["email"]) if isinstance(obj.get("email"), str)
                       and obj["email"] else None)
