"""Effective access: privilege through groups and custom roles, disabled seats that still hold
access, and SCIM-managed groups that drifted from what the identity provider pushed.

Set-based SQL over ``effective_access`` (the newest computed run of each source) and the group,
role and role-assignment tables; one statement per check, whatever the organization's size.
A finding's evidence carries the effective-access path in words, so a review can target the
group owner (docs/effective-access.md).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from tenure.checks.base import (
    Check,
    EvalContext,
    FindingStatus,
    Hit,
    Param,
    Severity,
    SubjectType,
    jsonable,
)
from tenure.checks.registry import define
from tenure.checks.sql import ACTIVE, A, C, active_key
from tenure.frameworks import iso27001, nist_csf, owasp_nhi, soc2
from tenure.model import AccessPathKind, GroupSource, PrincipalKind, PrivilegeTier
from tenure.privilege import permission_tier, tiers_at_least
from tenure.services import effective_access
from tenure.store import schema

GR, GM, R, RA = schema.groups, schema.group_members, schema.roles, schema.role_assignments
SG, SGM, SU = schema.scim_groups, schema.scim_group_members, schema.scim_users

_TIER = Param("tier", "admin", "Lowest privilege tier judged (admin: changes who has access "
              "or mints org-wide keys; elevated: also mints keys or changes a workspace).",
              choices=("admin", "elevated"))


def _grouped(rows: Iterable[sa.RowMapping], key: tuple[str, ...]
             ) -> dict[tuple[Any, ...], list[sa.RowMapping]]:
    out: dict[tuple[Any, ...], list[sa.RowMapping]] = defaultdict(list)
    for row in rows:
        out[tuple(row[k] for k in key)].append(row)
    return out


def _names(rows: Iterable[sa.RowMapping], column: str) -> list[str]:
    return sorted({str(r[column]) for r in rows if r[column] is not None})


# -- privilege-via-group -------------------------------------------------------------------


def _privilege_via_group(ctx: EvalContext) -> list[Hit]:
    tier = PrivilegeTier(ctx.params.words("tier")[0])
    held = effective_access.rows_at_least(tier, path_kinds=(AccessPathKind.GROUP,)).subquery()
    stmt = (
        sa.select(held.c.source, held.c.account_id, held.c.tier, held.c.entitlement_name,
                  held.c.via_group_id, held.c.path, A.c.email, A.c.person_email,
                  GR.c.name.label("group_name"), GR.c.source_type)
        .select_from(held.join(A, sa.and_(
            A.c.source == held.c.source, A.c.tenant == held.c.tenant,
            A.c.external_id == held.c.account_id, A.c.removed_at.is_(None)))
            .outerjoin(GR, sa.and_(GR.c.source == held.c.source, GR.c.tenant == held.c.tenant,
                                   GR.c.external_id == held.c.via_group_id)))
        .order_by(held.c.source, held.c.account_id, held.c.via_group_id,
                  held.c.entitlement_name))
    hits = []
    for (source, account_id), rows in _grouped(ctx.conn.execute(stmt).mappings(),
                                               ("source", "account_id")).items():
        first = rows[0]
        groups = sorted({(str(r["via_group_id"]), str(r["group_name"] or r["via_group_id"]))
                         for r in rows})  # ids and names in the same order
        hits.append(Hit(
            source=source, subject_type=SubjectType.ACCOUNT, subject_id=account_id,
            subject_email=first["email"], person=first["person_email"],
            evidence={"path": effective_access.describe(first["path"], first["tier"]),
                      "paths": [effective_access.describe(r["path"], r["tier"]) for r in rows],
                      "groups": [name for _, name in groups],
                      "group_ids": [gid for gid, _ in groups],
                      "roles": _names(rows, "entitlement_name"),
                      "scim_managed": any(r["source_type"] == GroupSource.SCIM for r in rows),
                      "tier": str(first["tier"])}))
    return hits


define(Check(
    id="privilege-via-group",
    title="Admin-tier access that comes through a group",
    severity=Severity.HIGH,
    subject_type=SubjectType.ACCOUNT,
    rationale="Access granted through a group is invisible on the seat: whoever can change "
              "the group's membership (a platform admin, or the identity provider for a "
              "SCIM-managed group) decides who is an admin. Each such path needs an owner who "
              "answers for it.",
    remediation="Review the membership with the group's owner; remove the member from the "
                "group (or, for a SCIM-managed group, in the identity provider), or bind a "
                "less privileged role to the group.",
    actions=("openai.remove_group_member", "anthropic.remove_group_member",
             "openai.unassign_group_role"),
    frameworks=(nist_csf("PR.AA-05"), soc2("CC6.3"), iso27001("A.5.15"), iso27001("A.8.2")),
    needs=("account", "group", "group_member", "role", "role_assignment"),
    params=(_TIER,),
    evaluate=_privilege_via_group,
))


# -- custom-role-privileged ----------------------------------------------------------------


def _custom_role_privileged(ctx: EvalContext) -> list[Hit]:
    tiers = [str(t) for t in tiers_at_least(PrivilegeTier(ctx.params.words("tier")[0]))]
    cur = effective_access.current_access()
    privileged = (R.c.removed_at.is_(None), R.c.predefined.is_(False), R.c.tier.in_(tiers))
    holders = (sa.select(cur.c.source, cur.c.tenant, cur.c.entitlement, cur.c.account_id,
                         A.c.email)
               .select_from(cur.join(A, sa.and_(A.c.source == cur.c.source,
                                                A.c.tenant == cur.c.tenant,
                                                A.c.external_id == cur.c.account_id,
                                                A.c.removed_at.is_(None))))
               # only the holders of the roles judged, not every row of effective access
               .where(cur.c.entitlement.in_(sa.select(R.c.external_id).where(*privileged)))
               .distinct().subquery("holders"))
    stmt = (
        sa.select(R.c.source, R.c.external_id, R.c.name, R.c.tier, R.c.scope_type,
                  R.c.scope_id, R.c.permissions, holders.c.account_id, holders.c.email)
        .select_from(R.outerjoin(holders, sa.and_(
            holders.c.source == R.c.source, holders.c.tenant == R.c.tenant,
            holders.c.entitlement == R.c.external_id)))
        .where(*privileged)
        .order_by(R.c.source, R.c.external_id, holders.c.account_id))
    hits = []
    for (source, role_id), rows in _grouped(ctx.conn.execute(stmt).mappings(),
                                            ("source", "external_id")).items():
        first = rows[0]
        perms = [p.get("action", "") for p in (first["permissions"] or [])
                 if isinstance(p, dict)]
        granting = sorted(p for p in perms if str(permission_tier(p)) in tiers)
        holder_list = sorted({str(r["email"] or r["account_id"]) for r in rows
                              if r["account_id"] is not None})
        hits.append(Hit(
            source=source, subject_type=SubjectType.ROLE, subject_id=role_id,
            subject_email=None, person=None,
            evidence={"role": first["name"], "tier": str(first["tier"]),
                      "scope_type": str(first["scope_type"]), "scope_id": first["scope_id"],
                      "granting_permissions": granting, "holders": holder_list,
                      "holder_count": len(holder_list)}))
    return hits


define(Check(
    id="custom-role-privileged",
    title="Custom role that grants admin-tier permissions",
    severity=Severity.MEDIUM,
    subject_type=SubjectType.ROLE,
    rationale="A custom role's name says nothing about what it permits: one that can change "
              "who has access or mint organization-wide keys makes every holder an admin "
              "without looking like one. Judged from the role's permissions.",
    remediation="Confirm the role needs those permissions and who holds it; remove the "
                "permissions from the role or unassign it from holders without a purpose.",
    actions=("openai.unassign_user_role", "openai.unassign_group_role"),
    frameworks=(nist_csf("PR.AA-05"), soc2("CC6.3"), iso27001("A.8.2"), iso27001("A.5.15")),
    needs=("role", "role_assignment"),
    params=(_TIER,),
    evaluate=_custom_role_privileged,
))


# -- disabled-seat-still-granted -----------------------------------------------------------


def _disabled_seat(ctx: EvalContext) -> list[Hit]:
    same = (RA.c.source == A.c.source, RA.c.tenant == A.c.tenant)
    roles = (sa.select(sa.func.count()).select_from(RA)
             .where(*same, RA.c.removed_at.is_(None),
                    RA.c.principal_kind.in_([str(PrincipalKind.USER),
                                             str(PrincipalKind.SERVICE_ACCOUNT)]),
                    RA.c.principal_id == A.c.external_id).scalar_subquery())
    groups = (sa.select(sa.func.count()).select_from(GM)
              .where(GM.c.source == A.c.source, GM.c.tenant == A.c.tenant,
                     GM.c.removed_at.is_(None), GM.c.account_id == A.c.external_id)
              .scalar_subquery())
    keys = (sa.select(sa.func.count()).select_from(C)
            .where(C.c.source == A.c.source, C.c.tenant == A.c.tenant, active_key(ctx.now),
                   sa.or_(C.c.owner_id == A.c.external_id,
                          sa.and_(C.c.owner_id.is_(None),
                                  C.c.creator_id == A.c.external_id)))
            .scalar_subquery())
    stmt = (
        sa.select(A.c.source, A.c.external_id.label("subject_id"),
                  A.c.email.label("subject_email"), A.c.person_email.label("person"),
                  A.c.status, A.c.role, roles.label("role_assignments"),
                  groups.label("group_memberships"), keys.label("active_keys"))
        .where(A.c.removed_at.is_(None), A.c.status != ACTIVE,
               sa.or_(roles > 0, groups > 0, keys > 0)))
    hits = [Hit(source=r["source"], subject_type=SubjectType.ACCOUNT,
                subject_id=r["subject_id"], subject_email=r["subject_email"],
                person=r["person"],
                evidence={"status": r["status"], "role": r["role"],
                          "role_assignments": int(r["role_assignments"]),
                          "group_memberships": int(r["group_memberships"]),
                          "active_keys": int(r["active_keys"])})
            for r in ctx.conn.execute(stmt).mappings()]
    return hits + _gone_but_grouped(ctx)


def _gone_but_grouped(ctx: EvalContext) -> list[Hit]:
    """Seats no longer in the organization that a group still lists (Anthropic removes a
    seat from the member list at once but keeps its RBAC group memberships, so re-adding the
    person restores them): the membership outlived the seat."""
    seat = sa.and_(A.c.source == GM.c.source, A.c.tenant == GM.c.tenant,
                   A.c.external_id == GM.c.account_id)
    present = sa.exists().where(seat, A.c.removed_at.is_(None))
    listed = sa.exists().where(A.c.source == GM.c.source, A.c.tenant == GM.c.tenant,
                               A.c.removed_at.is_(None))
    gone = sa.select(sa.func.max(A.c.removed_at)).where(seat).scalar_subquery()
    stmt = (sa.select(GM.c.source, GM.c.account_id, sa.func.max(GM.c.email).label("email"),
                      sa.func.count().label("groups"), sa.func.max(gone).label("removed_at"))
            .where(GM.c.removed_at.is_(None), listed, ~present)
            .group_by(GM.c.source, GM.c.account_id)
            .order_by(GM.c.source, GM.c.account_id))
    return [Hit(source=r["source"], subject_type=SubjectType.ACCOUNT,
                subject_id=r["account_id"], subject_email=r["email"],
                person=str(r["email"]).lower() if r["email"] else None,
                evidence={"status": "removed from the organization",
                          "removed_at": jsonable(r["removed_at"]),
                          "role_assignments": 0, "group_memberships": int(r["groups"]),
                          "active_keys": 0})
            for r in ctx.conn.execute(stmt).mappings()]


define(Check(
    id="disabled-seat-still-granted",
    title="Disabled seat that still holds roles, group memberships or keys",
    severity=Severity.MEDIUM,
    subject_type=SubjectType.ACCOUNT,
    rationale="A banned, disabled or deactivated seat is suspended, not removed: re-enabling "
              "it restores every role and group at once, and its keys may still work. What "
              "it holds should be taken away while it is suspended.",
    remediation="Remove the seat's custom roles and group memberships and delete its keys, "
                "or remove the seat if it is not coming back.",
    actions=("openai.delete_user", "openai.remove_group_member", "openai.unassign_user_role",
             "openai.delete_key", "anthropic.remove_group_member"),
    frameworks=(owasp_nhi("NHI1"), nist_csf("PR.AA-05"), soc2("CC6.2"), soc2("CC6.3"),
                iso27001("A.5.18")),
    # Keys are counted where the source lists them; an org without API keys (Claude
    # Enterprise answers 404) still has its roles and groups judged.
    needs=("account", "group_member", "role_assignment"),
    reads=("credential",),
    evaluate=_disabled_seat,
))


# -- idp-group-drift -----------------------------------------------------------------------


def _idp_group_drift(ctx: EvalContext) -> list[Hit]:
    # A platform group matches the IdP group of the same name (case-insensitive), or whose
    # SCIM externalId is the platform group's id (docs/effective-access.md, "Drift").
    match = sa.or_(SG.c.display_name_key == sa.func.lower(GR.c.name),
                   SG.c.external_id == GR.c.external_id)
    scim_groups = (GR.c.removed_at.is_(None), GR.c.source_type == str(GroupSource.SCIM))
    platform = (sa.select(GR.c.source, GR.c.tenant, GR.c.external_id.label("group_id"),
                          sa.func.lower(sa.func.coalesce(GM.c.email, A.c.email)).label("email"))
                .select_from(GR.join(GM, sa.and_(
                    GM.c.source == GR.c.source, GM.c.tenant == GR.c.tenant,
                    GM.c.group_id == GR.c.external_id, GM.c.removed_at.is_(None)))
                    .outerjoin(A, sa.and_(A.c.source == GM.c.source, A.c.tenant == GM.c.tenant,
                                          A.c.external_id == GM.c.account_id)))
                .where(*scim_groups).subquery("platform"))
    pushed = (sa.select(GR.c.source, GR.c.tenant, GR.c.external_id.label("group_id"),
                        SG.c.source.label("idp"), sa.func.lower(SU.c.email).label("email"))
              .select_from(GR.join(SG, match).join(SGM, SGM.c.group_id == SG.c.id)
                           .join(SU, SU.c.id == SGM.c.user_id))
              .where(*scim_groups).subquery("pushed"))
    matched = (sa.select(GR.c.source, GR.c.tenant, GR.c.external_id.label("group_id"),
                         sa.func.min(SG.c.source).label("idp"))
               .select_from(GR.join(SG, match)).where(*scim_groups)
               .group_by(GR.c.source, GR.c.tenant, GR.c.external_id).subquery("matched"))

    def on_group(t: sa.Subquery, u: sa.Subquery) -> sa.ColumnElement[bool]:
        return sa.and_(t.c.source == u.c.source, t.c.tenant == u.c.tenant,
                       t.c.group_id == u.c.group_id)

    extra = (sa.select(platform.c.source, platform.c.tenant, platform.c.group_id,
                       platform.c.email, sa.literal("platform_only").label("side"))
             .join(matched, on_group(platform, matched))
             .where(~sa.exists().where(on_group(pushed, platform),
                                       pushed.c.email == platform.c.email)))
    missing = (sa.select(pushed.c.source, pushed.c.tenant, pushed.c.group_id, pushed.c.email,
                         sa.literal("idp_only").label("side"))
               .where(~sa.exists().where(on_group(platform, pushed),
                                         platform.c.email == pushed.c.email)))
    drift = sa.union_all(extra, missing).subquery("drift")
    rows = ctx.conn.execute(
        sa.select(GR.c.source, GR.c.external_id, GR.c.name, matched.c.idp, drift.c.email,
                  drift.c.side)
        .select_from(GR.outerjoin(matched, sa.and_(
            matched.c.source == GR.c.source, matched.c.tenant == GR.c.tenant,
            matched.c.group_id == GR.c.external_id))
            .outerjoin(drift, sa.and_(drift.c.source == GR.c.source,
                                      drift.c.tenant == GR.c.tenant,
                                      drift.c.group_id == GR.c.external_id)))
        .where(*scim_groups, sa.or_(matched.c.idp.is_(None), drift.c.email.is_not(None)))
        .order_by(GR.c.source, GR.c.external_id, drift.c.email)).mappings()
    hits = []
    for (source, group_id), group_rows in _grouped(rows, ("source", "external_id")).items():
        first = group_rows[0]
        if first["idp"] is None:
            hits.append(Hit(
                source=source, subject_type=SubjectType.GROUP, subject_id=group_id,
                subject_email=None, person=None, status=FindingStatus.MANUAL,
                evidence={"group": first["name"],
                          "reason": "SCIM-managed on the platform, but no group of that name "
                                    "or externalId was pushed to Tenure's SCIM receiver: "
                                    "compare its members with the identity provider by hand"}))
            continue
        added = sorted(str(r["email"]) for r in group_rows if r["side"] == "platform_only")
        gone = sorted(str(r["email"]) for r in group_rows if r["side"] == "idp_only")
        hits.append(Hit(
            source=source, subject_type=SubjectType.GROUP, subject_id=group_id,
            subject_email=None, person=None,
            evidence={"group": first["name"], "idp_source": first["idp"],
                      "on_platform_not_in_idp": added, "in_idp_not_on_platform": gone}))
    return hits


define(Check(
    id="idp-group-drift",
    title="SCIM-managed group whose platform members differ from the identity provider's",
    severity=Severity.HIGH,
    subject_type=SubjectType.GROUP,
    rationale="A SCIM-managed group should have exactly the members the identity provider "
              "pushed. A member only on the platform was added by hand (or was removed in "
              "the IdP and the removal never arrived) and keeps every role the group grants.",
    remediation="Find out why the platform differs: fix the SCIM provisioning, or have the "
                "identity provider's owner re-push the group; remove members the IdP does "
                "not list.",
    actions=("openai.remove_group_member", "anthropic.remove_group_member"),
    frameworks=(nist_csf("PR.AA-01"), nist_csf("PR.AA-05"), soc2("CC6.2"), soc2("CC6.3"),
                iso27001("A.5.16"), iso27001("A.5.18")),
    needs=("account", "group", "group_member"),
    evaluate=_idp_group_drift,
))
