"""What each role sees first: the admin's open findings (by severity and check, with a 12-week
trend), sources and their freshness, campaigns' progress, plans awaiting approval or apply and
overdue manual tasks; the auditor's evidence (ledger, checkpoints, packages); the reviewer's
queue. A fixed number of queries, whatever the store's size.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from tenure.services import inventory, reviews
from tenure.services.context import App
from tenure.services.findings import OPEN
from tenure.store import schema

F, PL, MT, L, CK = (schema.findings, schema.revocation_plans, schema.manual_tasks,
                    schema.ledger_entries, schema.ledger_checkpoints)
ITEMS, CMP = schema.review_items, schema.campaigns
SEVERITIES = ("critical", "high", "medium", "low", "info")
WEEKS = 12


@dataclass(frozen=True, slots=True)
class ChecksRun:
    """When the checks last ran, by whom, what triggered it, how many of the catalogue ran
    (a sync, an apply or a close re-runs only the checks reading what changed), and when each
    check and the whole catalogue last ran."""

    at: datetime | None
    actor: str | None
    trigger: str | None
    ran: int | None = None
    of: int | None = None
    changed: tuple[str, ...] = ()
    all_at: datetime | None = None
    per_check: dict[str, datetime] = field(default_factory=dict)

    @property
    def partial(self) -> bool:
        """The latest run re-evaluated only part of the catalogue."""
        return self.ran is not None and self.of is not None and self.ran < self.of

    def check_at(self, check_id: str) -> datetime | None:
        """When ``check_id`` last ran (the last full run when no recent entry names it)."""
        return self.per_check.get(check_id, self.all_at)


RECENT_RUNS = 200


def checks_last_run(app: App) -> ChecksRun:
    """From the latest ``checks.run`` ledger entries (every run writes one)."""
    import json

    with app.engine.connect() as conn:
        rows = conn.execute(sa.select(L.c.ts, L.c.actor, L.c.payload)
                            .where(L.c.kind == "checks.run")
                            .order_by(L.c.seq.desc()).limit(RECENT_RUNS)).all()
    if not rows:
        return ChecksRun(None, None, None)
    per_check: dict[str, datetime] = {}
    all_at: datetime | None = None
    for row in rows:
        payload = json.loads(row.payload)
        ids = payload.get("check_ids")
        if ids is None or payload.get("checks") == payload.get("of"):
            all_at = row.ts  # entries before per-check records ran the whole catalogue
            break
        for check_id in ids:
            per_check.setdefault(check_id, row.ts)
    latest = json.loads(rows[0].payload)
    return ChecksRun(rows[0].ts, rows[0].actor, latest.get("trigger"),
                     ran=latest.get("checks"), of=latest.get("of"),
                     changed=tuple(latest.get("changed") or ()), all_at=all_at,
                     per_check=per_check)


@dataclass(frozen=True, slots=True)
class AdminDashboard:
    """The admin's home."""

    by_severity: dict[str, int]
    by_check: list[tuple[str, str, int]]
    trend_weeks: list[str]
    trend: dict[str, list[int]]
    sources: list[inventory.SourceStatus]
    campaigns: list[reviews.CampaignSummary]
    plans_to_approve: list[dict[str, Any]]
    plans_to_apply: list[dict[str, Any]]
    overdue_tasks: list[dict[str, Any]]
    checks: ChecksRun
    stale_after_hours: int


