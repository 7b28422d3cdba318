"""Findings use cases: run the checks, keep findings in step, list, mute, report coverage.

A run evaluates every check as of the clock, upserts findings by their deterministic id,
resolves the ones whose condition cleared, and writes a ledger entry for each change in the
same transaction. A muted finding stays listed (``muted``) and counts again at expiry.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from tenure.checks.affected import affected
from tenure.checks.availability import source_states
from tenure.checks.base import Check, EvidenceValue, FindingStatus, Severity, SubjectType
from tenure.checks.engine import CheckOutcome, Result, evaluate_checks
from tenure.checks.params import validate_overrides
from tenure.checks.policy import load_policies
from tenure.checks.registry import load_builtin_checks
from tenure.errors import NotFound, TenureError
from tenure.evidence import ledger
from tenure.frameworks import FRAMEWORKS
from tenure.nhi import resolve as nhi_resolve
from tenure.services.context import App
from tenure.services.principal import require_role
from tenure.services.web_users import Role
from tenure.store import schema

F, M = schema.findings, schema.finding_mutes
OPEN = (str(FindingStatus.FAIL), str(FindingStatus.MANUAL), str(FindingStatus.ERROR))


def catalogue(app: App) -> list[Check]:
    """The built-in checks plus the custom policies of the configured folder."""
    checks = [c for _, c in load_builtin_checks().items()]
    folder = app.settings.resolved_policies_dir()
    if folder is not None:
        checks += load_policies(folder, reserved={c.id for c in checks})
    return checks


@dataclass(slots=True)
class RunSummary:
    """What a checks run changed."""

    outcomes: list[CheckOutcome]
    opened: list[str] = field(default_factory=list)
    resolved: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unmuted: list[str] = field(default_factory=list)
    seconds: float = 0.0


def _row(result: Result, now: datetime) -> dict[str, Any]:
    hit = result.hit
    return {"id": result.id, "check_id": result.check.id, "source": hit.source,
            "subject_type": str(hit.subject_type), "subject_id": hit.subject_id,
            "subject_email": hit.subject_email, "person_email": hit.person,
            "status": str(result.status), "severity": str(result.check.severity),
            "evidence": dict(hit.evidence), "last_seen": now, "resolved_at": None}


def _ledger_payload(result: Result) -> dict[str, Any]:
    hit = result.hit
    return {"finding_id": result.id, "check": result.check.id, "status": str(result.status),
            "severity": str(result.check.severity), "source": hit.source,
            "subject_type": str(hit.subject_type), "subject_id": hit.subject_id,
            "evidence": dict(hit.evidence)}


def _expire_mutes(conn: sa.Connection, *, now: datetime, actor: str) -> list[str]:
    expired = conn.execute(
        sa.select(M.c.id, M.c.finding_id, M.c.until, M.c.reason)
        .where(M.c.until <= now, M.c.expired_at.is_(None)).order_by(M.c.id)
    ).all()
    if not expired:
        return []
    conn.execute(M.update().where(M.c.id.in_([row.id for row in expired]))
                 .values(expired_at=now))
    for row in expired:
        ledger.append(conn, kind="finding.unmuted", actor=actor, now=now,
                      subject=row.finding_id,
                      payload={"finding_id": row.finding_id, "mute_id": row.id,
                               "until": row.until, "reason": "mute expired"})
    return [row.finding_id for row in expired]


def persist_outcomes(
    conn: sa.Connection, outcomes: Sequence[CheckOutcome], *, now: datetime, actor: str,
    wall: datetime | None = None,
) -> RunSummary:
    """Upsert findings, resolve cleared ones and record every change in the ledger.

    Mutes expire on the wall clock (``wall``; ``now`` when not given): evaluating as of a
    future date must not end a mute early."""
    summary = RunSummary(list(outcomes))
    summary.unmuted = _expire_mutes(conn, now=wall or now, actor=actor)
    by_check = {o.check.id: o for o in outcomes}
    existing = {
        row.id: row for row in conn.execute(
            sa.select(F.c.id, F.c.check_id, F.c.status, F.c.source, F.c.subject_type)
            .where(F.c.check_id.in_(list(by_check)))
        )
    }
    current = {r.id: r for o in outcomes for r in o.results}
    inserts, updates = [], []
    for fid, result in current.items():
        row = _row(result, now)
        old = existing.get(fid)
        if old is None:
            inserts.append({**row, "first_seen": now})
            summary.opened.append(fid)
        else:
            updates.append({f"b_{k}": v for k, v in row.items()})
            if old.status not in OPEN:
                summary.opened.append(fid)
            elif old.status != row["status"]:
                summary.changed.append(fid)
    for fid, old in existing.items():
        if old.status not in OPEN or fid in current:
            continue
        outcome = by_check[old.check_id]
        judged = old.subject_type in (SubjectType.SOURCE, SubjectType.CHECK) or (
            old.source not in outcome.manual)
        if outcome.error is None and judged:
            summary.resolved.append(fid)
    if inserts:
        conn.execute(F.insert(), inserts)
    if updates:
        columns = [c for c in updates[0] if c != "b_id"]
        conn.execute(F.update().where(F.c.id == sa.bindparam("b_id"))
                     .values({c.removeprefix("b_"): sa.bindparam(c) for c in columns}), updates)
    if summary.resolved:
        conn.execute(F.update().where(F.c.id.in_(summary.resolved))
                     .values(status=str(FindingStatus.PASS), resolved_at=now, last_seen=now))
    entries = [ledger.Pending(kind, _ledger_payload(current[fid]), fid)
               for kind, ids in (("finding.opened", summary.opened),
                                 ("finding.changed", summary.changed)) for fid in ids]
    entries += [ledger.Pending("finding.resolved", {
        "finding_id": fid, "check": existing[fid].check_id,
        "previous_status": existing[fid].status, "source": existing[fid].source}, fid)
        for fid in summary.resolved]
    ledger.append_many(conn, entries, actor=actor, now=now)
    return summary


def run_affected_checks(app: App, changed: Collection[str], *, trigger: str
                        ) -> RunSummary | None:
    """Re-evaluate only the checks that read one of the ``changed`` data kinds (what a sync,
    an apply or a close changed: ``services.touched``); None when no check reads any."""
    checks = affected(catalogue(app), changed)
    if not checks:
        return None
    return run_checks(app, only=[c.id for c in checks], trigger=trigger, changed=changed)


def run_checks(app: App, *, only: Sequence[str] = (), trigger: str = "manual",
               changed: Collection[str] | None = None) -> RunSummary:
    """Evaluate the catalogue (or the ``only`` ids) as of the clock and update findings.

    Every run is a ``checks.run`` ledger entry (what triggered it: ``manual``, ``sync:NAME``,
    ``apply:PLAN``, ``close:CAMPAIGN``; which checks ran, of how many, and what ``changed``
    made them run), which is how pages say when checks last ran."""
    started = time.perf_counter()
    checks = catalogue(app)
    validate_overrides(checks, app.settings.checks)
    total = len(checks)
    if only:
        known = {c.id for c in checks}
        for check_id in only:
            if check_id not in known:
                raise NotFound(f"no check {check_id!r} (see `tenure checks`)")
        checks = [c for c in checks if c.id in set(only)]
    now = app.now()
    with app.engine.begin() as conn:
        states = source_states(conn, app.settings)
        # Who answers for each non-human identity, resolved from the store as it is now.
        nhi_resolve.refresh(conn, app.settings.nhi, app.wall())
        outcomes = evaluate_checks(conn, checks, now=now, states=states,
                                   overrides=app.settings.checks)
        summary = persist_outcomes(conn, outcomes, now=now, actor=app.actor, wall=app.wall())
        ledger.append(conn, kind="checks.run", actor=app.actor, now=app.wall(), subject=None,
                      payload={"trigger": trigger, "checks": len(checks), "of": total,
                               "check_ids": sorted(c.id for c in checks),
                               "changed": sorted(changed) if changed is not None else None,
                               "opened": len(summary.opened),
                               "resolved": len(summary.resolved), "as_of": now})
    summary.seconds = time.perf_counter() - started
    return summary


@dataclass(frozen=True, slots=True)
class FindingFilter:
    """Which findings to list."""

    check: str | None = None
    severity: Severity | None = None
    source: str | None = None
    statuses: tuple[str, ...] = OPEN
    finding_id: str | None = None


@dataclass(frozen=True, slots=True)
class FindingView:
    """A finding as shown to people and machines."""

    id: str
    check: str
    title: str
    severity: str
    status: str
    source: str
    subject_type: str
    subject_id: str
    subject_email: str | None
    person: str | None
    evidence: Mapping[str, EvidenceValue]
    frameworks: list[str]
    remediation: str
    first_seen: datetime
    last_seen: datetime
    resolved_at: datetime | None
    muted: bool
    muted_until: datetime | None
    mute_reason: str | None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (the documented `tenure findings --format json` object)."""
        return {
            "id": self.id, "check": self.check, "title": self.title,
            "severity": self.severity, "status": self.status, "source": self.source,
            "subject_type": self.subject_type, "subject_id": self.subject_id,
            "subject_email": self.subject_email, "person": self.person,
            "evidence": dict(self.evidence), "frameworks": list(self.frameworks),
            "remediation": self.remediation,
            "first_seen": self.first_seen.isoformat(), "last_seen": self.last_seen.isoformat(),
            "resolved_at": self.resolved_at.isoformat() if self.resolved_at else None,
            "muted": self.muted,
            "muted_until": self.muted_until.isoformat() if self.muted_until else None,
            "mute_reason": self.mute_reason,
        }


