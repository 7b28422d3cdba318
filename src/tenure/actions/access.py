"""Revocation targets for groups and role assignments: their stored state, and the plan step
each platform gives them (docs/revocation.md, "Groups and role assignments").

Target kinds:

- ``group_member`` (subject: ``group_id:account_id``) — remove the member from the group; when
  the group is SCIM-managed the platform refuses the edit, so the step is a manual task for the
  identity provider's owner naming the exact group and member;
- ``role_assignment`` (subject: the assignment's external id) — unassign the role from the user
  or group (OpenAI), or for a group's project access (origin ``project_group``) remove the
  group from the project; Anthropic has no API for role assignments: a manual task.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import sqlalchemy as sa

from tenure.actions.plan import Call, ManualTask, Target
from tenure.actions.providers import Planned, VendorAction
from tenure.model import AssignmentOrigin, GroupSource, PrincipalKind, ScopeType
from tenure.store import schema

GR, GM, RA = schema.groups, schema.group_members, schema.role_assignments
SG = schema.scim_groups
KINDS = frozenset({"group_member", "role_assignment"})


def _idp_of(conn: sa.Connection, names: set[str]) -> dict[str, str]:
    if not names:
        return {}
    rows = conn.execute(sa.select(SG.c.display_name_key, sa.func.min(SG.c.source))
                        .where(SG.c.display_name_key.in_(names))
                        .group_by(SG.c.display_name_key))
    return {k: s for k, s in rows}


def access_states(conn: sa.Connection, wanted: Mapping[str, set[str]]
                  ) -> dict[tuple[str, str, str], dict[str, Any]]:
    """The stored state of group-membership and role-assignment targets (one query each)."""
    out: dict[tuple[str, str, str], dict[str, Any]] = {}
    if wanted.get("group_member"):
        rows = conn.execute(
            sa.select(GM, GR.c.name.label("group_name"), GR.c.source_type)
            .select_from(GM.outerjoin(GR, sa.and_(GR.c.source == GM.c.source,
                                                  GR.c.tenant == GM.c.tenant,
                                                  GR.c.external_id == GM.c.group_id)))
            .where(GM.c.external_id.in_(wanted["group_member"]))).mappings().all()
        idps = _idp_of(conn, {str(r["group_name"]).lower() for r in rows if r["group_name"]})
        for r in rows:
            out[(r["source"], "group_member", r["external_id"])] = {
                "group_id": r["group_id"], "account_id": r["account_id"],
                "email": r["email"], "group_name": r["group_name"] or r["group_id"],
                "scim_managed": r["source_type"] == GroupSource.SCIM,
                "idp": idps.get(str(r["group_name"] or "").lower()),
                "removed": r["removed_at"] is not None}
    if wanted.get("role_assignment"):
        for r in conn.execute(sa.select(RA).where(
                RA.c.external_id.in_(wanted["role_assignment"]))).mappings():
            out[(r["source"], "role_assignment", r["external_id"])] = {
                "principal_kind": str(r["principal_kind"]), "principal_id": r["principal_id"],
                "role_id": r["role_id"], "scope_type": str(r["scope_type"]),
                "scope_id": r["scope_id"], "origin": str(r["origin"]),
                "removed": r["removed_at"] is not None}
    return out


def _manual(why: str, owner: str, due: str) -> Planned:
    return Planned("manual", {}, None, ManualTask(owner=owner, due=due, why=why))


def _planned(action: VendorAction, args: dict[str, Any]) -> Planned:
    call = action.call()
    return Planned(action.kind, args, Call(call.method, call.path, call.body))


def scim_task(state: Mapping[str, Any], platform: str, owner: str, due: str) -> Planned:
    """The manual task for a SCIM-managed group's member: the IdP owner removes them."""
    idp = state.get("idp") or "the identity provider"
    member = state.get("email") or state.get("account_id")
    return _manual(f"{platform} group {state.get('group_name')} is SCIM-managed (pushed by "
                   f"{idp}): remove {member} from the group in {idp}; the platform refuses "
                   "member edits to SCIM-managed groups", owner, due)


def plan_group_member(target: Target, state: Mapping[str, Any], platform: str,
                      build: Callable[[str, str], VendorAction], *, owner: str, due: str
                      ) -> Planned:
    """Remove the member, or the IdP task for a SCIM-managed group."""
    if state.get("scim_managed"):
        return scim_task(state, platform, owner, due)
    group_id, account_id = str(state["group_id"]), str(state["account_id"])
    return _planned(build(group_id, account_id), {"group_id": group_id, "user_id": account_id})


def plan_openai_assignment(target: Target, state: Mapping[str, Any],
                           vendor: Any, *, owner: str, due: str) -> Planned:
    """Unassign the role (user or group, org or project); a group's project access is removed
    with the project (``DELETE …/projects/{p}/groups/{g}``)."""
    kind = state.get("principal_kind")
    principal, role = str(state.get("principal_id")), str(state.get("role_id"))
    project = (str(state.get("scope_id")) if state.get("scope_type") == ScopeType.WORKSPACE
               else None)
    if kind == PrincipalKind.GROUP and state.get("origin") == AssignmentOrigin.PROJECT_GROUP \
            and project:
        return _planned(vendor.RemoveProjectGroup(project, principal),
                        {"project_id": project, "group_id": principal})
    args: dict[str, Any] = {"role_id": role, "project_id": project}
    if kind == PrincipalKind.GROUP:
        return _planned(vendor.UnassignGroupRole(principal, role, project),
                        {**args, "group_id": principal})
    if kind == PrincipalKind.USER:
        return _planned(vendor.UnassignUserRole(principal, role, project),
                        {**args, "user_id": principal})
    return _manual(f"no Admin API call unassigns a role from a {kind}", owner, due)
