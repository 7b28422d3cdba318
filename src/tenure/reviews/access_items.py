"""Review items for group memberships and role assignments (docs/reviews.md, "Groups and
role assignments").

A ``group_member`` item asks "should this person stay in this group?" and shows what the
membership grants, as effective-access paths in words ("admin via group Platform-Admins → role
Org Admin, pushed by Okta"), and the usage behind it (the member's own activity). A
``role_assignment`` item asks the same of a role held directly by a user or by a group. Both
carry the group (``GroupContext``) so the reviewer rule ``group-owner`` can route them: the
group's owner is, in order, an explicit owner recorded in Tenure (``tenure purpose add
<group id> --owner …``), then — for a SCIM-managed group — the owner of the identity provider
that pushes it (``[reviews] idp_owners``), else the next rule step.

Read set-at-a-time: one query per table, whatever the number of memberships.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

import sqlalchemy as sa

from tenure.model import GroupSource, PrincipalKind, PrivilegeTier, ScopeType
from tenure.reviews.context import (
    FindingRef,
    GroupContext,
    ItemSnapshot,
    PersonContext,
    PurposeContext,
    UsageContext,
)
from tenure.reviews.scope import Scope, SubjectKind
from tenure.services import effective_access
from tenure.store import schema

A, GR, GM, RA, R = (schema.accounts, schema.groups, schema.group_members,
                    schema.role_assignments, schema.roles)
SG = schema.scim_groups
UsageOf = Callable[[str, str, str | None], UsageContext]
"""(source, account id, email) → the account's usage context."""


def _paths(conn: sa.Connection) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """Current effective-access rows per (source, account id)."""
    cur = effective_access.current_access()
    out: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for row in conn.execute(sa.select(cur.c.source, cur.c.account_id, cur.c.via_group_id,
                                      cur.c.entitlement, cur.c.path_kind, cur.c.tier,
                                      cur.c.path)).mappings():
        out[(row["source"], row["account_id"])].append(dict(row))
    return out


def _idp_of(conn: sa.Connection) -> dict[str, str]:
    """SCIM source pushing each group name (lower-cased)."""
    return {k: s for k, s in conn.execute(
        sa.select(SG.c.display_name_key, sa.func.min(SG.c.source))
        .group_by(SG.c.display_name_key))}


def _groups(conn: sa.Connection, purposes: Mapping[str, PurposeContext],
            idp_owners: Mapping[str, str]) -> dict[tuple[str, str], GroupContext]:
    idps = _idp_of(conn)
    out: dict[tuple[str, str], GroupContext] = {}
    for r in conn.execute(sa.select(GR).where(GR.c.removed_at.is_(None))).mappings():
        scim = r["source_type"] == GroupSource.SCIM
        idp = idps.get(str(r["name"]).lower()) if scim else None
        recorded = purposes.get(r["external_id"])
        if recorded is not None and not recorded.expired:
            owner, basis = recorded.owner_email, "owner recorded in Tenure"
        elif scim and (idp_owners.get(idp or "") or idp_owners.get("*")):
            owner = idp_owners.get(idp or "") or idp_owners["*"]
            basis = f"owner of the identity provider{f' {idp}' if idp else ''} ([reviews] " \
                    "idp_owners)"
        else:
            owner, basis = None, "no owner recorded"
        out[(r["source"], r["external_id"])] = GroupContext(
            id=r["external_id"], name=r["name"], scim_managed=scim, idp=idp,
            owner_email=owner, owner_basis=basis)
    return out


