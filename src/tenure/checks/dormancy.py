"""Dormancy: seats and keys nobody uses, judged from activity rollups and daily usage."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import sqlalchemy as sa

from tenure.checks.base import Check, EvalContext, Hit, Param, Severity, SubjectType, hits_from
from tenure.checks.registry import define
from tenure.checks.sql import (
    ACCOUNT_USAGE,
    ACTIVE,
    AD,
    A,
    C,
    P,
    U,
    account_created,
    active_key,
    key_created,
    key_last_activity,
    key_last_usage_day,
    key_principal,
    live_human_seat,
    used,
)
from tenure.frameworks import iso27001, nist_csf, owasp_nhi, soc2
from tenure.store import schema

AN = schema.analytics_users

_WINDOW = Param("window_days", 30, "Days without activity before access counts as unused.")


def _account_activity(by: str) -> sa.ColumnElement[bool]:
    """Rollup rows of an account by its id, or by its email where the vendor gives only that
    (Claude Code analytics). Two index-friendly lookups, not one OR that scans."""
    key = A.c.external_id if by == "account" else A.c.email
    return sa.and_(AD.c.source == A.c.source, AD.c.tenant == A.c.tenant,
                   AD.c.principal_type == by, AD.c.principal_id == key)


def _later(a: sa.ColumnElement[Any], b: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
    return sa.case((a.is_(None), b), (b.is_(None), a), (a > b, a), else_=b)


def _account_usage() -> sa.ColumnElement[bool]:
    return sa.and_(U.c.source == A.c.source, U.c.tenant == A.c.tenant,
                   U.c.subject_type == ACCOUNT_USAGE,
                   U.c.subject_id == A.c.external_id, used())


def _analytics() -> sa.ColumnElement[bool]:
    """The seat's Enterprise Analytics row (by platform user id)."""
    return sa.and_(AN.c.source == A.c.source, AN.c.tenant == A.c.tenant,
                   AN.c.user_id == A.c.external_id, AN.c.removed_at.is_(None))


SIGNALS = {
    "analytics": "Enterprise Analytics last_activity_date",
    "activity": "activity feed and audit log",
    "usage": "usage report",
    "none": "no activity recorded for the seat",
}
"""What ``dormant-account`` says it judged by (evidence ``signal``)."""


def _signal(row: sa.RowMapping) -> str:
    # The Analytics date is the best signal where the vendor reports it: it covers chat-only
    # seats the feed may not show; otherwise the feed, then usage.
    if row["analytics_reported"]:
        return SIGNALS["analytics"]
    if row["last_activity_at"] is not None:
        return SIGNALS["activity"]
    return SIGNALS["usage"] if row["last_usage_day"] is not None else SIGNALS["none"]


def _dormant_account(ctx: EvalContext) -> list[Hit]:
    window = ctx.params.int("window_days")
    cutoff = ctx.before(window)
    by_id, by_email = (
        sa.select(sa.func.max(AD.c.last_at)).where(_account_activity(by)).scalar_subquery()
        for by in ("account", "email"))
    last_event = _later(by_id, by_email)
    last_usage = sa.select(sa.func.max(U.c.day)).where(_account_usage()).scalar_subquery()
    last_analytics = (sa.select(sa.func.max(AN.c.last_activity_date)).where(_analytics())
                      .scalar_subquery())
    reported = sa.exists().where(_analytics(), AN.c.last_activity_date.is_not(None))
    recent_event = sa.or_(
        *(sa.exists().where(_account_activity(by), AD.c.day >= cutoff.date(),
                            AD.c.last_at >= cutoff) for by in ("account", "email")))
    recent_usage = sa.exists().where(_account_usage(), U.c.day >= cutoff.date())
    recent_analytics = sa.exists().where(_analytics(),
                                         AN.c.last_activity_date >= cutoff.date())
    stmt = (
        sa.select(A.c.source, A.c.external_id.label("subject_id"),
                  A.c.email.label("subject_email"), P.c.email.label("person"), A.c.role,
                  last_event.label("last_activity_at"), last_usage.label("last_usage_day"),
                  last_analytics.label("last_analytics_day"),
                  reported.label("analytics_reported"),
                  account_created().label("account_created_at"),
                  sa.literal(window).label("window_days"))
        .join(P, P.c.email == A.c.person_email)
        .where(live_human_seat(), P.c.removed_at.is_(None),
               P.c.status == ACTIVE, account_created() <= cutoff,
               sa.not_(recent_event), sa.not_(recent_usage), sa.not_(recent_analytics))
    )
    rows = ctx.conn.execute(stmt).mappings().all()
    hits = hits_from(rows, SubjectType.ACCOUNT,
                     ("role", "last_activity_at", "last_usage_day", "last_analytics_day",
                      "account_created_at", "window_days"))
    return [replace(h, evidence={**h.evidence, "signal": _signal(r)})
            for h, r in zip(hits, rows, strict=True)]