def admin(app: App) -> AdminDashboard:
    """Counts and lists for the admin dashboard."""
    now = app.now()
    ends = [now - timedelta(weeks=WEEKS - 1 - i) for i in range(WEEKS)]
    with app.engine.connect() as conn:
        by_severity = dict.fromkeys(SEVERITIES, 0)
        by_check = []
        for check, severity, n in conn.execute(
                sa.select(F.c.check_id, F.c.severity, sa.func.count())
                .where(F.c.status.in_(OPEN)).group_by(F.c.check_id, F.c.severity)
                .order_by(sa.func.count().desc(), F.c.check_id)):
            by_severity[severity] = by_severity.get(severity, 0) + int(n)
            by_check.append((str(check), str(severity), int(n)))
        # Open at the end of each week: opened by then, not resolved by then.
        cols = [sa.func.sum(sa.case((sa.and_(F.c.first_seen <= end, sa.or_(
            F.c.resolved_at.is_(None), F.c.resolved_at > end)), 1), else_=0)).label(f"w{i}")
            for i, end in enumerate(ends)]
        trend: dict[str, list[int]] = {}
        for row in conn.execute(sa.select(F.c.severity, *cols).group_by(F.c.severity)):
            trend[str(row[0])] = [int(v or 0) for v in row[1:]]
        plans = [dict(r) for r in conn.execute(
            sa.select(PL.c.id, PL.c.origin, PL.c.status, PL.c.created_at, PL.c.created_by,
                      PL.c.approved_by, PL.c.approved_at)
            .where(PL.c.status.in_(("planned", "approved")))
            .order_by(PL.c.created_at.desc())).mappings()]
        overdue = [dict(r) for r in conn.execute(
            sa.select(MT).where(MT.c.status == "open", MT.c.due < now.date())
            .order_by(MT.c.due).limit(20)).mappings()]
    ordered = {s: trend[s] for s in SEVERITIES if s in trend}
    return AdminDashboard(
        by_severity, by_check[:12], [e.strftime("%b %d") for e in ends], ordered,
        inventory.source_status(app),
        [c for c in reviews.list_campaigns(app) if c.status == "open"],
        [p for p in plans if p["status"] == "planned"],
        [p for p in plans if p["status"] == "approved"], overdue, checks_last_run(app),
        app.settings.reviews.max_source_age_hours)


@dataclass(frozen=True, slots=True)
class AuditorDashboard:
    """The auditor's home."""

    entries: int
    first_at: datetime | None
    last_at: datetime | None
    by_kind: list[tuple[str, int]]
    checkpoints: list[dict[str, Any]]
    packages: list[dict[str, Any]]
    campaigns: list[reviews.CampaignSummary]


def auditor(app: App) -> AuditorDashboard:
    """Evidence at a glance: the ledger, its signed checkpoints, exported packages."""
    with app.engine.connect() as conn:
        entries, first, last = conn.execute(
            sa.select(sa.func.count(), sa.func.min(L.c.ts), sa.func.max(L.c.ts))).one()
        kinds = [(str(k), int(n)) for k, n in conn.execute(
            sa.select(L.c.kind, sa.func.count()).group_by(L.c.kind)
            .order_by(sa.func.count().desc()).limit(10))]
        checkpoints = [dict(r) for r in conn.execute(
            sa.select(CK.c.tree_size, CK.c.ts, CK.c.key_id, CK.c.merkle_root)
            .order_by(CK.c.id.desc()).limit(5)).mappings()]
        packages = [dict(r) for r in conn.execute(
            sa.select(L.c.ts, L.c.actor, L.c.kind, L.c.subject)
            .where(L.c.kind.like("evidence.export%"))
            .order_by(L.c.seq.desc()).limit(10)).mappings()]
    return AuditorDashboard(int(entries), first, last, kinds, checkpoints, packages,
                            reviews.list_campaigns(app))


@dataclass(frozen=True, slots=True)
class ReviewerDashboard:
    """The reviewer's home: their pending work by recommendation and campaign."""

    pending: int
    decided: int
    by_recommendation: dict[str, int]
    campaigns: list[tuple[str, str, datetime, int]]


def reviewer(app: App, email: str) -> ReviewerDashboard:
    """A reviewer's queue in numbers."""
    who = email.strip().lower()
    joined = ITEMS.join(CMP, CMP.c.id == ITEMS.c.campaign_id)
    base = sa.and_(ITEMS.c.reviewer == who, CMP.c.status == "open")
    with app.engine.connect() as conn:
        counts = {str(s): int(n) for s, n in conn.execute(
            sa.select(ITEMS.c.status, sa.func.count()).select_from(joined).where(base)
            .group_by(ITEMS.c.status))}
        recs = {str(r): int(n) for r, n in conn.execute(
            sa.select(ITEMS.c.recommendation, sa.func.count()).select_from(joined)
            .where(base, ITEMS.c.status == "pending").group_by(ITEMS.c.recommendation))}
        campaigns = [(str(c), str(n), d, int(k)) for c, n, d, k in conn.execute(
            sa.select(CMP.c.id, CMP.c.name, CMP.c.due_at, sa.func.count()).select_from(joined)
            .where(base, ITEMS.c.status == "pending")
            .group_by(CMP.c.id, CMP.c.name, CMP.c.due_at).order_by(CMP.c.due_at))]
    return ReviewerDashboard(int(counts.get("pending", 0)), int(counts.get("decided", 0)),
                             recs, campaigns)
