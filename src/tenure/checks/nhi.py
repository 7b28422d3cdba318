"""Accountability of non-human identities: nobody answers for it, its sponsor left, it
stopped being used. Read from ``nhi_accountability`` (rebuilt before every check run by
``tenure.nhi.resolve``), the identity source and the activity and usage rollups."""

from __future__ import annotations

from collections.abc import Sequence

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
from tenure.checks.nhi_sql import FR, NA, SPONSOR, kind_gapped, known_person, sponsor_join
from tenure.checks.registry import define
from tenure.checks.sql import AD, C, U, used
from tenure.frameworks import iso27001, nist_csf, owasp_asi, owasp_nhi, soc2
from tenure.model import NhiKind, OwnerKind
from tenure.store import schema

SPONSORED = (NhiKind.SERVICE_ACCOUNT, NhiKind.WORKLOAD_IDENTITY, NhiKind.AGENT,
             NhiKind.DEPLOYMENT)
SUBJECT = {NhiKind.SERVICE_ACCOUNT: SubjectType.SERVICE_ACCOUNT,
           NhiKind.WORKLOAD_IDENTITY: SubjectType.WORKLOAD_IDENTITY,
           NhiKind.AGENT: SubjectType.AGENT, NhiKind.DEPLOYMENT: SubjectType.DEPLOYMENT}


def nhi_hits(ctx: EvalContext, rows: Sequence[sa.RowMapping], evidence: Sequence[str],
             kinds: Sequence[NhiKind] = SPONSORED) -> list[Hit]:
    """Hits from accountability rows (``subject_type``, ``source``, ``subject_id``,
    ``sponsor_email``, ``person`` + evidence); kinds a source could not read report manual."""
    missing = kind_gapped(ctx, kinds)
    hits = [Hit(source=r["source"], subject_type=SUBJECT[NhiKind(r["subject_type"])],
                subject_id=r["subject_id"], subject_email=r["sponsor_email"],
                person=r["person"],
                evidence={"kind": r["subject_type"],
                          **{name: jsonable(r[name]) for name in evidence}})
            for r in rows if (r["source"], r["subject_type"]) not in missing]
    by_source: dict[str, list[str]] = {}
    for (source, _), entry in sorted(missing.items()):
        by_source.setdefault(source, []).append(entry)
    return hits + [Hit(source, SubjectType.SOURCE, source, None, None,
                       {"reason": "not read in the latest sync: " + "; ".join(types)},
                       status=FindingStatus.MANUAL) for source, types in by_source.items()]


def _without_sponsor(ctx: EvalContext) -> list[Hit]:
    stmt = (
        sa.select(NA.c.source, NA.c.subject_type, NA.c.subject_id, NA.c.sponsor_email,
                  sa.null().label("person"), NA.c.name, NA.c.basis, NA.c.reason)
        .where(NA.c.live, NA.c.subject_type.in_([str(k) for k in SPONSORED]),
               sa.or_(NA.c.sponsor_email.is_(None), sa.not_(known_person())))
        .order_by(NA.c.source, NA.c.subject_id))
    return nhi_hits(ctx, ctx.conn.execute(stmt).mappings().all(), ("name", "basis", "reason"))


define(Check(
    id="nhi-without-sponsor",
    title="Non-human identity with no accountable human",
    severity=Severity.HIGH,
    subject_type=SubjectType.SERVICE_ACCOUNT,
    rationale="A service account, federation rule, agent or deployment that nobody answers "
              "for is never reviewed, rotated or retired: when it misbehaves or leaks there "
              "is no one to ask, and when its purpose ends nobody notices.",
    remediation="Record its sponsor (`tenure sponsor set ID --owner EMAIL --reason …`), name "
                "the owner in its metadata by the configured convention, or retire it.",
    actions=("anthropic.archive_federation_rule", "anthropic.archive_service_account",
             "anthropic.set_key_status", "openai.delete_service_account"),
    frameworks=(owasp_nhi("NHI1"), owasp_asi("ASI03"), nist_csf("PR.AA-01"), soc2("CC6.2"),
                iso27001("A.5.16")),
    needs=("person", "account"),
    reads=("sponsor", "service_account", "federation_rule", "agent", "agent_deployment"),
    evaluate=_without_sponsor,
))


def _sponsor_left(ctx: EvalContext) -> list[Hit]:
    terminated = SPONSOR.c.status == "terminated"
    provisional = NA.c.provisional  # passed by succession (or inherited from one), unaccepted
    stmt = (
        sa.select(NA.c.source, NA.c.subject_type, NA.c.subject_id, NA.c.sponsor_email,
                  SPONSOR.c.email.label("person"), NA.c.name, NA.c.basis,
                  NA.c.previous_owner, SPONSOR.c.status.label("sponsor_status"),
                  SPONSOR.c.end_date.label("sponsor_end_date"), NA.c.reason)
        .select_from(sponsor_join())
        .where(NA.c.live, NA.c.subject_type.in_([str(k) for k in SPONSORED]),
               sa.or_(terminated, provisional))
        .order_by(NA.c.source, NA.c.subject_id))
    return nhi_hits(ctx, ctx.conn.execute(stmt).mappings().all(),
                    ("name", "basis", "previous_owner", "sponsor_status", "sponsor_end_date",
                     "reason"))