def _where(filt: FindingFilter) -> list[sa.ColumnElement[bool]]:
    where: list[sa.ColumnElement[bool]] = [F.c.status.in_(filt.statuses)]
    if filt.check:
        where.append(F.c.check_id == filt.check)
    if filt.severity:
        where.append(F.c.severity == str(filt.severity))
    if filt.source:
        where.append(F.c.source == filt.source)
    if filt.finding_id:
        where.append(F.c.id == filt.finding_id)
    return where


SEVERITY_RANK = sa.case({s.value: s.rank for s in Severity}, value=F.c.severity, else_=0)
"""Most severe first, in SQL (so a page is picked by the database, not in Python)."""


def query_findings(
    conn: sa.Connection, checks: Sequence[Check], filt: FindingFilter, *, now: datetime,
    limit: int | None = None, offset: int = 0,
) -> list[FindingView]:
    """Findings matching ``filt``, most severe first (then check, source, subject), with their
    mute state as of ``now``; ``limit``/``offset`` page in SQL."""
    by_id = {c.id: c for c in checks}
    stmt = (sa.select(F).where(*_where(filt))
            .order_by(SEVERITY_RANK.desc(), F.c.check_id, F.c.source, F.c.subject_id, F.c.id))
    if limit is not None:
        stmt = stmt.limit(limit).offset(offset)
    rows = list(conn.execute(stmt).mappings())
    mutes = _mutes_of(conn, [r["id"] for r in rows], now)
    views = []
    for row in rows:
        check = by_id.get(row["check_id"])
        until, reason = mutes.get(row["id"], (None, None))
        views.append(FindingView(
            id=row["id"], check=row["check_id"], title=check.title if check else "",
            severity=row["severity"], status=row["status"], source=row["source"],
            subject_type=row["subject_type"], subject_id=row["subject_id"],
            subject_email=row["subject_email"], person=row["person_email"],
            evidence=row["evidence"] or {},
            frameworks=[r.key for r in check.frameworks] if check else [],
            remediation=check.remediation if check else "",
            first_seen=row["first_seen"], last_seen=row["last_seen"],
            resolved_at=row["resolved_at"], muted=until is not None,
            muted_until=until, mute_reason=reason))
    return views


