"""Apply exactly an approved plan: guards first (0 vendor calls when any fails), then each
action through an intent/outcome journal, then verification from a fresh platform read.

At most once per action: each action re-reads its target before acting, and a step whose
outcome is journalled is never run again, so a crash between intent and outcome resumes by
re-reading (an already-applied change reads back as done).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from tenure.actions.plan import Plan, Step
from tenure.actions.planner import current_states
from tenure.actions.providers import load_builtin_providers
from tenure.config import Settings
from tenure.errors import NotFound, TenureError
from tenure.evidence import ledger
from tenure.redact import redact_text
from tenure.store import schema

P, J, B = schema.revocation_plans, schema.plan_actions, schema.plan_batches

# Fault injection for the crash tests (like SQLite's): "intent:K" or "call:K" makes the process
# exit right after step K's intent is journalled, or right after its vendor call returned.
CRASH_ENV = "TENURE_FAULT_APPLY_CRASH"


class ApplyRefused(TenureError):
    """Apply did nothing: the plan is unapproved, altered, stale, expired or over a guard."""


@dataclass(frozen=True, slots=True)
class Guards:
    """Limits checked before any vendor call (Cloud Custodian's max-resources)."""

    max_actions: int
    max_percent: float
    max_plan_age: timedelta
    require_approval: bool


@dataclass(frozen=True, slots=True)
class BatchRun:
    """Apply only this approved batch of the plan (actions/batches.py)."""

    number: int
    steps: frozenset[int]


@dataclass
class ApplyReport:
    """What apply did, per step."""

    plan_id: str
    steps: list[dict[str, Any]] = field(default_factory=list)
    calls: int = 0
    resynced: list[str] = field(default_factory=list)
    batch: int | None = None
    plan_status: str = ""
    checks: Any = None
    """The checks re-run afterwards (a ``findings.RunSummary``), or None."""

    def count(self, status: str) -> int:
        """Steps that ended with ``status``."""
        return sum(1 for s in self.steps if s["status"] == status)


def _refuse(conn_factory: Callable[[], Any], plan: Plan, actor: str, now: datetime,
            reason: str, kind: str) -> ApplyRefused:
    with conn_factory() as conn:
        ledger.append(conn, kind="plan.refused", actor=actor, now=now, subject=plan.id,
                      payload={"plan_id": plan.id, "sha256": plan.sha256, "error": kind,
                               "reason": reason})
    return ApplyRefused(f"{kind}: {reason}; no vendor call was made")


def _batch_refusal(conn: sa.Connection, plan: Plan, batch: BatchRun) -> tuple[str, str] | None:
    """Why this batch may not run: unapproved, already applied, or an earlier batch not yet
    applied and verified (batches run in order, each verified before the next)."""
    rows = {r["batch"]: r for r in conn.execute(
        sa.select(B).where(B.c.plan_id == plan.id)).mappings()}
    row = rows.get(batch.number)
    if row is None:
        return "NotApproved", (f"batch {batch.number} of {plan.id} is not approved (an enabled "
                               "admin other than the planner: tenure revoke approve PLAN "
                               f"--batch {batch.number})")
    if row["status"] == "applied":
        return "AlreadyApplied", f"batch {batch.number} of {plan.id} is already applied"
    for number in range(1, batch.number):
        earlier = rows.get(number)
        if earlier is None or earlier["status"] != "applied" or (
                earlier["verified"] or 0) < earlier["calls"]:
            return "BatchOutOfOrder", (f"batch {number} must be applied and every action in it "
                                       f"verified before batch {batch.number}")
    return None


def check_guards(conn: sa.Connection, plan: Plan, stored: dict[str, Any], *,
                 approve_hash: str, claimed_hash: str, guards: Guards,
                 now: datetime, batch: BatchRun | None = None) -> tuple[str, str] | None:
    """The first reason to refuse the plan (or its ``batch``), as (error kind, reason), or
    None. A batch carries its own approval; the max-actions and max-percent guards count the
    batch's vendor actions, so a plan over the limit runs only batch by batch."""
    if claimed_hash != plan.sha256:
        return "PlanAltered", (f"the plan file's content hashes to {plan.sha256}, not the "
                               f"{claimed_hash} it claims")
    if approve_hash != plan.sha256:
        return "NotApproved", f"--approve-hash {approve_hash} is not this plan ({plan.sha256})"
    if stored["sha256"] != plan.sha256:
        return "PlanAltered", "the stored plan with this id has a different hash"
    scope = [s for s in plan.steps if batch is None or s.index in batch.steps]
    if batch is not None:
        refusal = _batch_refusal(conn, plan, batch)
        if refusal is not None:
            return refusal
    needs_person = guards.require_approval or any(s.target.requires_confirmation
                                                  for s in scope)
    if needs_person and batch is None and not stored["approved_by"]:
        return "NotApproved", ("the plan needs a second person's approval (an enabled admin "
                               "other than the planner: tenure revoke approve PLAN)")
    if now - plan.created_at > guards.max_plan_age:
        return "PlanExpired", (f"planned {plan.created_at.isoformat()}, older than "
                               f"{guards.max_plan_age}; plan again")
    calls = [s for s in scope if s.call is not None]
    if len(calls) > guards.max_actions:
        what = "vendor actions" if batch is None else f"vendor actions in batch {batch.number}"
        hint = ("; apply it in approved batches (tenure revoke approve PLAN --batch 1, then "
                "tenure revoke apply PLAN --batch 1 …)" if batch is None else "")
        return "ResourceLimitExceeded", (f"{len(calls)} {what} exceed --max-actions "
                                         f"{guards.max_actions}{hint}")
    sources = {s.target.source for s in calls}
    if sources:
        population = int(conn.execute(sa.select(sa.func.count()).select_from(
            schema.accounts).where(schema.accounts.c.source.in_(sources),
                                   schema.accounts.c.removed_at.is_(None))).scalar_one())
        population += int(conn.execute(sa.select(sa.func.count()).select_from(
            schema.credentials).where(schema.credentials.c.source.in_(sources),
                                      schema.credentials.c.removed_at.is_(None))).scalar_one())
        percent = 100.0 * len(calls) / max(population, 1)
        if percent > guards.max_percent:
            return "ResourceLimitExceeded", (f"{len(calls)} actions are {percent:.1f}% of the "
                                             f"{population} identities in scope, over "
                                             f"--max-percent {guards.max_percent:g}")
    done = {r.step_index for r in conn.execute(sa.select(J.c.step_index).where(
        J.c.plan_id == plan.id, J.c.status.in_(("applied", "already_done"))))}
    states = current_states(conn, [(s.target.source, s.target.kind, s.target.subject_id)
                                   for s in scope if s.index not in done])
    stale = [f"{s.target.kind} {s.target.subject_id}" for s in scope
             if s.index not in done
             and states.get((s.target.source, s.target.kind, s.target.subject_id)) != s.state]
    if stale:
        return "PlanStale", ("the store shows these targets changed since planning: "
                             + ", ".join(stale[:10]) + (" …" if len(stale) > 10 else ""))
    return None


def _crash_point(where: str, index: int) -> None:
    if os.environ.get(CRASH_ENV) == f"{where}:{index}":
        os._exit(137)


def apply_plan(
    engine: sa.Engine, settings: Settings, plan: Plan, *, claimed_hash: str, approve_hash: str,
    guards: Guards, actor: str, now: datetime, env: dict[str, str],
    batch: BatchRun | None = None,
) -> ApplyReport:
    """Run the plan's steps (or only ``batch``'s) that have not run yet; verify each against
    the platform."""
    providers = load_builtin_providers()
    with engine.begin() as conn:
        stored = conn.execute(sa.select(P).where(P.c.id == plan.id)).mappings().first()
        if stored is None:
            raise NotFound(f"plan {plan.id} was not created by this Tenure store "
                           "(tenure revoke plan)")
        refusal = check_guards(conn, plan, dict(stored), approve_hash=approve_hash,
                               claimed_hash=claimed_hash, guards=guards, now=now, batch=batch)
    if refusal is not None:
        raise _refuse(engine.begin, plan, actor, now, refusal[1], refusal[0])
    report = ApplyReport(plan.id, batch=None if batch is None else batch.number)
    scope = [s for s in plan.steps if batch is None or s.index in batch.steps]
    journal = {r.step_index: r.status for r in _journal(engine, plan.id)}
    with engine.begin() as conn:
        conn.execute(P.update().where(P.c.id == plan.id).values(status="applying"))
        if batch is not None:
            conn.execute(B.update().where(B.c.plan_id == plan.id, B.c.batch == batch.number)
                         .values(status="applying"))
        ledger.append(conn, kind="plan.apply_started", actor=actor, now=now, subject=plan.id,
                      payload={"plan_id": plan.id, "sha256": plan.sha256,
                               "batch": report.batch,
                               "already_done": sorted(i for i, st in journal.items()
                                                      if st in ("applied", "already_done"))})
    with ExitStack() as stack:
        clients: dict[str, Any] = {}
        for step in scope:
            status = journal.get(step.index, "planned")
            if status in ("applied", "already_done", "manual"):
                report.steps.append({"index": step.index, "status": status, "detail":
                                     "done in an earlier apply"})
                continue
            if step.manual is not None:
                _manual(engine, plan, step, actor, now)
                report.steps.append({"index": step.index, "status": "manual",
                                     "detail": f"task for {step.manual.owner}"})
                continue
            source = settings.source(step.target.source)
            if source.name not in clients:
                clients[source.name] = stack.enter_context(
                    providers.get(source.type).client(source, env))
            action = providers.get(source.type).action(step.action, step.args)
            _journal_step(engine, plan, step, "intent", "", actor, now)
            _crash_point("intent", step.index)
            try:
                result = action.execute(clients[source.name])
                outcome, detail = str(result.outcome), result.detail
                report.calls += 1 if outcome == "applied" else 0
            except TenureError as exc:
                outcome, detail = "failed", redact_text(str(exc))
            _crash_point("call", step.index)
            _journal_step(engine, plan, step, outcome, detail, actor, now)
            report.steps.append({"index": step.index, "status": outcome, "detail": detail})
        for step in scope:
            if step.call is None or step.target.source not in clients:
                continue
            source = settings.source(step.target.source)
            action = providers.get(source.type).action(step.action, step.args)
            try:
                verified = action.verify(clients[source.name])
            except TenureError:
                verified = False
            _verified(engine, plan, step, verified, actor, now)
            for entry in report.steps:
                if entry["index"] == step.index:
                    entry["verified"] = verified
    with engine.begin() as conn:
        _finish(conn, plan, report, batch, actor, now)
    return report


_DONE = ("applied", "already_done", "manual")


def _finish(conn: sa.Connection, plan: Plan, report: ApplyReport, batch: BatchRun | None,
            actor: str, now: datetime) -> None:
    """Record the plan's (and the batch's) status after an apply, in the ledger too."""
    final = {r.step_index: r.status for r in _journal(None, plan.id, conn)}
    finished = all(st in _DONE for st in final.values())
    if batch is not None:
        mine = {i: st for i, st in final.items() if i in batch.steps}
        verified = int(conn.execute(sa.select(sa.func.count()).select_from(J).where(
            J.c.plan_id == plan.id, J.c.step_index.in_(sorted(batch.steps)),
            J.c.verified.is_(True))).scalar_one())
        batch_done = all(st in _DONE for st in mine.values())
        conn.execute(B.update().where(B.c.plan_id == plan.id, B.c.batch == batch.number).values(
            status="applied" if batch_done else "partial", applied_at=now, applied_by=actor,
            verified=verified))
        ledger.append(conn, kind="plan.batch_applied", actor=actor, now=now, subject=plan.id,
                      payload={"plan_id": plan.id, "sha256": plan.sha256,
                               "batch": batch.number, "calls": report.calls,
                               "verified": verified,
                               "statuses": {str(k): v for k, v in sorted(mine.items())}})
        status = "applied" if finished else "applying" if batch_done else "partial"
    else:
        status = "applied" if finished else "partial"
    conn.execute(P.update().where(P.c.id == plan.id).values(
        status=status, applied_at=now, applied_by=actor))
    report.plan_status = status
    if batch is None or finished:
        ledger.append(conn, kind="plan.applied", actor=actor, now=now, subject=plan.id,
                      payload={"plan_id": plan.id, "sha256": plan.sha256, "calls": report.calls,
                               "batch": report.batch,
                               "statuses": {str(k): v for k, v in sorted(final.items())}})


def _journal(engine: sa.Engine | None, plan_id: str,
             conn: sa.Connection | None = None) -> list[Any]:
    query = sa.select(J.c.step_index, J.c.status).where(J.c.plan_id == plan_id)
    if conn is not None:
        return list(conn.execute(query).all())
    assert engine is not None
    with engine.connect() as c:
        return list(c.execute(query).all())


def _journal_step(engine: sa.Engine, plan: Plan, step: Step, status: str, detail: str,
                  actor: str, now: datetime) -> None:
    values: dict[str, Any] = {"status": status, "detail": detail}
    values["intent_at" if status == "intent" else "outcome_at"] = now
    with engine.begin() as conn:
        conn.execute(J.update().where(J.c.plan_id == plan.id, J.c.step_index == step.index)
                     .values(**values))
        ledger.append(conn, kind=f"action.{'intent' if status == 'intent' else 'outcome'}",
                      actor=actor, now=now, subject=f"{plan.id}#{step.index}",
                      payload={"plan_id": plan.id, "step": step.index, "action": step.action,
                               "source": step.target.source, "subject_id":
                               step.target.subject_id, "status": status, "detail": detail,
                               "call": None if step.call is None else {
                                   "method": step.call.method, "path": step.call.path,
                                   "body": step.call.body}})


def _verified(engine: sa.Engine, plan: Plan, step: Step, verified: bool, actor: str,
              now: datetime) -> None:
    with engine.begin() as conn:
        conn.execute(J.update().where(J.c.plan_id == plan.id, J.c.step_index == step.index)
                     .values(verified=verified, verified_at=now))
        ledger.append(conn, kind="action.verified", actor=actor, now=now,
                      subject=f"{plan.id}#{step.index}",
                      payload={"plan_id": plan.id, "step": step.index,
                               "subject_id": step.target.subject_id, "verified": verified})


def _manual(engine: sa.Engine, plan: Plan, step: Step, actor: str, now: datetime) -> None:
    assert step.manual is not None
    with engine.begin() as conn:
        exists = conn.execute(sa.select(schema.manual_tasks.c.id).where(
            schema.manual_tasks.c.plan_id == plan.id,
            schema.manual_tasks.c.step_index == step.index)).first()
        if exists is None:
            conn.execute(schema.manual_tasks.insert().values(
                plan_id=plan.id, step_index=step.index, source=step.target.source,
                subject_id=step.target.subject_id, owner=step.manual.owner,
                due=date.fromisoformat(step.manual.due), why=step.manual.why, status="open",
                created_at=now))
        conn.execute(J.update().where(J.c.plan_id == plan.id, J.c.step_index == step.index)
                     .values(status="manual", detail=f"task for {step.manual.owner}",
                             outcome_at=now))
        ledger.append(conn, kind="task.created", actor=actor, now=now,
                      subject=f"{plan.id}#{step.index}",
                      payload={"plan_id": plan.id, "step": step.index,
                               "subject_id": step.target.subject_id, "owner": step.manual.owner,
                               "due": step.manual.due, "why": step.manual.why})