define(Check(
    id="nhi-sponsor-left",
    title="Non-human identity whose sponsor left or moved",
    severity=Severity.HIGH,
    subject_type=SubjectType.SERVICE_ACCOUNT,
    rationale="When the person who answers for a service account, federation rule or agent "
              "leaves, the identity keeps working (keys active, rule live, deployment "
              "scheduled) with nobody watching it. Until the successor accepts it, "
              "accountability is only provisional.",
    remediation="The successor (the sponsor's manager) accepts, reassigns or revokes in the "
                "one-item review `tenure lifecycle run` opens; with no answer the identity "
                "is contained.",
    actions=("anthropic.archive_federation_rule", "anthropic.archive_service_account",
             "anthropic.set_key_status", "openai.delete_service_account"),
    frameworks=(owasp_nhi("NHI1"), nist_csf("PR.AA-01"), nist_csf("GV.RR-04"),
                soc2("CC6.2"), iso27001("A.5.18")),
    needs=("person", "account"),
    reads=("sponsor", "service_account", "federation_rule", "agent", "agent_deployment"),
    evaluate=_sponsor_left,
))


def _dormant_service_account(ctx: EvalContext) -> list[Hit]:
    days = ctx.params.int("window_days")
    since, since_day = ctx.before(days), ctx.day_before(days)
    acted = sa.exists().where(AD.c.source == NA.c.source, AD.c.principal_type == "account",
                              AD.c.principal_id == NA.c.subject_id, AD.c.day >= since_day)
    keys = (sa.select(C.c.external_id).where(
        C.c.source == NA.c.source, C.c.owner_type == str(OwnerKind.SERVICE_ACCOUNT),
        C.c.owner_id == NA.c.subject_id))
    key_used = sa.or_(
        sa.exists().where(U.c.source == NA.c.source, U.c.subject_type == "api_key",
                          U.c.subject_id.in_(keys), U.c.day >= since_day,
                          used()),
        sa.exists().where(C.c.source == NA.c.source, C.c.owner_id == NA.c.subject_id,
                          C.c.owner_type == str(OwnerKind.SERVICE_ACCOUNT),
                          C.c.last_used_at >= since),
        sa.exists().where(AD.c.source == NA.c.source, AD.c.principal_type == "credential",
                          AD.c.principal_id.in_(keys),
                          AD.c.day >= since_day))
    act, tgt = schema.activities, schema.activity_targets
    federated = sa.or_(
        sa.exists().where(act.c.source == NA.c.source,
                          act.c.action == "platform_federated_authentication",
                          act.c.target_id == NA.c.subject_id, act.c.occurred_at >= since),
        sa.exists().where(tgt.c.source == NA.c.source, tgt.c.target_id == NA.c.subject_id,
                          tgt.c.occurred_at >= since, sa.exists().where(
                              act.c.source == tgt.c.source, act.c.tenant == tgt.c.tenant,
                              act.c.occurred_at == tgt.c.occurred_at,
                              act.c.external_id == tgt.c.external_id,
                              act.c.action == "platform_federated_authentication")))
    created = sa.func.coalesce(schema.accounts.c.created_at, schema.accounts.c.first_seen_at)
    old_enough = sa.exists().where(
        schema.accounts.c.source == NA.c.source,
        schema.accounts.c.external_id == NA.c.subject_id, created <= since)
    live_rules = (sa.select(sa.func.count()).where(
        FR.c.source == NA.c.source, FR.c.target_service_account_id == NA.c.subject_id,
        FR.c.archived_at.is_(None), FR.c.removed_at.is_(None)).scalar_subquery())
    stmt = (
        sa.select(NA.c.source, NA.c.subject_type, NA.c.subject_id, NA.c.sponsor_email,
                  sa.null().label("person"), NA.c.name, live_rules.label("live_rules"),
                  sa.literal(days).label("window_days"))
        .where(NA.c.live, NA.c.subject_type == str(NhiKind.SERVICE_ACCOUNT), old_enough,
               sa.not_(acted), sa.not_(key_used), sa.not_(federated))
        .order_by(NA.c.source, NA.c.subject_id))
    return nhi_hits(ctx, ctx.conn.execute(stmt).mappings().all(),
                    ("name", "live_rules", "window_days"), kinds=(NhiKind.SERVICE_ACCOUNT,))


define(Check(
    id="service-account-dormant",
    title="Service account with no activity in the window",
    severity=Severity.MEDIUM,
    subject_type=SubjectType.SERVICE_ACCOUNT,
    rationale="A service account that has not acted (no feed events as the service account, "
              "no usage on its keys, no federation logins) keeps its workspace memberships, "
              "keys and rules: standing access with no purpose left, and an unwatched door.",
    remediation="Ask its sponsor; archive its federation rules, deactivate its keys and "
                "archive the service account if it is no longer needed.",
    actions=("anthropic.archive_federation_rule", "anthropic.archive_service_account",
             "anthropic.set_key_status", "openai.delete_service_account"),
    frameworks=(owasp_nhi("NHI1"), owasp_nhi("NHI5"), nist_csf("PR.AA-05"), soc2("CC6.3"),
                iso27001("A.5.18")),
    needs=("account", "activity", "usage"),
    params=(Param("window_days", 90, "Days without activity before a service account "
                  "fails (new ones are judged after existing that long)."),),
    reads=("service_account", "credential", "federation_rule", "sponsor"),
    evaluate=_dormant_service_account,
))
