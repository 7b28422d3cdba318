"""Privileged access: admins acting far more than their peers, privilege with no purpose."""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from tenure.checks.base import (
    Check,
    EvalContext,
    Hit,
    Param,
    Severity,
    SubjectType,
    hits_from,
    jsonable,
)
from tenure.checks.registry import define
from tenure.checks.sql import AD, PU, A, C, G, same_source, valid_purpose
from tenure.frameworks import iso27001, nist_csf, owasp_nhi, soc2
from tenure.model import ActorKind, PrivilegeTier, ScopeType
from tenure.privilege import tiers_at_least
from tenure.services import effective_access
from tenure.store import schema

T, ACT = schema.activity_targets, schema.activities


def _key_owners() -> sa.Subquery:
    """(source, tenant, key_id, account_id): who answers for a key — its owner or creator in
    the credential inventory, or for an Anthropic Admin key (not listed by the Admin API) the
    user whose ``admin_api_key_created`` event created it (read through its stored target)."""
    created = (sa.select(T.c.source, T.c.tenant, T.c.target_id.label("key_id"),
                         ACT.c.actor_id.label("account_id"))
               .select_from(T.join(ACT, sa.and_(
                   T.c.source == ACT.c.source, T.c.tenant == ACT.c.tenant,
                   T.c.occurred_at == ACT.c.occurred_at, T.c.external_id == ACT.c.external_id)))
               .where(T.c.target_type == "admin_key", ACT.c.action == "admin_api_key_created",
                      ACT.c.actor_kind == ActorKind.USER.value, ACT.c.actor_id.is_not(None)))
    listed = sa.select(C.c.source, C.c.tenant, C.c.external_id.label("key_id"),
                       sa.func.coalesce(C.c.owner_id, C.c.creator_id).label("account_id")
                       ).where(sa.func.coalesce(C.c.owner_id, C.c.creator_id).is_not(None))
    return sa.union(listed, created).subquery("key_owners")


def _admin_events_via_keys(ctx: EvalContext, since: Any) -> dict[tuple[str, str, str], int]:
    """Admin events a key made with no account named (``key_actor`` rollups), per the
    account that answers for the key. Tenure's own key (actor ``tenure``) is never in them."""
    owners = _key_owners()
    rows = ctx.conn.execute(
        sa.select(owners.c.source, owners.c.tenant, owners.c.account_id,
                  sa.func.sum(AD.c.events))
        .select_from(AD.join(owners, sa.and_(
            AD.c.source == owners.c.source, AD.c.tenant == owners.c.tenant,
            AD.c.principal_id == owners.c.key_id)))
        .where(AD.c.principal_type == "key_actor", AD.c.category == "admin",
               AD.c.day >= since)
        .group_by(owners.c.source, owners.c.tenant, owners.c.account_id))
    return {(s, t, a): int(n or 0) for s, t, a, n in rows}


def _overactive_admin(ctx: EvalContext) -> list[Hit]:
    days = ctx.params.int("window_days")
    floor = ctx.params.number("min_actions")
    factor = ctx.params.number("peer_factor")
    since = ctx.day_before(days)
    events = sa.func.coalesce(sa.func.sum(AD.c.events), 0)
    stmt = (
        sa.select(A.c.source, A.c.tenant, A.c.external_id, A.c.email, A.c.person_email,
                  A.c.role, events.label("events"))
        .select_from(A.outerjoin(AD, sa.and_(
            same_source(AD, A), AD.c.principal_type == "account",
            AD.c.principal_id == A.c.external_id, AD.c.category == "admin", AD.c.day >= since)))
        .where(A.c.removed_at.is_(None), A.c.role.in_(ctx.params.words("admin_roles")))
        .group_by(A.c.source, A.c.tenant, A.c.external_id, A.c.email, A.c.person_email,
                  A.c.role)
    )
    # One aggregated row per admin; the median of *the other* admins has no portable SQL
    # form, and an organization has tens of admins, not millions.
    orgs: dict[tuple[str, str], list[sa.RowMapping]] = defaultdict(list)
    for row in ctx.conn.execute(stmt).mappings():
        orgs[(row["source"], row["tenant"])].append(row)
    via_keys = _admin_events_via_keys(ctx, since)
    hits: list[Hit] = []
    for admins in orgs.values():
        keyed = [via_keys.get((r["source"], r["tenant"], r["external_id"]), 0) for r in admins]
        counts = [int(r["events"]) + k for r, k in zip(admins, keyed, strict=True)]
        for index, row in enumerate(admins):
            others = counts[:index] + counts[index + 1:]
            median = float(statistics.median(others)) if others else 0.0
            count = counts[index]
            if count > floor and count > factor * median:
                hits.append(Hit(
                    source=row["source"], subject_type=SubjectType.ACCOUNT,
                    subject_id=row["external_id"], subject_email=row["email"],
                    person=row["person_email"],
                    evidence={"admin_actions": count, "via_keys": keyed[index],
                              "window_days": days,
                              "peer_median": jsonable(median), "peers": len(others),
                              "role": row["role"]}))
    return hits


