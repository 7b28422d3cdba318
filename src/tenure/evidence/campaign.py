"""The sections of a review-campaign package, read from the reviews tables.

The population is exported exactly as snapshotted at creation (each item's snapshot JSON and its
hash), so an auditor can recompute every ``snapshot_hash`` and the ``population_hash`` the
``campaign.created`` ledger entry recorded: nobody can claim an item was added or left out.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from tenure.errors import NotFound
from tenure.evidence import svg
from tenure.evidence.ledger import canonical_json
from tenure.evidence.ledgerslice import LedgerSlice
from tenure.evidence.package import ChartSection, Section, SummarySection, TableSection
from tenure.evidence.period import ledger_table
from tenure.evidence.tabular import Cell, Table, plain, redacted
from tenure.store import schema

POPULATION = "data/population"
CAMPAIGN = "data/campaign"
PLAN = "data/revocation_plan"
DECISIONS = "data/decisions"


@dataclass(frozen=True, slots=True)
class CampaignRef:
    """The campaign being exported and the ledger entries that concern it."""

    id: str
    name: str
    status: str
    as_of: datetime
    subjects: frozenset[str]
    """The campaign id, its item ids and its revocation plans' ids and steps: the ledger
    subjects that belong to it."""
    plan_ids: tuple[str, ...] = ()


def load_campaign(conn: sa.Connection, campaign_id: str) -> CampaignRef:
    """The campaign, or NotFound naming it."""
    c = schema.campaigns
    row = conn.execute(sa.select(c.c.id, c.c.name, c.c.status, c.c.as_of)
                       .where(c.c.id == campaign_id)).first()
    if row is None:
        raise NotFound(f"no campaign {campaign_id!r}")
    items = conn.execute(sa.select(schema.review_items.c.id)
                         .where(schema.review_items.c.campaign_id == campaign_id)).scalars()
    plans = tuple(conn.execute(
        sa.select(schema.revocation_plans.c.id)
        .where(schema.revocation_plans.c.origin == f"campaign:{campaign_id}")
        .order_by(schema.revocation_plans.c.created_at)).scalars())
    steps = [f"{plan}#{step}" for plan, step in conn.execute(
        sa.select(schema.plan_actions.c.plan_id, schema.plan_actions.c.step_index)
        .where(schema.plan_actions.c.plan_id.in_(plans)))]
    return CampaignRef(row.id, row.name, row.status, row.as_of,
                       frozenset([campaign_id, *items, *plans, *steps]), plans)


def slice_bounds(conn: sa.Connection, ref: CampaignRef) -> tuple[int, int] | None:
    """The seq range from the campaign's first ledger entry to its last."""
    t = schema.ledger_entries
    row = conn.execute(sa.select(sa.func.min(t.c.seq), sa.func.max(t.c.seq))
                       .where(t.c.subject.in_(sorted(ref.subjects)))).first()
    if row is None or row[0] is None:
        return None
    return int(row[0]), int(row[1])


def _rows(conn: sa.Connection, query: sa.Select[Any]) -> Table:
    result = conn.execute(query)
    return Table(tuple(result.keys()), [tuple(redacted(plain(v)) for v in r) for r in result])


def _total(counts: object) -> int:
    return sum(int(v) for v in counts.values()) if isinstance(counts, dict) else 0


def _activity_bucket(usage: dict[str, Any], as_of: datetime) -> str:
    if not usage.get("known", False):
        return "unknown (activity not readable)"
    last = usage.get("last_activity_at")
    if not last:
        return "never"
    days = (as_of - datetime.fromisoformat(str(last))).days
    return "≤ 30 days" if days <= 30 else "31-90 days" if days <= 90 else "> 90 days"


