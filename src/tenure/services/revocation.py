"""Revocation use cases: plan, approve, apply (guarded), status, manual tasks."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from tenure.actions import planner
from tenure.actions.plan import Plan, Target, read_plan
from tenure.actions.runner import ApplyRefused, ApplyReport, Guards, apply_plan
from tenure.errors import Conflict, NotAllowed, NotFound, TenureError
from tenure.evidence import ledger
from tenure.lifecycle import leaver_targets, purpose_targets, unused_targets
from tenure.services.context import App
from tenure.services.principal import person, require_role
from tenure.services.web_users import Role
from tenure.store import schema

P, J, T = schema.revocation_plans, schema.plan_actions, schema.manual_tasks


def targets_for(app: App, conn: sa.Connection, *, campaign: str | None, check: str | None,
                trigger: str | None) -> tuple[list[Target], str]:
    """The targets of exactly one origin, and the origin's label."""
    chosen = [x for x in (campaign, check, trigger) if x]
    if len(chosen) != 1:
        raise TenureError("choose exactly one of --from-campaign, --check, --trigger")
    now = app.now()
    if campaign:
        return planner.targets_from_campaign(conn, campaign), f"campaign:{campaign}"
    if check:
        return planner.targets_from_check(conn, check, now), f"check:{check}"
    cfg = app.settings.lifecycle
    if trigger == "leaver":
        return leaver_targets(conn, now, cfg), "trigger:leaver"
    if trigger == "purpose":
        return purpose_targets(conn, now), "trigger:purpose"
    if trigger == "unused":
        return unused_targets(conn, now, cfg.unused_days), "trigger:unused"
    if trigger == "mover":
        raise TenureError("movers open micro-reviews, not plans: run `tenure lifecycle run`")
    raise TenureError(f"unknown trigger {trigger!r} (leaver, mover, purpose, unused)")


def plan_revocation(app: App, *, campaign: str | None = None, check: str | None = None,
                    trigger: str | None = None) -> tuple[Plan, list[str]]:
    """Build and store a plan from one origin (dry run: nothing touches a vendor). The
    planner is the authenticated admin, who therefore cannot approve it."""
    user = require_role(app, Role.ADMIN, doing="planning a revocation")
    cfg = app.settings.revocation
    with app.engine.begin() as conn:
        targets, origin = targets_for(app, conn, campaign=campaign, check=check,
                                      trigger=trigger)
        return planner.build_plan(conn, app.settings, targets, origin=origin,
                                  created_by=user.email, actor=app.actor, now=app.wall(),
                                  task_owner=cfg.task_owner, task_days=cfg.task_days)


class ApprovalRefused(NotAllowed):
    """The approver may not approve this plan (the refusal is ledgered; nothing changed)."""


class AlreadyApproved(ApprovalRefused, Conflict):
    """The plan is already approved, applying or applied: an approval is never replaced."""


def _approval_refusal(conn: sa.Connection, email: str, row: sa.RowMapping) -> str | None:
    """Why ``email`` may not approve the stored plan ``row``, or None (the already-approved
    reason is checked first: it holds whoever asks)."""
    if row["status"] != "planned" or row["approved_by"] is not None:
        by = (f" by {row['approved_by']} at {row['approved_at'].isoformat()}"
              if row["approved_by"] else "")
        return (f"{row['id']} is already {row['status']}{by}; an approval is recorded once "
                "and never replaced")
    return approver_refusal(conn, email, row)


def approver_refusal(conn: sa.Connection, email: str, row: sa.RowMapping) -> str | None:
    """Why ``email`` may not be the second person on the stored plan ``row`` (an enabled
    admin other than its planner), or None: the four-eyes rule for plans and their batches."""
    u = schema.web_users
    user = conn.execute(sa.select(u.c.role, u.c.disabled_at).where(u.c.email == email)).first()
    if user is None or user.disabled_at is not None:
        return f"{email} is not an enabled Tenure user"
    if user.role != str(Role.ADMIN):
        return f"{email} is {user.role}: approving a plan needs an enabled admin"
    if email == row["created_by"]:
        return f"{email} planned {row['id']} and cannot also approve it"
    return None