def _mutes_of(conn: sa.Connection, ids: Sequence[str], now: datetime
              ) -> dict[str, tuple[datetime, str]]:
    """The active mute (latest expiry) of each of ``ids``."""
    out: dict[str, tuple[datetime, str]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        for row in conn.execute(sa.select(M.c.finding_id, M.c.until, M.c.reason)
                                .where(M.c.finding_id.in_(chunk), M.c.until > now)
                                .order_by(M.c.finding_id, M.c.until)):
            out[row.finding_id] = (row.until, row.reason)  # the latest expiry wins
    return out


def count_findings(conn: sa.Connection, filt: FindingFilter
                   ) -> tuple[int, dict[str, int], list[tuple[str, int]]]:
    """How many findings match ``filt``: in all, by severity and by check (most first)."""
    rows = conn.execute(sa.select(F.c.severity, F.c.check_id, sa.func.count())
                        .where(*_where(filt)).group_by(F.c.severity, F.c.check_id)).all()
    by_severity: dict[str, int] = {}
    by_check: dict[str, int] = {}
    for severity, check_id, n in rows:
        by_severity[severity] = by_severity.get(severity, 0) + int(n)
        by_check[check_id] = by_check.get(check_id, 0) + int(n)
    order = [s.value for s in Severity]
    return (sum(by_severity.values()),
            {s: by_severity[s] for s in order if by_severity.get(s)},
            sorted(by_check.items(), key=lambda kv: (-kv[1], kv[0])))


def list_findings(app: App, filt: FindingFilter = FindingFilter(), *, limit: int | None = None,
                  offset: int = 0) -> list[FindingView]:
    """Stored findings matching ``filt`` (run `run_checks` first for fresh ones)."""
    with app.engine.connect() as conn:
        return query_findings(conn, catalogue(app), filt, now=app.now(), limit=limit,
                              offset=offset)


@dataclass(frozen=True, slots=True)
class MuteView:
    """An exception recorded on a finding."""

    finding_id: str
    reason: str
    until: datetime
    created_by: str
    created_at: datetime


def mute_finding(app: App, finding_id: str, *, reason: str, until: datetime) -> MuteView:
    """Mute a finding until ``until`` with a reason; recorded in the ledger under the
    authenticated admin."""
    require_role(app, Role.ADMIN, doing="muting a finding")
    now = app.wall()
    if not reason.strip():
        raise TenureError("a mute needs a reason (--reason)")
    if until <= now:
        raise TenureError(f"--until {until.isoformat()} is not in the future")
    with app.engine.begin() as conn:
        found = conn.execute(sa.select(F.c.id, F.c.check_id, F.c.status)
                             .where(F.c.id == finding_id)).first()
        if found is None:
            raise NotFound(f"no finding {finding_id!r} (see `tenure findings`)")
        conn.execute(M.insert().values(finding_id=finding_id, reason=reason.strip(),
                                       until=until, created_by=app.actor, created_at=now))
        ledger.append(conn, kind="finding.muted", actor=app.actor, now=now, subject=finding_id,
                      payload={"finding_id": finding_id, "check": found.check_id,
                               "status": found.status, "reason": reason.strip(),
                               "until": until})
    return MuteView(finding_id, reason.strip(), until, app.actor, now)


@dataclass(frozen=True, slots=True)
class CheckStatus:
    """A check's state after a run (muted failures count as accepted exceptions)."""

    check: Check
    status: FindingStatus
    failing: int
    muted: int
    manual_sources: list[str]


@dataclass(frozen=True, slots=True)
class ControlCoverage:
    """One framework control: the checks covering it and how many pass."""

    framework: str
    control: str
    title: str
    checks: list[str]
    passing: int
    failing: int
    manual: int
    pass_rate: float | None


def check_statuses(app: App, summary: RunSummary) -> list[CheckStatus]:
    """Each evaluated check's status, with muted failures treated as accepted."""
    now = app.now()
    with app.engine.connect() as conn:
        muted = {row[0] for row in conn.execute(
            sa.select(M.c.finding_id).where(M.c.until > now))}
    out = []
    for outcome in summary.outcomes:
        fails = [r for r in outcome.results if r.status is FindingStatus.FAIL]
        unmuted = [r for r in fails if r.id not in muted]
        if outcome.error:
            status = FindingStatus.ERROR
        elif unmuted:
            status = FindingStatus.FAIL
        elif outcome.manual:
            status = FindingStatus.MANUAL
        else:
            status = FindingStatus.PASS
        out.append(CheckStatus(outcome.check, status, len(unmuted), len(fails) - len(unmuted),
                               sorted(outcome.manual)))
    return out


def compliance_report(app: App, framework: str) -> list[ControlCoverage]:
    """Per control of ``framework``: covering checks and the share of them passing."""
    if framework not in FRAMEWORKS:
        raise NotFound(f"unknown framework {framework!r} (known: {', '.join(FRAMEWORKS)})")
    statuses = check_statuses(app, run_checks(app))
    rows = []
    for control, title in FRAMEWORKS[framework].controls.items():
        covering = [s for s in statuses
                    if any(r.framework == framework and r.control == control
                           for r in s.check.frameworks)]
        passing = sum(1 for s in covering if s.status is FindingStatus.PASS)
        failing = sum(1 for s in covering if s.status in (FindingStatus.FAIL,
                                                          FindingStatus.ERROR))
        manual = sum(1 for s in covering if s.status is FindingStatus.MANUAL)
        judged = passing + failing
        rows.append(ControlCoverage(framework, control, title, [s.check.id for s in covering],
                                    passing, failing, manual,
                                    round(passing / judged, 3) if judged else None))
    return rows
