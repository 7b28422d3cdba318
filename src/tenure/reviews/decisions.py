"""Reviewer decisions and delegation: who, when, what they saw, and why."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa

from tenure.errors import NotFound, TenureError
from tenure.evidence import ledger
from tenure.store import schema

ITEMS, CMP = schema.review_items, schema.campaigns


class Decision(StrEnum):
    """What a reviewer can decide (midPoint adds reduce: downgrade instead of remove)."""

    KEEP = "keep"
    REVOKE = "revoke"
    REDUCE = "reduce"
    DONT_KNOW = "dont_know"


class DecisionRefused(TenureError):
    """A decision or delegation broke a campaign rule; nothing was recorded."""


@dataclass(frozen=True, slots=True)
class DecisionRecord:
    """One recorded decision on an item; a change of mind is a newer record, never an edit."""

    id: int
    item_id: str
    campaign_id: str
    stage: int
    reviewer: str
    decision: Decision
    justification: str
    snapshot_hash: str
    decided_at: datetime
    actor: str
    current: bool  # the latest record of its stage: the one that counts


def history(conn: sa.Connection, item_id: str) -> list[DecisionRecord]:
    """Every decision recorded on ``item_id``, oldest first (the latest per stage counts)."""
    d = schema.review_decisions
    rows = conn.execute(sa.select(d).where(d.c.item_id == item_id).order_by(d.c.id)
                        ).mappings().all()
    latest = {r["stage"]: r["id"] for r in rows}
    return [DecisionRecord(int(r["id"]), r["item_id"], r["campaign_id"], int(r["stage"]),
                           r["reviewer"], Decision(r["decision"]), r["justification"],
                           r["snapshot_hash"], r["decided_at"], r["actor"],
                           latest[r["stage"]] == r["id"]) for r in rows]


def _load(conn: sa.Connection, item_ids: Sequence[str], reviewer: str, *,
          allow_change: bool = False) -> list[dict[str, Any]]:
    """The items with their campaigns, only when assigned to ``reviewer`` (else NotFound).

    With ``allow_change`` an item already decided by ``reviewer`` at its current stage may be
    decided again while the campaign is open (the new decision is a new record)."""
    rows = conn.execute(
        sa.select(ITEMS, CMP.c.status.label("c_status"), CMP.c.require_justification,
                  CMP.c.allow_self_review, CMP.c.stages, CMP.c.stage2_reviewer,
                  CMP.c.fallback_reviewer)
        .join(CMP, CMP.c.id == ITEMS.c.campaign_id).where(ITEMS.c.id.in_(list(item_ids)))
    ).mappings().all()
    found = {r["id"]: dict(r) for r in rows}
    out = []
    for item_id in item_ids:
        row = found.get(item_id)
        # Someone else's item reads as absent: reviewers only see what is assigned to them.
        if row is None or row["reviewer"] != reviewer:
            raise NotFound(f"no review item {item_id!r} assigned to {reviewer}")
        if row["c_status"] != "open":
            raise DecisionRefused(f"{item_id}: campaign {row['campaign_id']} is closed")
        changeable = allow_change and row["status"] == "decided" and (
            row["decided_by"] == reviewer)
        if row["status"] != "pending" and not changeable:
            raise DecisionRefused(f"{item_id}: already decided ({row['decision']}) at stage "
                                  f"{row['stage']}")
        out.append(row)
    return out


def _self_review(row: dict[str, Any], reviewer: str) -> bool:
    return bool(row["person_email"]) and row["person_email"] == reviewer


def decide(
    conn: sa.Connection, *, item_ids: Sequence[str], reviewer: str, decision: Decision,
    justification: str, now: datetime, actor: str, allow_change: bool = False,
) -> list[str]:
    """Record one decision for each item (bulk: one justification), all or nothing.

    Decisions are append-only: each is a new ``review_decisions`` row and a new ledger entry;
    with ``allow_change`` a reviewer may decide an item they already decided again while the
    campaign is open, and the latest decision of the stage is the one that counts.
    Returns the items that moved on to a second stage.
    """
    reviewer = reviewer.strip().lower()
    justification = justification.strip()
    loaded = _load(conn, item_ids, reviewer, allow_change=allow_change)
    for row in loaded:
        if _self_review(row, reviewer) and not row["allow_self_review"]:
            raise DecisionRefused(f"{row['id']}: {reviewer} cannot review their own access "
                                  "(self-review is not allowed in this campaign)")
        if decision is Decision.REDUCE and not (row["privileged"] and row["kind"] in (
                "account", "grant")):
            raise DecisionRefused(f"{row['id']}: reduce applies to privileged accounts and "
                                  "grants only")
        if not justification and row["require_justification"]:
            raise DecisionRefused(f"{row['id']}: this campaign requires a justification")
        if not justification and decision in (Decision.KEEP, Decision.REDUCE) \
                and row["recommendation"] == "revoke":
            raise DecisionRefused(f"{row['id']}: overriding a revoke recommendation "
                                  f"({row['recommendation_reason']}) with {decision} needs a "
                                  "justification")
    advanced = []
    d = schema.review_decisions
    stage_of = {r["id"]: r["stage"] for r in loaded}
    previous: dict[str, tuple[int, str]] = {}
    for r in conn.execute(sa.select(d.c.item_id, d.c.id, d.c.decision, d.c.stage)
                          .where(d.c.item_id.in_(list(stage_of))).order_by(d.c.id)):
        if r.stage == stage_of[r.item_id]:
            previous[r.item_id] = (int(r.id), r.decision)
    for row in loaded:
        decision_id = int(conn.execute(d.insert().values(
            item_id=row["id"], campaign_id=row["campaign_id"], stage=row["stage"],
            reviewer=reviewer, decision=str(decision), justification=justification,
            snapshot_hash=row["snapshot_hash"], decided_at=now, actor=actor
        ).returning(d.c.id)).scalar_one())
        earlier = previous.get(row["id"])
        goes_on = (row["stages"] >= 2 and row["stage"] == 1 and decision is Decision.KEEP
                   and row["privileged"])
        values: dict[str, Any] = {"decision": str(decision), "decided_by": reviewer,
                                  "decided_at": now, "justification": justification,
                                  "status": "decided"}
        if goes_on:
            # Stage 2: a keep on privileged access is confirmed by a second reviewer.
            values = {"stage": 2, "status": "pending",
                      "reviewer": row["stage2_reviewer"] or row["fallback_reviewer"]}
            advanced.append(row["id"])
        conn.execute(ITEMS.update().where(ITEMS.c.id == row["id"]).values(**values))
        ledger.append(conn, kind="review.decided", actor=actor, now=now, subject=row["id"],
                      payload={"campaign_id": row["campaign_id"], "item_id": row["id"],
                               "decision_id": decision_id, "stage": row["stage"],
                               "reviewer": reviewer, "decision": str(decision),
                               "justification": justification,
                               "snapshot_hash": row["snapshot_hash"],
                               "recommendation": row["recommendation"],
                               "supersedes": None if earlier is None else {
                                   "decision_id": earlier[0], "decision": earlier[1]},
                               "next_stage_reviewer": values.get("reviewer")})
    return advanced


def delegate(
    conn: sa.Connection, *, item_ids: Sequence[str], reviewer: str, to: str, reason: str,
    now: datetime, actor: str, kind: str = "delegated",
) -> None:
    """Hand items to another reviewer, with a reason (recorded, never silent)."""
    reviewer, to = reviewer.strip().lower(), to.strip().lower()
    if "@" not in to:
        raise DecisionRefused(f"--to {to!r} is not an email address")
    if not reason.strip():
        raise DecisionRefused("delegation needs a --reason")
    loaded = _load(conn, item_ids, reviewer)
    for row in loaded:
        if _self_review(row, to) and not row["allow_self_review"]:
            raise DecisionRefused(f"{row['id']}: cannot delegate to {to}, whose own access it is")
    for row in loaded:
        _reassign(conn, row, to=to, reason=reason, now=now, actor=actor, kind=kind)


def _reassign(conn: sa.Connection, row: dict[str, Any], *, to: str, reason: str, now: datetime,
              actor: str, kind: str) -> None:
    conn.execute(schema.review_assignments.insert().values(
        item_id=row["id"], campaign_id=row["campaign_id"], kind=kind,
        from_reviewer=row["reviewer"], to_reviewer=to, reason=reason, at=now, actor=actor))
    conn.execute(ITEMS.update().where(ITEMS.c.id == row["id"]).values(reviewer=to))
    ledger.append(conn, kind=f"review.{kind}", actor=actor, now=now, subject=row["id"],
                  payload={"campaign_id": row["campaign_id"], "item_id": row["id"],
                           "from": row["reviewer"], "to": to, "reason": reason})


def reassign(conn: sa.Connection, row: dict[str, Any], *, to: str, reason: str, now: datetime,
             actor: str, kind: str) -> None:
    """Move one item to another reviewer (escalation uses this too)."""
    _reassign(conn, row, to=to, reason=reason, now=now, actor=actor, kind=kind)