def approve_plan(app: App, path: Path, *, approver: str | None = None) -> Plan:
    """Record the authenticated admin's approval of exactly this plan: an enabled admin other
    than the planner, once. ``approver``, when given, must be that same user (the web layer
    passes its principal). A refusal is ledgered and nothing else changes."""
    user = person(app)
    if approver is not None and approver.strip().lower() != user.email:
        raise NotAllowed(f"signed in as {user.email}, not {approver.strip().lower()}: "
                         "an approval is recorded under the authenticated user only")
    plan, claimed = read_plan(path)
    if claimed != plan.sha256:
        raise ApplyRefused(f"{path}: the plan was altered after it was written")
    refusal: str | None
    conflict = False
    with app.engine.begin() as conn:
        row = conn.execute(sa.select(P).where(P.c.id == plan.id).with_for_update()
                           ).mappings().first()
        if row is None or row["sha256"] != plan.sha256:
            raise NotFound(f"plan {plan.id} with hash {plan.sha256} is not in this store")
        refusal = _approval_refusal(conn, user.email, row)
        conflict = row["status"] != "planned" or row["approved_by"] is not None
        payload = {"plan_id": plan.id, "sha256": plan.sha256, "approver": user.email,
                   "planner": row["created_by"]}
        if refusal is None:
            changed = conn.execute(P.update().where(
                P.c.id == plan.id, P.c.status == "planned", P.c.approved_by.is_(None)
            ).values(approved_by=user.email, approved_at=app.wall(), status="approved"))
            if changed.rowcount != 1:  # approved by someone else in the meantime
                refusal, conflict = (f"{plan.id} was approved concurrently; nothing was "
                                     "replaced"), True
        if refusal is None:
            ledger.append(conn, kind="plan.approved", actor=app.actor, subject=plan.id,
                          payload=payload)
    if refusal is not None:
        with app.engine.begin() as conn:
            ledger.append(conn, kind="plan.approval_refused", actor=app.actor,
                          subject=plan.id, payload={**payload, "reason": refusal})
        raise (AlreadyApproved if conflict else ApprovalRefused)(refusal)
    return plan


def apply(app: App, path: Path, *, approve_hash: str, max_actions: int | None = None,
          max_percent: float | None = None, resync: bool = True,
          batch: int | None = None) -> ApplyReport:
    """Apply exactly the approved plan (or its approved ``batch``), then re-sync the touched
    sources and re-run the checks that read what changed."""
    from tenure.services.evidence import auto_checkpoint
    from tenure.services.plan_batches import batch_run
    from tenure.services.sync import run_source

    require_role(app, Role.ADMIN, doing="applying a plan")
    plan, claimed = read_plan(path)
    cfg = app.settings.revocation
    guards = Guards(max_actions=cfg.max_actions if max_actions is None else max_actions,
                    max_percent=cfg.max_percent if max_percent is None else max_percent,
                    max_plan_age=timedelta(hours=cfg.max_plan_age_hours),
                    require_approval=cfg.require_approval)
    run = None if batch is None else batch_run(app, plan, batch)
    report = apply_plan(app.engine, app.settings, plan, claimed_hash=claimed,
                        approve_hash=approve_hash.strip().lower(), guards=guards,
                        actor=app.actor, now=app.wall(), env=dict(os.environ), batch=run)
    touched = [s for s in plan.steps if s.call is not None and (run is None
                                                                or s.index in run.steps)]
    changed: set[str] = set()
    if resync and report.calls:
        for source in sorted({s.target.source for s in touched}):
            changed |= run_source(app, source).touched
            report.resynced.append(source)
    if report.calls:
        # The revoked access must stop failing its checks now (findings resolve): re-run the
        # checks reading what the steps and the re-sync changed.
        from tenure.services.findings import run_affected_checks
        from tenure.services.touched import of_targets

        changed |= of_targets(s.target.kind for s in touched)
        report.checks = run_affected_checks(app, changed, trigger=f"apply:{plan.id}")
    auto_checkpoint(app)
    return report


