"""Purpose: access that outlived its recorded reason, and access a mover kept unreviewed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from tenure.checks.base import Check, EvalContext, Hit, Param, Severity, SubjectType, hits_from
from tenure.checks.registry import define
from tenure.checks.sql import PC, PU, A, C, G, W, active_key
from tenure.frameworks import iso27001, nist_csf, owasp_nhi, soc2

_PURPOSE_EVIDENCE = ("purpose_reason", "purpose_owner", "purpose_expires_at",
                     "purpose_project_id", "project_archived_at")


def _project_archived(purpose: Any) -> sa.ColumnElement[bool]:
    return sa.exists().where(W.c.external_id == purpose.c.project_id, W.c.status == "archived")


def _lapsed(purpose: Any, now: datetime) -> sa.ColumnElement[bool]:
    """A purpose that was recorded and has ended: expired, or its project archived."""
    return sa.and_(purpose.c.withdrawn_at.is_(None),
                   sa.or_(purpose.c.expires_at <= now, _project_archived(purpose)))


def _still_justified(ref: sa.ColumnElement[Any], now: datetime) -> sa.Exists:
    other = PU.alias("current")
    return sa.exists().where(
        other.c.subject_ref == ref, other.c.withdrawn_at.is_(None),
        sa.or_(other.c.expires_at.is_(None), other.c.expires_at > now),
        sa.not_(_project_archived(other)))


def _purpose_columns() -> list[sa.ColumnElement[Any]]:
    archived_at = (sa.select(sa.func.max(W.c.archived_at))
                   .where(W.c.external_id == PU.c.project_id, W.c.status == "archived")
                   .scalar_subquery())
    return [PU.c.reason.label("purpose_reason"), PU.c.owner_email.label("purpose_owner"),
            PU.c.expires_at.label("purpose_expires_at"),
            PU.c.project_id.label("purpose_project_id"),
            archived_at.label("project_archived_at")]


def _unique(hits: list[Hit]) -> list[Hit]:
    # A subject with several lapsed purposes is one finding; keep the first reported.
    seen: dict[tuple[str, str], Hit] = {}
    for hit in hits:
        seen.setdefault((hit.source, hit.subject_id), hit)
    return list(seen.values())


def _access_past_purpose(ctx: EvalContext) -> list[Hit]:
    now = ctx.now
    keys = (
        sa.select(C.c.source, C.c.external_id.label("subject_id"),
                  sa.null().label("subject_email"), sa.null().label("person"),
                  *_purpose_columns())
        .join(PU, PU.c.subject_ref == C.c.external_id)
        .where(active_key(now), _lapsed(PU, now),
               sa.not_(_still_justified(C.c.external_id, now)))
        .order_by(C.c.source, C.c.external_id, PU.c.id)
    )
    grants = (
        sa.select(G.c.source, G.c.external_id.label("subject_id"),
                  A.c.email.label("subject_email"), A.c.person_email.label("person"),
                  *_purpose_columns())
        .join(PU, PU.c.subject_ref == G.c.external_id)
        .outerjoin(A, sa.and_(A.c.source == G.c.source, A.c.tenant == G.c.tenant,
                              A.c.external_id == G.c.account_id))
        .where(G.c.removed_at.is_(None), _lapsed(PU, now),
               sa.not_(_still_justified(G.c.external_id, now)))
        .order_by(G.c.source, G.c.external_id, PU.c.id)
    )
    return (_unique(hits_from(ctx.conn.execute(keys).mappings(), SubjectType.API_KEY,
                              _PURPOSE_EVIDENCE))
            + _unique(hits_from(ctx.conn.execute(grants).mappings(), SubjectType.GRANT,
                                _PURPOSE_EVIDENCE)))


define(Check(
    id="access-past-purpose",
    title="Access still active after its purpose ended",
    severity=Severity.HIGH,
    subject_type=SubjectType.GRANT,
    rationale="Access granted for a project or a period should end with it; a recorded "
              "purpose that expired, or whose project was archived, no longer justifies it.",
    remediation="Revoke the grant or deactivate the key, or record a renewed purpose with "
                "its owner's approval.",
    actions=("anthropic.remove_workspace_member", "anthropic.set_key_status",
             "openai.delete_project_user", "openai.delete_key"),
    frameworks=(owasp_nhi("NHI1"), nist_csf("PR.AA-05"), soc2("CC6.2"), soc2("CC6.3"),
                iso27001("A.5.18")),
    needs=("credential", "grant", "workspace"),
    reads=("purpose",),
    evaluate=_access_past_purpose,
))


def _mover_stale_access(ctx: EvalContext) -> list[Hit]:
    grace = ctx.params.int("review_days")
    last_move = (
        sa.select(PC.c.person_email, sa.func.max(PC.c.observed_at).label("moved_at"))
        .where(PC.c.kind == "mover", PC.c.field.in_(ctx.params.words("fields")))
        .group_by(PC.c.person_email)
        .subquery("last_move")
    )
    moved_at = last_move.c.moved_at
    reapproved = sa.exists().where(
        PU.c.subject_ref.in_((G.c.external_id, A.c.external_id, A.c.email)),
        PU.c.withdrawn_at.is_(None), PU.c.approved_at >= moved_at)
    # Vendors rarely date a membership: an undated grant may predate the move if Tenure saw
    # it before the move or the account existed before it (a mover review, not a guess).
    earliest = sa.case((A.c.created_at < G.c.first_seen_at, A.c.created_at),
                       else_=G.c.first_seen_at)
    held_since = sa.func.coalesce(G.c.granted_at, earliest)
    stmt = (
        sa.select(G.c.source, G.c.external_id.label("subject_id"),
                  A.c.email.label("subject_email"), A.c.person_email.label("person"),
                  G.c.role, G.c.scope_type, G.c.scope_id, moved_at.label("moved_at"),
                  held_since.label("held_since"),
                  sa.literal(grace).label("review_days"))
        .join(A, sa.and_(A.c.source == G.c.source, A.c.tenant == G.c.tenant,
                         A.c.external_id == G.c.account_id))
        .join(last_move, last_move.c.person_email == A.c.person_email)
        .where(G.c.removed_at.is_(None), A.c.removed_at.is_(None), sa.not_(G.c.inherited),
               moved_at > held_since,
               moved_at <= ctx.before(grace), sa.not_(reapproved))
    )
    return hits_from(ctx.conn.execute(stmt).mappings(), SubjectType.GRANT,
                     ("role", "scope_type", "scope_id", "moved_at", "held_since",
                      "review_days"))


define(Check(
    id="mover-stale-access",
    title="Mover kept access without re-approval",
    severity=Severity.MEDIUM,
    subject_type=SubjectType.GRANT,
    rationale="When someone changes department or manager, access from the old job "
              "accumulates unless it is re-approved (privilege creep).",
    remediation="Have the new manager re-approve the grant (record a purpose with approval) "
                "or remove it.",
    actions=("anthropic.remove_workspace_member", "openai.delete_project_user"),
    frameworks=(nist_csf("PR.AA-05"), soc2("CC6.2"), soc2("CC6.3"), iso27001("A.5.18")),
    needs=("person", "account", "grant"),
    reads=("person_change", "purpose"),
    params=(Param("review_days", 14, "Days after a move for the access to be re-approved."),
            Param("fields", ("department", "manager_email"),
                  "Identity fields whose change makes a mover.")),
    evaluate=_mover_stale_access,
))