define(Check(
    id="overactive-admin",
    title="Admin making far more privileged changes than peers",
    severity=Severity.HIGH,
    subject_type=SubjectType.ACCOUNT,
    rationale="A burst of role, membership, key or settings changes by one admin is how a "
              "compromised admin account or an insider shows up in the audit trail.",
    remediation="Review the admin's recent changes in the activity feed with them and their "
                "manager; revert what is unexplained and reduce the role if it is not needed.",
    actions=("anthropic.downgrade_org_role", "anthropic.remove_org_user", "openai.delete_user"),
    frameworks=(nist_csf("DE.CM-03"), nist_csf("PR.AA-05"), soc2("CC7.2"), soc2("CC6.3"),
                iso27001("A.8.2"), iso27001("A.8.16")),
    needs=("account", "activity"),
    reads=("credential",),
    params=(Param("window_days", 7, "Days of privileged activity counted."),
            Param("min_actions", 20, "Privileged actions above which an admin can fail."),
            Param("peer_factor", 5, "Multiple of the other admins' median that fails."),
            Param("admin_roles", ("admin", "owner"), "Org roles counted as admins.")),
    evaluate=_overactive_admin,
))


def _has_valid_purpose(now: datetime) -> sa.ColumnElement[bool]:
    on_grant = sa.exists().where(
        G.c.source == A.c.source, G.c.tenant == A.c.tenant,
        G.c.account_id == A.c.external_id, G.c.removed_at.is_(None),
        PU.c.subject_ref == G.c.external_id, PU.c.withdrawn_at.is_(None),
        sa.or_(PU.c.expires_at.is_(None), PU.c.expires_at > now))
    return sa.or_(valid_purpose(now, A.c.external_id, A.c.email), on_grant)


def _privileged_without_purpose(ctx: EvalContext) -> list[Hit]:
    # The tier comes from what the account's roles permit, through every path (its own role,
    # a group's role, an inherited one): tenure.services.effective_access.
    tier = PrivilegeTier(ctx.params.words("tier")[0])
    tiers = [str(t) for t in tiers_at_least(tier)]
    cur = effective_access.current_access()
    held = (cur.c.source == A.c.source, cur.c.tenant == A.c.tenant,
            cur.c.account_id == A.c.external_id, cur.c.tier.in_(tiers))
    # "admin" < "elevated" < "none": the minimum is the highest tier held.
    top = sa.select(sa.func.min(cur.c.tier)).where(*held).scalar_subquery()
    ws_count = (sa.select(sa.func.count(sa.distinct(cur.c.scope_id)))
                .where(*held, cur.c.scope_type == ScopeType.WORKSPACE.value).scalar_subquery())
    groups = (sa.select(sa.func.count(sa.distinct(cur.c.via_group_id)))
              .where(*held).scalar_subquery())
    # A source whose effective access was never computed (synced before it existed) is judged
    # from its legacy org role through the same privilege table, not skipped.
    computed = sa.exists().where(effective_access.RUNS.c.source == A.c.source)
    legacy = effective_access.legacy_tier_sql(A.c.role, sa.literal(ScopeType.ORGANIZATION.value))
    stmt = (
        sa.select(A.c.source, A.c.external_id.label("subject_id"),
                  A.c.email.label("subject_email"), A.c.person_email.label("person"),
                  A.c.role, A.c.kind, sa.func.coalesce(top, legacy).label("tier"),
                  ws_count.label("privileged_workspaces"), groups.label("via_groups"))
        .where(A.c.removed_at.is_(None),
               sa.or_(sa.exists().where(*held),
                      sa.and_(sa.not_(computed), legacy.in_(tiers))),
               sa.not_(_has_valid_purpose(ctx.now)))
    )
    return hits_from(ctx.conn.execute(stmt).mappings(), SubjectType.ACCOUNT,
                     ("role", "kind", "tier", "privileged_workspaces", "via_groups"))


define(Check(
    id="privileged-without-purpose",
    title="Privileged role with no recorded purpose",
    severity=Severity.MEDIUM,
    subject_type=SubjectType.ACCOUNT,
    rationale="Privileged roles should exist for a stated reason with an owner and an end; "
              "without one nobody can say when the privilege should be taken back.",
    remediation="Record the purpose (reason, owner, expiry) or reduce the role to the least "
                "that does the job.",
    actions=("anthropic.downgrade_org_role", "anthropic.remove_workspace_member",
             "openai.delete_project_user"),
    frameworks=(owasp_nhi("NHI5"), nist_csf("PR.AA-05"), soc2("CC6.3"), iso27001("A.5.15"),
                iso27001("A.5.18"), iso27001("A.8.2")),
    needs=("account", "grant"),
    reads=("purpose", "effective_access"),
    params=(Param("tier", "admin", "Lowest privilege tier that needs a recorded purpose "
                  "(admin: changes who has access or mints org-wide keys; elevated: also "
                  "mints keys or changes a workspace). See docs/effective-access.md.",
                  choices=("admin", "elevated")),),
    evaluate=_privileged_without_purpose,
))