@dataclass(frozen=True, slots=True)
class StepStatus:
    """One step of a plan and what happened to it."""

    index: int
    source: str
    kind: str
    subject_id: str
    action: str
    status: str
    detail: str
    verified: bool | None
    label: str = ""
    """The target by name (an email, a key's name), as planned."""


def plan_status(app: App, plan_id: str) -> tuple[dict[str, Any], list[StepStatus]]:
    """A stored plan and its journal."""
    with app.engine.connect() as conn:
        row = conn.execute(sa.select(P).where(P.c.id == plan_id)).mappings().first()
        if row is None:
            raise NotFound(f"no plan {plan_id!r}")
        steps = conn.execute(sa.select(J).where(J.c.plan_id == plan_id)
                             .order_by(J.c.step_index)).mappings().all()
    info = {k: row[k] for k in ("id", "sha256", "origin", "status", "created_at", "created_by",
                                "approved_by", "approved_at", "applied_at", "applied_by")}
    labels = {int(step["index"]): str(step["target"].get("label") or "")
              for step in (row["document"] or {}).get("steps", [])}
    return info, [StepStatus(s["step_index"], s["source"], s["kind"], s["subject_id"],
                             s["action"], s["status"], s["detail"], s["verified"],
                             labels.get(int(s["step_index"]), ""))
                  for s in steps]


def list_plans(app: App) -> list[dict[str, Any]]:
    """Every stored plan, newest first."""
    with app.engine.connect() as conn:
        return [dict(r) for r in conn.execute(
            sa.select(P.c.id, P.c.origin, P.c.status, P.c.created_at, P.c.created_by,
                      P.c.approved_by, P.c.sha256).order_by(P.c.created_at.desc())).mappings()]


def list_tasks(app: App, *, status: str | None = "open") -> list[dict[str, Any]]:
    """Manual revocation tasks (overdue ones flagged)."""
    query = sa.select(T).order_by(T.c.due, T.c.id)
    if status:
        query = query.where(T.c.status == status)
    today = app.now().date()
    with app.engine.connect() as conn:
        return [{**dict(r), "overdue": r["status"] == "open" and r["due"] < today}
                for r in conn.execute(query).mappings()]


def complete_task(app: App, task_id: int, *, note: str) -> None:
    """Record that the authenticated person did a manual revocation."""
    by = require_role(app, Role.ADMIN, Role.REVIEWER, doing="completing a manual task").email
    if not note.strip():
        raise TenureError("say what was done (--note)")
    with app.engine.begin() as conn:
        row = conn.execute(sa.select(T).where(T.c.id == task_id)).mappings().first()
        if row is None:
            raise NotFound(f"no manual task {task_id}")
        if row["status"] != "open":
            raise TenureError(f"task {task_id} is already {row['status']}")
        conn.execute(T.update().where(T.c.id == task_id).values(
            status="done", done_at=app.wall(), done_by=by.lower(), note=note))
        ledger.append(conn, kind="task.done", actor=app.actor,
                      subject=f"{row['plan_id']}#{row['step_index']}",
                      payload={"task_id": task_id, "plan_id": row["plan_id"],
                               "subject_id": row["subject_id"], "by": by.lower(),
                               "note": note})


def export_plan(app: App, plan_id: str) -> str:
    """The plan file of a stored plan (byte-for-byte what ``revoke plan`` wrote)."""
    import json

    from tenure.actions.plan import parse_plan

    with app.engine.connect() as conn:
        row = conn.execute(sa.select(P.c.document, P.c.sha256).where(P.c.id == plan_id)).first()
    if row is None:
        raise NotFound(f"no plan {plan_id!r}")
    plan, _ = parse_plan(json.dumps({**row.document, "sha256": row.sha256}))
    if plan.sha256 != row.sha256:
        raise TenureError(f"stored plan {plan_id} does not match its hash")
    return plan.to_json()
