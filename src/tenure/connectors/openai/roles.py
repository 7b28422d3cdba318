"""OpenAI organization and project roles (vendor-apis-nhi.md §7.3). Pure.

A role's privilege comes from its ``permissions`` (strings), judged by ``tenure.privilege``
when stored, never from its name. Predefined project roles (``predefined_role: true``) are
listed by every project with the same id: they are one record, scope ``workspace`` with an
empty scope id (defined for every project); a custom project role is scoped to its project.
A role whose ``permissions`` is not a list has unknown permissions (None), not "none".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tenure.connectors.openai.transform import _require
from tenure.model import Permission, Role, ScopeType

JSON = Mapping[str, Any]
ORG_RESOURCE = "api.organization"
PROJECT_RESOURCE = "api.project"


def permissions(obj: JSON) -> tuple[Permission, ...] | None:
    """The permission strings of a role or an assigned-role item (None: not sent)."""
    raw = obj.get("permissions")
    if not isinstance(raw, list):
        return None
    return tuple(Permission(action=p) for p in raw if isinstance(p, str) and p)


def role(obj: JSON, project_id: str | None = None) -> Role:
    """A ``Role`` (or ``AssignedRoleDetails``: same fields) at the org or in a project."""
    resource = str(obj.get("resource_type") or (ORG_RESOURCE if project_id is None
                                                else PROJECT_RESOURCE))
    predefined = obj.get("predefined_role") is True
    in_project = project_id is not None or resource == PROJECT_RESOURCE
    scope_id = project_id if in_project and project_id and not predefined else ""
    name = str(obj.get("name") or "")
    return Role(external_id=_require(obj, "id", "role"), name=name, display_name=name,
                scope_type=ScopeType.WORKSPACE if in_project else ScopeType.ORGANIZATION,
                scope_id=scope_id, predefined=predefined, permissions=permissions(obj),
                resource_type=resource)
