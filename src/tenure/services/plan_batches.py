"""Approved batches of one plan: approve batch K as a second admin, see the plan's progress.

A plan over ``[revocation] max_actions`` is never applied whole. It stays one hash-pinned plan
and is cut into batches of at most that many vendor actions (``actions/batches.py``); each batch
is approved by an enabled admin other than the planner (the same four-eyes rule as a plan),
then applied and verified on its own, in order (``tenure revoke apply PLAN --batch K``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

from tenure.actions.batches import Batch, layout, pick
from tenure.actions.plan import Plan, read_plan
from tenure.actions.runner import ApplyRefused, BatchRun
from tenure.errors import NotAllowed, NotFound, TenureError
from tenure.evidence import ledger
from tenure.services.context import App
from tenure.services.principal import person
from tenure.services.revocation import AlreadyApproved, ApprovalRefused, approver_refusal
from tenure.store import schema

P, J, B = schema.revocation_plans, schema.plan_actions, schema.plan_batches


def recorded_size(conn: sa.Connection, plan_id: str) -> int | None:
    """The batch size the plan's first approved batch fixed, or None (no batch yet)."""
    size = conn.execute(sa.select(B.c.size).where(B.c.plan_id == plan_id)
                        .order_by(B.c.batch).limit(1)).scalar()
    return None if size is None else int(size)


def batch_run(app: App, plan: Plan, number: int) -> BatchRun:
    """The steps of batch ``number`` as its approval fixed them (cut at the configured size
    when no batch is approved yet: the runner then refuses it as unapproved)."""
    with app.engine.connect() as conn:
        size = recorded_size(conn, plan.id) or app.settings.revocation.max_actions
    return BatchRun(number, frozenset(pick(plan, size, number).steps))


def approve_batch(app: App, path: Path, number: int, *, size: int | None = None,
                  approver: str | None = None) -> Batch:
    """Record the authenticated admin's approval of batch ``number`` of exactly this plan.

    The approver is an enabled admin other than the planner; each batch is approved once. The
    first approval fixes the batch size (``size``, else ``[revocation] max_actions``); a later
    one naming another size is refused. A refusal is ledgered and nothing else changes."""
    user = person(app)
    if approver is not None and approver.strip().lower() != user.email:
        raise NotAllowed(f"signed in as {user.email}, not {approver.strip().lower()}: "
                         "an approval is recorded under the authenticated user only")
    plan, claimed = read_plan(path)
    if claimed != plan.sha256:
        raise ApplyRefused(f"{path}: the plan was altered after it was written")
    refusal: str | None = None
    conflict = False
    with app.engine.begin() as conn:
        row = conn.execute(sa.select(P).where(P.c.id == plan.id).with_for_update()
                           ).mappings().first()
        if row is None or row["sha256"] != plan.sha256:
            raise NotFound(f"plan {plan.id} with hash {plan.sha256} is not in this store")
        fixed = recorded_size(conn, plan.id)
        cut = fixed or size or app.settings.revocation.max_actions
        if fixed is not None and size is not None and size != fixed:
            raise TenureError(f"plan {plan.id} is cut in batches of {fixed} (fixed by its first "
                              f"approved batch), not {size}")
        batch = pick(plan, cut, number)
        payload = {"plan_id": plan.id, "sha256": plan.sha256, "batch": number, "size": cut,
                   "steps": [batch.first, batch.last] if batch.steps else [],
                   "calls": batch.calls, "approver": user.email, "planner": row["created_by"]}
        taken = conn.execute(sa.select(B.c.approved_by, B.c.approved_at).where(
            B.c.plan_id == plan.id, B.c.batch == number)).first()
        if row["status"] == "applied":
            refusal, conflict = f"{plan.id} is already applied", True
        elif taken is not None:
            refusal, conflict = (f"batch {number} of {plan.id} is already approved by "
                                 f"{taken.approved_by} at {taken.approved_at.isoformat()}; an "
                                 "approval is recorded once and never replaced"), True
        else:
            refusal = approver_refusal(conn, user.email, row)
        if refusal is None:
            conn.execute(B.insert().values(
                plan_id=plan.id, batch=number, size=cut,
                first_step=batch.first if batch.steps else 0,
                last_step=batch.last if batch.steps else -1, calls=batch.calls,
                status="approved", approved_by=user.email, approved_at=app.wall()))
            ledger.append(conn, kind="plan.batch_approved", actor=app.actor, subject=plan.id,
                          payload=payload)
    if refusal is not None:
        with app.engine.begin() as conn:
            ledger.append(conn, kind="plan.approval_refused", actor=app.actor,
                          subject=plan.id, payload={**payload, "reason": refusal})
        raise (AlreadyApproved if conflict else ApprovalRefused)(refusal)
    return batch


@dataclass(frozen=True, slots=True)
class BatchStatus:
    """One batch of a plan and how far it got."""

    number: int
    first_step: int
    last_step: int
    calls: int
    status: str
    """awaiting approval | approved | applying | applied | partial"""
    approved_by: str | None
    approved_at: datetime | None
    applied_by: str | None
    applied_at: datetime | None
    verified: int | None


@dataclass(frozen=True, slots=True)
class BatchProgress:
    """A plan's batches: whether it needs them, their size and each one's status."""

    needed: bool
    """More vendor actions than ``max_actions``: apply only batch by batch."""
    size: int
    calls: int
    batches: list[BatchStatus]

    @property
    def applied(self) -> int:
        """Batches applied."""
        return sum(1 for b in self.batches if b.status == "applied")

    @property
    def verified(self) -> int:
        """Vendor actions verified across the applied batches."""
        return sum(b.verified or 0 for b in self.batches)

    @property
    def next_to_approve(self) -> int | None:
        """The lowest batch nobody approved yet."""
        return next((b.number for b in self.batches if b.status == "awaiting approval"), None)

    @property
    def next_to_apply(self) -> int | None:
        """The batch apply takes next: the first not applied, when it is approved."""
        for b in self.batches:
            if b.status != "applied":
                return b.number if b.status in ("approved", "applying", "partial") else None
        return None


def progress(app: App, plan_id: str) -> BatchProgress:
    """The batches of a stored plan (cut at the recorded size, else the configured limit)."""
    from tenure.actions.plan import parse_plan
    from tenure.services.revocation import export_plan

    plan, _ = parse_plan(export_plan(app, plan_id))
    with app.engine.connect() as conn:
        rows = {r["batch"]: r for r in conn.execute(
            sa.select(B).where(B.c.plan_id == plan_id)).mappings()}
        fixed = recorded_size(conn, plan_id)
    limit = app.settings.revocation.max_actions
    size = fixed or max(limit, 1)
    calls = sum(1 for s in plan.steps if s.call is not None)
    out = []
    for b in layout(plan, size):
        r = rows.get(b.number)
        out.append(BatchStatus(
            b.number, b.first if b.steps else 0, b.last if b.steps else -1, b.calls,
            "awaiting approval" if r is None else str(r["status"]),
            None if r is None else r["approved_by"], None if r is None else r["approved_at"],
            None if r is None else r["applied_by"], None if r is None else r["applied_at"],
            None if r is None else r["verified"]))
    return BatchProgress(needed=calls > limit or bool(rows), size=size, calls=calls,
                         batches=out)