def campaign_sections(conn: sa.Connection, ref: CampaignRef,
                      entries: LedgerSlice) -> list[Section]:
    """Summary, charts and tables for one campaign; ``entries`` is the ledger slice."""
    c, items = schema.campaigns, schema.review_items
    campaign = _rows(conn, sa.select(*[col for col in c.columns if col.name != "plan"])
                     .where(c.c.id == ref.id))
    info = dict(zip(campaign.columns, campaign.rows[0], strict=True))
    raw_items = conn.execute(sa.select(items).where(items.c.campaign_id == ref.id)
                             .order_by(items.c.id)).mappings().all()
    population = Table(
        ("id", "kind", "source", "tenant", "subject_id", "label", "person_email", "privileged",
         "recommendation", "recommendation_reason", "risk", "snapshot_hash", "snapshot"),
        [(r["id"], r["kind"], r["source"], r["tenant"], r["subject_id"], r["label"],
          r["person_email"], r["privileged"], r["recommendation"], r["recommendation_reason"],
          r["risk"], r["snapshot_hash"], canonical_json(r["snapshot"])) for r in raw_items])
    usage_rows: list[tuple[Cell, ...]] = []
    buckets: Counter[str] = Counter()
    for r in raw_items:
        snap = r["snapshot"] if isinstance(r["snapshot"], dict) else {}
        usage = snap.get("usage") or {}
        purpose = snap.get("purpose") or {}
        buckets[_activity_bucket(usage, ref.as_of)] += 1
        usage_rows.append(tuple(redacted(v) for v in (
            r["id"], r["label"], bool(usage.get("known", False)),
            plain(usage.get("last_activity_at")), _total(usage.get("events_30d")),
            _total(usage.get("events_90d")), int(usage.get("admin_actions_90d") or 0),
            int(usage.get("requests_30d") or 0), int(usage.get("requests_90d") or 0),
            int(usage.get("tokens_90d") or 0),
            ", ".join(str(f.get("check")) for f in snap.get("findings") or []),
            plain(purpose.get("reason")), plain(purpose.get("expired")))))
    usage_table = Table(("item_id", "label", "activity_known", "last_activity_at",
                         "events_30d", "events_90d", "admin_actions_90d", "requests_30d",
                         "requests_90d", "tokens_90d", "open_findings", "purpose",
                         "purpose_expired"), usage_rows)
    d = schema.review_decisions
    decisions = _rows(conn, sa.select(d.c.item_id, d.c.stage, d.c.reviewer, d.c.decision,
                                      d.c.justification, d.c.snapshot_hash, d.c.decided_at,
                                      d.c.actor)
                      .where(d.c.campaign_id == ref.id).order_by(d.c.id))
    a = schema.review_assignments
    assignments = _rows(conn, sa.select(a.c.item_id, a.c.kind, a.c.from_reviewer,
                                        a.c.to_reviewer, a.c.reason, a.c.at, a.c.actor)
                        .where(a.c.campaign_id == ref.id).order_by(a.c.id))
    outcomes = _rows(conn, sa.select(items.c.id, items.c.label, items.c.reviewer,
                                     items.c.status, items.c.decision, items.c.decided_by,
                                     items.c.decided_at, items.c.justification,
                                     items.c.recommendation, items.c.outcome,
                                     items.c.outcome_reason)
                     .where(items.c.campaign_id == ref.id).order_by(items.c.id))
    plan_raw = conn.execute(sa.select(c.c.plan, c.c.plan_hash).where(c.c.id == ref.id)).first()
    plan_items: list[dict[str, Any]] = list(plan_raw[0] or []) if plan_raw else []
    plan_cols = tuple(plan_items[0].keys()) if plan_items else (
        "item_id", "action", "kind", "source", "tenant", "subject_id", "label", "reason",
        "decided_by", "recommendation", "snapshot_hash")
    plan = Table(plan_cols, [tuple(plain(p.get(k)) for k in plan_cols) for p in plan_items])
    t = schema.ledger_entries
    related = entries.where(t.c.subject.in_(sorted(ref.subjects)))
    actions = [e for e in related if e.kind.startswith(("action.", "plan."))]
    rp, pa = schema.revocation_plans, schema.plan_actions
    plans = _rows(conn, sa.select(rp.c.id, rp.c.sha256, rp.c.origin, rp.c.status,
                                  rp.c.created_at, rp.c.created_by, rp.c.approved_by,
                                  rp.c.approved_at, rp.c.applied_at, rp.c.applied_by)
                  .where(rp.c.id.in_(ref.plan_ids)).order_by(rp.c.created_at))
    revocations = _rows(conn, sa.select(pa.c.plan_id, pa.c.step_index, pa.c.source, pa.c.kind,
                                        pa.c.subject_id, pa.c.action, pa.c.status,
                                        pa.c.detail, pa.c.intent_at, pa.c.outcome_at,
                                        pa.c.verified, pa.c.verified_at)
                        .where(pa.c.plan_id.in_(ref.plan_ids))
                        .order_by(pa.c.plan_id, pa.c.step_index))
    verified = sum(1 for r in revocations.rows if r[10] is True)
    step_status = Counter(str(r[6]) for r in revocations.rows)
    decided = Counter(str(r[3]) for r in decisions.rows)
    outcome_counts = Counter(str(r["outcome"] or "open") for r in raw_items)
    reviewers = Counter(str(r[2]) for r in decisions.rows)
    pairs = Counter(f"{r['recommendation']} → {r['outcome'] or r['decision'] or 'pending'}"
                    for r in raw_items)
    undecided = sum(1 for r in raw_items if r["status"] == "pending")
    closed = ref.status == "closed"
    summary = (
        ("campaign", f"{ref.name} ({ref.status})"),
        ("population at start", f"{len(raw_items):,} items"),
        ("population hash", str(info.get("population_hash", ""))[:16] + "…"),
        ("decisions recorded", f"{len(decisions.rows):,}"),
        # Once closed, nothing is pending: undecided items took the no-response rule.
        ("closed by the no-response rule" if closed else "pending items", f"{undecided:,}"),
        ("revocation plan", f"{len(plan_items):,} actions"),
        ("revocation steps verified", f"{verified:,} / {len(revocations.rows):,}"),
    )
    return [
        SummarySection(summary),
        ChartSection("Outcomes", svg.bar_chart(
            sorted(((k, float(v)) for k, v in outcome_counts.items()), key=lambda p: -p[1]),
            title="Items by outcome")),
        ChartSection("Decisions", svg.bar_chart(
            sorted(((k, float(v)) for k, v in decided.items()), key=lambda p: -p[1]),
            title="Decisions recorded")),
        ChartSection("Recommendation vs outcome", svg.bar_chart(
            sorted(((k, float(v)) for k, v in pairs.items()), key=lambda p: -p[1]),
            title="Recommendation → outcome")),
        ChartSection("Activity", svg.bar_chart(
            [(k, float(buckets[k])) for k in ("≤ 30 days", "31-90 days", "> 90 days", "never",
                                              "unknown (activity not readable)")
             if buckets[k]], title="Items by last activity at campaign start")),
        ChartSection("Reviewers", svg.bar_chart(
            sorted(((k, float(v)) for k, v in reviewers.items()), key=lambda p: -p[1]),
            title="Decisions per reviewer")),
        ChartSection("Revocations", svg.bar_chart(
            sorted(((k, float(v)) for k, v in step_status.items()), key=lambda p: -p[1]),
            title="Revocation steps by status")),
        TableSection(CAMPAIGN, "Campaign", "The campaign's definition, population query, size "
                     "and hash, and the revocation plan hash.", campaign,
                     query=f"campaigns where id = {ref.id}"),
        TableSection(POPULATION, "Population at start",
                     f"Every item snapshotted at creation ({len(raw_items)} rows; population "
                     f"hash {info.get('population_hash')}). The snapshot column is the exact "
                     "JSON that was hashed.", population,
                     query=str(info.get("population_query", "")), as_of=ref.as_of,
                     report_rows=25, report_columns=(
                         "id", "kind", "subject_id", "label", "person_email", "privileged",
                         "recommendation", "recommendation_reason", "risk", "snapshot_hash")),
        TableSection("data/usage_context", "Items with usage context",
                     "What each reviewer was shown about usage, findings and purpose.",
                     usage_table, as_of=ref.as_of, report_rows=25),
        TableSection(DECISIONS, "Decisions", "Every decision with its reviewer, justification "
                     "and the snapshot hash of what the reviewer saw.", decisions),
        TableSection("data/assignments", "Delegations and escalations",
                     "Every change of reviewer.", assignments),
        TableSection("data/outcomes", "Outcomes", "Each item's final decision and outcome "
                     "(after the no-response rule and stage combination).", outcomes),
        TableSection(PLAN, "Revocation plan",
                     f"The plan written at close (plan hash {info.get('plan_hash')}).", plan),
        TableSection("data/revocation_plans", "Revocation plans",
                     "Plans built from this campaign's outcomes: hash, approval and "
                     "application.", plans, query=f"revocation_plans where origin = "
                     f"campaign:{ref.id}"),
        TableSection("data/revocations", "Revocations and their verification",
                     "Each planned vendor action: its outcome and whether a fresh read "
                     "verified the post-state.", revocations),
        TableSection("data/revocation_actions", "Revocation ledger entries",
                     "The plan and action entries (intent, outcome, verified) in the ledger.",
                     ledger_table(actions),
                     report_columns=("seq", "ts", "actor", "kind", "subject", "payload")),
        TableSection("data/campaign_ledger", "Campaign ledger entries",
                     "The slice's entries about this campaign and its items.",
                     ledger_table(related), report_rows=15,
                     report_columns=("seq", "ts", "actor", "kind", "subject", "entry_hash")),
        entries.section("The contiguous ledger slice from the campaign's first entry to its "
                        "last.", "seq from the campaign's first ledger entry to its last"),
    ]


