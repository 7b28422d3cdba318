"""Bulk deciding for the web and the API: accept recommendations, or keep/revoke the selection,
with the overrides counted and a justification required for overriding a revoke.

One transaction for the whole selection: all or nothing, as for a single decision.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import sqlalchemy as sa

from tenure.errors import NotFound
from tenure.reviews import decisions
from tenure.reviews.decisions import Decision, DecisionRefused
from tenure.services.context import App
from tenure.services.reviews import acting_reviewer
from tenure.store import schema

ITEMS = schema.review_items
ACCEPTABLE = {"keep": Decision.KEEP, "revoke": Decision.REVOKE, "reduce": Decision.REDUCE}
"""Recommendations a reviewer can accept as they are; investigate and no-verdict items need
the reviewer's own decision."""


class BulkAction(StrEnum):
    """What a reviewer does with a selection."""

    ACCEPT = "accept"
    KEEP = "keep"
    REVOKE = "revoke"
    REDUCE = "reduce"
    DONT_KNOW = "dont_know"


@dataclass(frozen=True, slots=True)
class Overrides:
    """How a selection compares with Tenure's recommendations."""

    selected: int
    disagree: int
    revoke_overridden: int
    by_recommendation: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class BulkResult:
    """What was recorded."""

    decided: dict[str, list[str]]
    """Item ids by the decision recorded."""
    left_pending: list[str]
    """Items whose recommendation cannot simply be accepted (investigate, no verdict)."""
    overrides: Overrides
    second_stage: list[str]


def _recommendations(app: App, item_ids: Sequence[str], reviewer: str) -> dict[str, str]:
    with app.engine.connect() as conn:
        rows = dict(conn.execute(
            sa.select(ITEMS.c.id, ITEMS.c.recommendation)
            .where(ITEMS.c.id.in_(list(item_ids)), ITEMS.c.reviewer == reviewer)).all())
    missing = [i for i in item_ids if i not in rows]
    if missing:
        raise NotFound(f"no review item {missing[0]!r} assigned to {reviewer}")
    return {str(k): str(v) for k, v in rows.items()}


def overrides(recommended: dict[str, str], action: BulkAction) -> Overrides:
    """Count the items whose decision would disagree with their recommendation."""
    by_rec: dict[str, int] = defaultdict(int)
    disagree = revoke_overridden = 0
    for rec in recommended.values():
        by_rec[rec] += 1
        if action is BulkAction.ACCEPT:
            continue
        if rec != str(action):
            disagree += 1
            if rec == "revoke" and action in (BulkAction.KEEP, BulkAction.REDUCE):
                revoke_overridden += 1
    return Overrides(len(recommended), disagree, revoke_overridden, dict(by_rec))


def decide_selection(app: App, item_ids: Sequence[str], *, reviewer: str | None = None,
                     action: BulkAction, justification: str,
                     allow_change: bool = False) -> BulkResult:
    """Record ``action`` on the reviewer's selected items in one transaction.

    ``accept`` records each item's own recommendation (revoke stays revoke); items recommended
    investigate or without a verdict are left pending for the reviewer's own decision. Keeping
    (or reducing) items recommended revoke needs a justification, naming how many disagree.
    With ``allow_change`` items the reviewer already decided may be decided again while the
    campaign is open (a new record; the history keeps the earlier one).
    """
    reviewer = acting_reviewer(app, reviewer, "deciding review items")
    ids = list(dict.fromkeys(item_ids))
    recommended = _recommendations(app, ids, reviewer)
    counted = overrides(recommended, action)
    if counted.revoke_overridden and not justification.strip():
        raise DecisionRefused(
            f"{counted.revoke_overridden} of the {counted.selected} selected items are "
            f"recommended revoke: {action} on them overrides the recommendation and needs a "
            "justification")
    groups: dict[Decision, list[str]] = defaultdict(list)
    pending: list[str] = []
    for item_id in ids:
        if action is BulkAction.ACCEPT:
            decision = ACCEPTABLE.get(recommended[item_id])
            if decision is None:
                pending.append(item_id)
                continue
        else:
            decision = Decision(str(action))
        groups[decision].append(item_id)
    advanced: list[str] = []
    with app.engine.begin() as conn:
        for decision, group in groups.items():
            advanced += decisions.decide(conn, item_ids=group, reviewer=reviewer,
                                         decision=decision, justification=justification,
                                         now=app.wall(), actor=app.actor,
                                         allow_change=allow_change)
    return BulkResult({str(d): g for d, g in groups.items()}, pending, counted, advanced)


def next_pending(app: App, reviewer: str, after: str | None = None) -> str | None:
    """The reviewer's riskiest pending item in open campaigns other than ``after``."""
    cmp = schema.campaigns
    query = (sa.select(ITEMS.c.id).join(cmp, cmp.c.id == ITEMS.c.campaign_id)
             .where(ITEMS.c.reviewer == reviewer.strip().lower(),
                    ITEMS.c.status == "pending", cmp.c.status == "open")
             .order_by(ITEMS.c.risk.desc(), ITEMS.c.label, ITEMS.c.id).limit(2))
    with app.engine.connect() as conn:
        found = [i for i in conn.execute(query).scalars() if i != after]
    return found[0] if found else None
