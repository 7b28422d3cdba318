"""OpenAI role assignments and project groups (vendor-apis-nhi.md §7.4-7.5). Pure.

Items are ``AssignedRoleDetails``. A user's list also shows what it inherits through its
groups, naming them in ``assignment_sources``; such an inherited row is *not* a direct
assignment — the group's own assignment and the membership already say it, and the
effective-access computation walks that path — so only rows the user holds itself (no sources,
or sources naming the user) become assignments. A project group (``ProjectGroup``: no role in
it) becomes one assignment per project role the group holds there, origin ``project_group``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tenure.connectors.openai.transform import _obj, _require, ts
from tenure.model import AssignmentOrigin, PrincipalKind, RoleAssignment, ScopeType

JSON = Mapping[str, Any]


def sources(obj: JSON) -> tuple[dict[str, str], ...]:
    """``assignment_sources`` as plain ``{principal_id, principal_type}`` dicts."""
    raw = obj.get("assignment_sources")
    if not isinstance(raw, list):
        return ()
    out = []
    for s in raw:
        s = _obj(s)
        if isinstance(s.get("principal_id"), str):
            out.append({"principal_id": s["principal_id"],
                        "principal_type": str(s.get("principal_type") or "")})
    return tuple(out)


def held_directly(obj: JSON, principal_id: str) -> bool:
    """True unless every source the row names is another principal (inherited only)."""
    named = sources(obj)
    return not named or any(s["principal_id"] == principal_id for s in named)


def assignment(obj: JSON, kind: PrincipalKind, principal_id: str,
               project_id: str | None = None,
               origin: AssignmentOrigin = AssignmentOrigin.API) -> RoleAssignment:
    """One role a user or group holds, at the org (``project_id`` None) or in a project."""
    return RoleAssignment(
        principal_kind=kind, principal_id=principal_id, role_id=_require(obj, "id", "role"),
        scope_type=ScopeType.ORGANIZATION if project_id is None else ScopeType.WORKSPACE,
        scope_id=project_id or "", origin=origin, assignment_sources=sources(obj),
        assigned_at=ts(obj.get("created_at")))


def project_group_id(obj: JSON) -> str:
    """The group a ``ProjectGroup`` item grants the project to."""
    return _require(obj, "group_id", "project group")
