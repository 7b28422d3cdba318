"""Deadlines and closing: reminders, escalation, the no-response rule and the revocation plan."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from tenure.config import NotificationsConfig
from tenure.errors import NotFound, TenureError
from tenure.evidence import ledger
from tenure.evidence.ledger import canonical_json, sha256_hex
from tenure.reviews.decisions import reassign
from tenure.reviews.notify import Message, channels, configured_channels
from tenure.store import schema

ITEMS, CMP, D = schema.review_items, schema.campaigns, schema.review_decisions


def load_campaign(conn: sa.Connection, campaign_id: str) -> dict[str, Any]:
    """A campaign row, or NotFound."""
    row = conn.execute(sa.select(CMP).where(CMP.c.id == campaign_id)).mappings().first()
    if row is None:
        raise NotFound(f"no campaign {campaign_id!r}")
    return dict(row)


@dataclass
class ReminderReport:
    """What ``remind`` did."""

    sent: list[dict[str, Any]] = field(default_factory=list)
    escalated: int = 0
    skipped: list[str] = field(default_factory=list)


def remind(conn: sa.Connection, campaign_id: str, *, config: NotificationsConfig,
           now: datetime, actor: str) -> ReminderReport:
    """Before the deadline: remind reviewers with pending items on the configured days.
    After it: escalate pending items to the fallback reviewer and tell them."""
    campaign = load_campaign(conn, campaign_id)
    if campaign["status"] != "open":
        raise TenureError(f"campaign {campaign_id} is closed")
    report = ReminderReport()
    pending = [dict(r) for r in conn.execute(
        sa.select(ITEMS).where(ITEMS.c.campaign_id == campaign_id,
                               ITEMS.c.status == "pending")).mappings()]
    overdue = now >= campaign["due_at"]
    kind = "escalation" if overdue else "reminder"
    if overdue:
        fallback = campaign["fallback_reviewer"]
        for row in pending:
            if row["reviewer"] != fallback:
                reassign(conn, row, to=fallback, reason="deadline passed with no decision",
                         now=now, actor=actor, kind="escalated")
                row["reviewer"] = fallback
                report.escalated += 1
    days_left = math.ceil((campaign["due_at"] - now).total_seconds() / 86400)
    if not overdue and days_left not in config.reminder_days:
        report.skipped.append(f"{days_left} day(s) left; reminders go out at "
                              f"{', '.join(str(d) for d in config.reminder_days)} day(s)")
        return report
    per_reviewer: dict[str, int] = defaultdict(int)
    for row in pending:
        per_reviewer[row["reviewer"]] += 1
    mark = "overdue" if overdue else f"T-{days_left}"
    already = set(conn.execute(
        sa.select(schema.review_notifications.c.reviewer, schema.review_notifications.c.detail)
        .where(schema.review_notifications.c.campaign_id == campaign_id,
               schema.review_notifications.c.kind == kind,
               schema.review_notifications.c.status == "sent")).all())
    names = configured_channels(config)
    if not names:
        report.skipped.append("no notification channel configured ([notifications] smtp or "
                              "webhook)")
    for reviewer, count in sorted(per_reviewer.items()):
        for name in names:
            if any(r == reviewer and d.startswith(f"{mark} {name}") for r, d in already):
                continue
            message = Message(
                kind=kind, campaign_id=campaign_id, campaign_name=campaign["name"],
                reviewer=reviewer, items=count, due=campaign["due_at"].date().isoformat(),
                text=(f"You have {count} access review item(s) in {campaign['name']!r} "
                      f"({campaign_id}) {'overdue since' if overdue else 'due'} "
                      f"{campaign['due_at'].date().isoformat()}.\n"
                      f"Run: tenure review items {campaign_id} --reviewer {reviewer}\n"))
            try:
                detail, status = f"{mark} {name}: {channels.get(name)(config, message)}", "sent"
            except Exception as exc:  # a failed delivery is recorded and reported, not fatal
                detail, status = f"{mark} {name}: {type(exc).__name__}: {exc}", "failed"
            conn.execute(schema.review_notifications.insert().values(
                campaign_id=campaign_id, reviewer=reviewer, kind=kind, channel=name,
                items=count, status=status, detail=detail, sent_at=now))
            report.sent.append({"reviewer": reviewer, "channel": name, "items": count,
                                "status": status, "detail": detail})
    ledger.append(conn, kind=f"campaign.{kind}", actor=actor, now=now, subject=campaign_id,
                  payload={"campaign_id": campaign_id, "escalated": report.escalated,
                           "notifications": report.sent})
    return report


def _no_response(rule: str, recommendation: str) -> tuple[str, str]:
    if rule == "recommendation":
        if recommendation in ("revoke", "reduce", "keep"):
            return recommendation, f"no response: followed the recommendation ({recommendation})"
        if recommendation == "investigate":
            return "keep", "no response to an investigate recommendation: no change"
        return "keep", "no response and no recommendation: no change"
    return rule, f"no response: campaign rule {rule}"


def _combine(strategy: str, decisions: list[str]) -> str:
    if strategy == "all-must-accept":
        if all(d == "keep" for d in decisions):
            return "keep"
        return "revoke" if "revoke" in decisions else "reduce"
    if "revoke" in decisions:
        return "revoke"
    return decisions[-1]


@dataclass(frozen=True, slots=True)
class ClosedCampaign:
    """The outcome of closing a campaign."""

    campaign_id: str
    outcomes: dict[str, int]
    plan: list[dict[str, Any]]
    plan_hash: str
    stored_plan_id: str | None = None
    """The stored, hash-pinned revocation plan built from the outcomes (what ``revoke
    approve/apply`` take), when the closer could plan it."""
    plan_problem: str | None = None
    """Why no plan was stored (not an admin, a source without revocation support)."""


def close(conn: sa.Connection, campaign_id: str, *, now: datetime, actor: str,
          force: bool = False) -> ClosedCampaign:
    """Apply the no-response rule, combine stages, write the revocation plan, close."""
    campaign = load_campaign(conn, campaign_id)
    if campaign["status"] != "open":
        raise TenureError(f"campaign {campaign_id} is already closed")
    if now < campaign["due_at"] and not force:
        pending = conn.execute(sa.select(sa.func.count()).where(
            ITEMS.c.campaign_id == campaign_id, ITEMS.c.status == "pending")).scalar_one()
        if pending:
            raise TenureError(f"campaign {campaign_id} is due {campaign['due_at'].isoformat()} "
                              f"and {pending} item(s) are undecided; wait or use --force")
    # Decisions are append-only: a changed decision is a newer row, and the latest row of
    # each stage is the one that counts.
    latest: dict[str, dict[int, tuple[int, str, str, str]]] = defaultdict(dict)
    for item_id, stage, decision, reviewer, justification in conn.execute(
        sa.select(D.c.item_id, D.c.stage, D.c.decision, D.c.reviewer, D.c.justification)
        .where(D.c.campaign_id == campaign_id).order_by(D.c.id)
    ):
        latest[item_id][stage] = (stage, decision, reviewer, justification)
    history = {item_id: [stages[s] for s in sorted(stages)]
               for item_id, stages in latest.items()}
    items = conn.execute(sa.select(ITEMS).where(ITEMS.c.campaign_id == campaign_id)
                         .order_by(ITEMS.c.id)).mappings().all()
    outcomes: dict[str, int] = defaultdict(int)
    plan: list[dict[str, Any]] = []
    updates = []
    for row in items:
        decisions = [d for _, d, _, _ in history.get(row["id"], []) if d != "dont_know"]
        reason: str
        if row["status"] == "pending" or row["decision"] == "dont_know" or not decisions:
            fill, reason = _no_response(campaign["if_no_response"], row["recommendation"])
            decisions = [*decisions, fill]
            decided_by = "no-response rule"
        else:
            last = history[row["id"]][-1]
            decided_by = last[2]
            reason = f"decided by {last[2]}" + (f": {last[3]}" if last[3] else "")
        outcome = _combine(campaign["outcome_strategy"], decisions)
        if decided_by == "no-response rule" and outcome != decisions[-1]:
            reason = f"earlier stage decided {outcome}"
        outcomes[outcome] += 1
        updates.append({"b_id": row["id"], "b_outcome": outcome, "b_reason": reason})
        if outcome in ("revoke", "reduce"):
            plan.append({
                "item_id": row["id"], "action": outcome, "kind": row["kind"],
                "source": row["source"], "tenant": row["tenant"],
                "subject_id": row["subject_id"], "label": row["label"],
                "reason": reason, "decided_by": decided_by,
                "recommendation": row["recommendation"],
                "snapshot_hash": row["snapshot_hash"],
            })
    if updates:
        conn.execute(ITEMS.update().where(ITEMS.c.id == sa.bindparam("b_id")).values(
            outcome=sa.bindparam("b_outcome"), outcome_reason=sa.bindparam("b_reason")),
            updates)
    plan_hash = sha256_hex(canonical_json(plan))
    conn.execute(CMP.update().where(CMP.c.id == campaign_id).values(
        status="closed", closed_at=now, closed_by=actor, plan=plan, plan_hash=plan_hash))
    ledger.append(conn, kind="campaign.closed", actor=actor, now=now, subject=campaign_id,
                  payload={"campaign_id": campaign_id, "outcomes": dict(outcomes),
                           "plan_items": len(plan), "plan_hash": plan_hash,
                           "forced_before_due": now < campaign["due_at"]})
    return ClosedCampaign(campaign_id, dict(outcomes), plan, plan_hash)