def check_population(population: list[dict[str, Any]], campaign: dict[str, Any],
                     plan: list[dict[str, Any]], decisions: list[dict[str, Any]],
                     created_payload: dict[str, Any] | None) -> list[tuple[str, str]]:
    """Recompute the campaign's hashes from the package's files: (file, problem) pairs."""
    from tenure.evidence.ledger import sha256_hex

    problems: list[tuple[str, str]] = []
    pairs = []
    for row in population:
        try:
            snapshot = json.loads(str(row["snapshot"]))
        except (KeyError, json.JSONDecodeError):
            problems.append((f"{POPULATION}.json", f"item {row.get('id')}: snapshot is not "
                             "JSON"))
            continue
        if sha256_hex(canonical_json(snapshot)) != row.get("snapshot_hash"):
            problems.append((f"{POPULATION}.json", f"item {row.get('id')}: snapshot does not "
                             "match its snapshot_hash"))
        pairs.append((row.get("id"), row.get("snapshot_hash")))
    population_hash = sha256_hex(canonical_json(sorted(pairs)))
    if population_hash != campaign.get("population_hash"):
        problems.append((f"{POPULATION}.json", "recomputed population hash differs from the "
                         "campaign's"))
    if len(population) != campaign.get("population_size"):
        problems.append((f"{POPULATION}.json", f"{len(population)} items but the campaign "
                         f"recorded {campaign.get('population_size')}"))
    if created_payload is None:
        problems.append(("ledger/entries.jsonl", "no campaign.created entry in the slice"))
    elif created_payload.get("population_hash") != population_hash:
        problems.append(("ledger/entries.jsonl", "the campaign.created entry records a "
                         "different population hash"))
    if campaign.get("plan_hash") and sha256_hex(canonical_json(plan)) != campaign["plan_hash"]:
        problems.append((f"{PLAN}.json", "recomputed plan hash differs from the campaign's"))
    seen = {str(r.get("id")): r.get("snapshot_hash") for r in population}
    for d in decisions:
        if seen.get(str(d.get("item_id"))) != d.get("snapshot_hash"):
            problems.append((f"{DECISIONS}.json", f"decision on {d.get('item_id')} records a "
                             "snapshot hash that is not the item's"))
    return problems
