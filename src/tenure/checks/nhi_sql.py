"""SQL fragments for the non-human identity checks: the resolved accountability table, and
which sources could not read a type in their latest run (those report ``manual``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import sqlalchemy as sa

from tenure.checks.base import EvalContext, FindingStatus, Hit, SubjectType
from tenure.model import NhiKind, RunStatus
from tenure.store import schema

NA = schema.nhi_accountability
P = schema.people
FR = schema.federation_rules
FI = schema.federation_issuers
AG = schema.agents
ENV = schema.agent_environments
DP = schema.agent_deployments
VC = schema.vault_credentials

RECORD_TYPE = {
    NhiKind.SERVICE_ACCOUNT: "service_account",
    NhiKind.WORKLOAD_IDENTITY: "federation_rule",
    NhiKind.AGENT: "agent",
    NhiKind.DEPLOYMENT: "agent_deployment",
}
"""The record type a connector reads each NHI kind as (what a Gap names)."""

SPONSOR = P.alias("sponsor")


def gapped(ctx: EvalContext, record_types: Iterable[str]) -> dict[str, list[str]]:
    """Sources whose latest finished run recorded a Gap for one of ``record_types``, with the
    types that were missing."""
    runs, gaps = schema.sync_runs, schema.gaps
    latest = (sa.select(runs.c.source, sa.func.max(runs.c.started_at).label("at"))
              .where(runs.c.status != str(RunStatus.RUNNING)).group_by(runs.c.source)
              .subquery())
    rows = ctx.conn.execute(
        sa.select(gaps.c.source, gaps.c.record_type, gaps.c.reason).distinct()
        .join(runs, runs.c.id == gaps.c.sync_run_id)
        .join(latest, sa.and_(latest.c.source == runs.c.source,
                              latest.c.at == runs.c.started_at))
        .where(gaps.c.record_type.in_(sorted(set(record_types))))
        .order_by(gaps.c.source, gaps.c.record_type))
    out: dict[str, list[str]] = {}
    for source, record_type, reason in rows:
        out.setdefault(source, []).append(f"{record_type} ({reason})")
    return out


def manual_hits(missing: dict[str, list[str]]) -> list[Hit]:
    """One ``manual`` hit per source that could not read what the check judges."""
    return [Hit(source, SubjectType.SOURCE, source, None, None,
                {"reason": "not read in the latest sync: " + "; ".join(types)},
                status=FindingStatus.MANUAL) for source, types in sorted(missing.items())]


def without(hits: Sequence[Hit], missing: dict[str, list[str]]) -> list[Hit]:
    """``hits`` minus those from sources that report manual, plus their manual hits."""
    return [h for h in hits if h.source not in missing] + manual_hits(missing)


def kind_gapped(ctx: EvalContext, kinds: Iterable[NhiKind]) -> dict[tuple[str, str], str]:
    """(source, NHI kind) pairs whose record type was a Gap in the latest run."""
    by_type = {RECORD_TYPE[k]: k for k in kinds}
    out: dict[tuple[str, str], str] = {}
    for source, types in gapped(ctx, by_type).items():
        for entry in types:
            record_type = entry.split(" ", 1)[0]
            out[(source, str(by_type[record_type]))] = entry
    return out


def known_person() -> sa.Exists:
    """The NHI's sponsor is a present person in the identity source."""
    return sa.exists().where(P.c.email == NA.c.sponsor_email, P.c.removed_at.is_(None))


def sponsor_join() -> sa.FromClause:
    """The accountability rows with their sponsor's HR record (when there is one)."""
    return NA.outerjoin(SPONSOR, sa.and_(SPONSOR.c.email == NA.c.sponsor_email,
                                         SPONSOR.c.removed_at.is_(None)))