define(Check(
    id="dormant-account",
    title="Seat unused for the dormancy window",
    severity=Severity.MEDIUM,
    subject_type=SubjectType.ACCOUNT,
    rationale="An unused seat is cost and attack surface with no business benefit; access "
              "should follow need (least privilege). Accounts younger than the window are "
              "not judged, so new hires are not reported. Activity is the latest of the "
              "feed/audit log, the usage report and, for Claude Enterprise seats, the "
              "Analytics last_activity_date (the only signal for a chat-only seat without "
              "the Compliance feed); the finding says which signal it used.",
    remediation="Confirm with the person or their manager; remove the seat if it is not "
                "needed (it can be re-invited).",
    actions=("anthropic.remove_org_user", "openai.delete_user"),
    frameworks=(nist_csf("PR.AA-05"), soc2("CC6.2"), soc2("CC6.3"), iso27001("A.5.18")),
    needs=("person", "account", "activity"),
    params=(_WINDOW,),
    evaluate=_dormant_account,
))


def _dormant_key(ctx: EvalContext) -> list[Hit]:
    window = ctx.params.int("window_days")
    cutoff = ctx.before(window)
    usage_day, event_at = key_last_usage_day(), key_last_activity()
    ever_used = sa.or_(usage_day.is_not(None), event_at.is_not(None),
                       C.c.last_used_at.is_not(None))
    recently = sa.or_(usage_day >= cutoff.date(), event_at >= cutoff, C.c.last_used_at >= cutoff)
    stmt = (
        sa.select(C.c.source, C.c.external_id.label("subject_id"),
                  sa.null().label("subject_email"), sa.null().label("person"),
                  C.c.name.label("key_name"), C.c.workspace_id,
                  key_principal().label("owner_id"), usage_day.label("last_usage_day"),
                  event_at.label("last_activity_at"),
                  C.c.last_used_at, sa.literal(window).label("window_days"))
        .where(active_key(ctx.now), ever_used, sa.not_(sa.func.coalesce(recently, False)))
    )
    return hits_from(ctx.conn.execute(stmt).mappings(), SubjectType.API_KEY,
                     ("key_name", "workspace_id", "owner_id", "last_usage_day",
                      "last_activity_at",
                      "last_used_at", "window_days"))


define(Check(
    id="dormant-key",
    title="Active API key unused for the dormancy window",
    severity=Severity.MEDIUM,
    subject_type=SubjectType.API_KEY,
    rationale="A key that was used and then stopped usually belongs to a retired service or "
              "experiment; the secret still works wherever it was copied.",
    remediation="Ask the key's owner whether it is still needed; deactivate it otherwise.",
    actions=("anthropic.set_key_status", "openai.delete_key"),
    frameworks=(owasp_nhi("NHI7"), nist_csf("PR.AA-01"), soc2("CC6.2"), iso27001("A.5.17")),
    needs=("credential", "usage"),
    params=(_WINDOW,),
    evaluate=_dormant_key,
))


def _never_used_key(ctx: EvalContext) -> list[Hit]:
    age = ctx.params.int("age_days")
    usage_day, event_at = key_last_usage_day(), key_last_activity()
    stmt = (
        sa.select(C.c.source, C.c.external_id.label("subject_id"),
                  sa.null().label("subject_email"), sa.null().label("person"),
                  C.c.name.label("key_name"), C.c.workspace_id,
                  key_principal().label("owner_id"), key_created().label("created_at"),
                  sa.literal(age).label("age_days"))
        .where(active_key(ctx.now), key_created() <= ctx.before(age), usage_day.is_(None),
               event_at.is_(None), C.c.last_used_at.is_(None))
    )
    return hits_from(ctx.conn.execute(stmt).mappings(), SubjectType.API_KEY,
                     ("key_name", "workspace_id", "owner_id", "created_at", "age_days"))


define(Check(
    id="never-used-key",
    title="Active API key never used",
    severity=Severity.LOW,
    subject_type=SubjectType.API_KEY,
    rationale="A key created and never used is a standing secret with no purpose served; "
              "it was often created by mistake or for a plan that never shipped.",
    remediation="Deactivate the key; issue one when a service actually needs it.",
    actions=("anthropic.set_key_status", "openai.delete_key"),
    frameworks=(owasp_nhi("NHI7"), nist_csf("PR.AA-01"), soc2("CC6.2"), iso27001("A.5.17")),
    needs=("credential", "usage"),
    params=(Param("age_days", 30, "Days a key may exist unused before it fails."),),
    evaluate=_never_used_key,
))
