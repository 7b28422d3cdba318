"""The tables the ledger records, checked against the ledger: a row edited, added or deleted
in ``review_decisions`` or ``revocation_plans`` without its ledger entry is a disagreement,
and an export or a verification that meets one fails instead of packaging the table.

The ledger's payloads are the record (their hashes are chained and signed); the tables are
their working copy. Review decisions are append-only, so the table's rows of a campaign, in
insertion order, must be exactly the ``review.decided`` entries of that campaign, in ledger
order. A plan's stored hash and planner must be those its ``plan.created`` entry recorded, and
its approver the one ``plan.approved`` recorded (none when no approval was ledgered).
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

import sqlalchemy as sa

from tenure.store import schema

MAX_LISTED = 50
_DECISION_FIELDS = ("item_id", "stage", "reviewer", "decision", "justification",
                    "snapshot_hash")


def _payloads(conn: sa.Connection, kinds: tuple[str, ...]) -> list[tuple[int, str, Any]]:
    le = schema.ledger_entries
    out = []
    for seq, kind, payload in conn.execute(
            sa.select(le.c.seq, le.c.kind, le.c.payload).where(le.c.kind.in_(kinds))
            .order_by(le.c.seq)):
        try:
            out.append((int(seq), kind, json.loads(payload)))
        except json.JSONDecodeError:
            continue  # the chain check reports a changed payload
    return out


def decision_problems(conn: sa.Connection, campaign_id: str | None = None) -> list[str]:
    """How ``review_decisions`` disagrees with the ``review.decided`` entries (all campaigns,
    or one)."""
    d = schema.review_decisions
    query = sa.select(d).order_by(d.c.id)
    if campaign_id is not None:
        query = query.where(d.c.campaign_id == campaign_id)
    rows: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    row_ids: dict[str, list[int]] = defaultdict(list)
    for r in conn.execute(query).mappings():
        rows[r["campaign_id"]].append(tuple(r[f] for f in _DECISION_FIELDS))
        row_ids[r["campaign_id"]].append(int(r["id"]))
    entries: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    seqs: dict[str, list[int]] = defaultdict(list)
    for seq, _, p in _payloads(conn, ("review.decided",)):
        if not isinstance(p, dict) or (campaign_id is not None
                                       and p.get("campaign_id") != campaign_id):
            continue
        entries[str(p.get("campaign_id"))].append(tuple(p.get(f) for f in _DECISION_FIELDS))
        seqs[str(p.get("campaign_id"))].append(seq)
    problems = []
    for cid in sorted(set(rows) | set(entries)):
        table, recorded = rows.get(cid, []), entries.get(cid, [])
        for i in range(max(len(table), len(recorded))):
            have = table[i] if i < len(table) else None
            want = recorded[i] if i < len(recorded) else None
            if have == want:
                continue
            if want is None:
                problems.append(f"campaign {cid}: review_decisions row {row_ids[cid][i]} "
                                f"(item {have[0] if have else '?'}) has no review.decided "
                                "ledger entry (inserted into the table)")
            elif have is None:
                problems.append(f"campaign {cid}: ledger entry {seqs[cid][i]} records a "
                                f"decision on item {want[0]} that review_decisions no longer "
                                "has (deleted from the table)")
            else:
                fields = [f for f, a, b in zip(_DECISION_FIELDS, have, want, strict=True)
                          if a != b]
                problems.append(f"campaign {cid}: review_decisions row {row_ids[cid][i]} "
                                f"differs from ledger entry {seqs[cid][i]} in "
                                + ", ".join(fields) + " (edited in the table)")
            break  # one disagreement per campaign: the rest of it would only repeat
    return problems


def plan_problems(conn: sa.Connection, plan_ids: list[str] | None = None) -> list[str]:
    """How ``revocation_plans`` disagrees with the ``plan.created`` / ``plan.approved``
    entries (every plan, or those listed)."""
    created: dict[str, tuple[int, dict[str, Any]]] = {}
    approved: dict[str, tuple[int, str]] = {}
    for seq, kind, p in _payloads(conn, ("plan.created", "plan.approved")):
        if not isinstance(p, dict):
            continue
        if kind == "plan.created":
            created[str(p.get("plan_id"))] = (seq, p)
        else:
            approved[str(p.get("plan_id"))] = (seq, str(p.get("approver")))
    table = schema.revocation_plans
    query = sa.select(table.c.id, table.c.sha256, table.c.created_by, table.c.approved_by)
    if plan_ids is not None:
        query = query.where(table.c.id.in_(plan_ids))
    problems = []
    for plan_id, sha256, created_by, approved_by in conn.execute(query.order_by(table.c.id)):
        made = created.get(plan_id)
        if made is None:
            problems.append(f"plan {plan_id} has no plan.created ledger entry (inserted into "
                            "the table)")
            continue
        seq, p = made
        if p.get("sha256") != sha256:
            problems.append(f"plan {plan_id}: stored hash {sha256} is not the {p.get('sha256')} "
                            f"ledger entry {seq} recorded (edited in the table)")
        if "planner" in p and p["planner"] != created_by:
            problems.append(f"plan {plan_id}: planner {created_by} is not the {p['planner']} "
                            f"ledger entry {seq} recorded (edited in the table)")
        approval = approved.get(plan_id)
        if approval is None and approved_by is not None:
            problems.append(f"plan {plan_id}: approved by {approved_by} in the table, but no "
                            "approval is in the ledger (edited in the table)")
        elif approval is not None and approval[1] != approved_by:
            problems.append(f"plan {plan_id}: approved by {approved_by} in the table, but "
                            f"ledger entry {approval[0]} recorded {approval[1]} (edited in the "
                            "table)")
    return problems


def table_problems(conn: sa.Connection, *, campaign_id: str | None = None,
                   plan_ids: list[str] | None = None) -> list[str]:
    """Every disagreement between the recorded tables and the ledger (capped listing)."""
    return (decision_problems(conn, campaign_id) + plan_problems(conn, plan_ids))[:MAX_LISTED]