def access_items(conn: sa.Connection, scope: Scope, *, people: Mapping[str, PersonContext],
                 findings: Mapping[tuple[str, str], list[FindingRef]],
                 purposes: Mapping[str, PurposeContext], usage_of: UsageOf,
                 idp_owners: Mapping[str, str] | None = None) -> list[ItemSnapshot]:
    """Group-membership and role-assignment items in scope (present ones only)."""
    idp_owners = idp_owners or {}
    kinds = set(scope.kinds)
    if not kinds & {SubjectKind.GROUP_MEMBER, SubjectKind.ROLE_ASSIGNMENT}:
        return []
    accounts = {(r["source"], r["external_id"]): dict(r) for r in conn.execute(
        sa.select(A.c.source, A.c.external_id, A.c.email, A.c.person_email, A.c.status,
                  A.c.removed_at)).mappings()}
    groups = _groups(conn, purposes, idp_owners)
    roles = {(r["source"], r["external_id"]): dict(r) for r in conn.execute(
        sa.select(R.c.source, R.c.external_id, R.c.name, R.c.tier, R.c.predefined)
        .where(R.c.removed_at.is_(None))).mappings()}
    paths = _paths(conn)
    out: list[ItemSnapshot] = []

    def base(source: str, tenant: str, subject_id: str, account_id: str | None,
             lines: list[str], tiers: list[str], label: str, role: str,
             group: GroupContext | None, created: Any) -> ItemSnapshot:
        acct = accounts.get((source, account_id or "")) or {}
        person = people.get(acct.get("person_email") or "")
        email = acct.get("email")
        usage = usage_of(source, account_id, email) if account_id else UsageContext(known=True)
        last = usage.last_activity_at
        did = ([f"member's last activity {last.date().isoformat()}"] if last else
               ["no activity recorded for the member"]) if account_id else []
        return ItemSnapshot(
            kind="", source=source, tenant=tenant, subject_id=subject_id, label=label,
            email=email, role=role, status=str(acct.get("status") or "active"),
            created_at=created, privileged=str(PrivilegeTier.ADMIN) in tiers, grants=[],
            workspace=None, workspace_status=None, person=person, owner=None, usage=usage,
            findings=[*findings.get((source, subject_id), []),
                      *(findings.get((source, account_id), []) if account_id else [])],
            purpose=purposes.get(subject_id), groups=[], reach=lines, did=did, group=group)

    if SubjectKind.GROUP_MEMBER in kinds:
        query = sa.select(GM).where(GM.c.removed_at.is_(None))
        if scope.sources:
            query = query.where(GM.c.source.in_(scope.sources))
        for r in conn.execute(query).mappings():
            group = groups.get((r["source"], r["group_id"]))
            held = [p for p in paths.get((r["source"], r["account_id"]), [])
                    if p["via_group_id"] == r["group_id"]]
            lines = [effective_access.describe(p["path"], p["tier"]) for p in held] or [
                "the group grants no role Tenure knows of"]
            name = group.name if group else r["group_id"]
            who = r["email"] or r["account_id"]
            snap = base(r["source"], r["tenant"], r["external_id"], r["account_id"], lines,
                        [str(p["tier"]) for p in held], f"{who} in group {name}",
                        "member", group, r["added_at"])
            out.append(_kind(snap, SubjectKind.GROUP_MEMBER))

    if SubjectKind.ROLE_ASSIGNMENT in kinds:
        query = sa.select(RA).where(RA.c.removed_at.is_(None))
        if scope.sources:
            query = query.where(RA.c.source.in_(scope.sources))
        for r in conn.execute(query).mappings():
            role = roles.get((r["source"], r["role_id"])) or {}
            role_name = role.get("name") or r["role_id"]
            tier = str(role.get("tier") or "unknown")
            where = ("the organization" if r["scope_type"] == ScopeType.ORGANIZATION
                     else f"workspace {r['scope_id']}")
            if r["principal_kind"] == PrincipalKind.GROUP:
                group = groups.get((r["source"], r["principal_id"]))
                gname = group.name if group else r["principal_id"]
                label = f"group {gname} holds role {role_name} in {where}"
                lines = [f"{tier} via role {role_name} for every member of group {gname}"]
                snap = base(r["source"], r["tenant"], r["external_id"], None, lines, [tier],
                            label, role_name, group, r["assigned_at"])
            else:
                acct = accounts.get((r["source"], r["principal_id"])) or {}
                held = [p for p in paths.get((r["source"], r["principal_id"]), [])
                        if p["entitlement"] == r["role_id"] and p["via_group_id"] is None]
                lines = [effective_access.describe(p["path"], p["tier"]) for p in held] or [
                    f"{tier} via role {role_name} in {where}"]
                who = acct.get("email") or r["principal_id"]
                snap = base(r["source"], r["tenant"], r["external_id"], r["principal_id"],
                            lines, [tier], f"{who} holds role {role_name} in {where}",
                            role_name, None, r["assigned_at"])
            out.append(_kind(snap, SubjectKind.ROLE_ASSIGNMENT))
    return out


def _kind(snap: ItemSnapshot, kind: SubjectKind) -> ItemSnapshot:
    return replace(snap, kind=str(kind))
