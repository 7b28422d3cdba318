"""Access-review use cases for the CLI, the API and the web app."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from tenure.errors import NotAllowed, NotFound, TenureError
from tenure.nhi import resolve as nhi_resolve
from tenure.reviews import closing, decisions
from tenure.reviews.campaigns import CampaignSpec, Population, build_population, create_campaign
from tenure.reviews.closing import ClosedCampaign, ReminderReport
from tenure.reviews.decisions import Decision
from tenure.services.context import App
from tenure.services.principal import require_role
from tenure.services.web_users import Role
from tenure.store import schema

ITEMS, CMP = schema.review_items, schema.campaigns


def with_freshness(app: App, spec: CampaignSpec) -> CampaignSpec:
    """Apply the configured data-freshness limit to a spec."""
    from dataclasses import replace

    return replace(spec, max_source_age=timedelta(
        hours=app.settings.reviews.max_source_age_hours),
        idp_owners=tuple(sorted(app.settings.reviews.idp_owners.items())))


def preview(app: App, spec: CampaignSpec) -> Population:
    """The population a campaign would snapshot, without creating anything."""
    with app.engine.connect() as conn:
        return build_population(conn, with_freshness(app, spec), "preview", app.now())


def create(app: App, spec: CampaignSpec) -> tuple[str, Population]:
    """Create a campaign (population snapshotted, items assigned) in one transaction."""
    with app.engine.begin() as conn:
        nhi_resolve.refresh(conn, app.settings.nhi, app.wall())  # items show who answers
        return create_campaign(conn, with_freshness(app, spec), now=app.now(), actor=app.actor,
                               recorded_at=app.wall())


@dataclass(frozen=True, slots=True)
class CampaignSummary:
    """A campaign with its progress."""

    id: str
    name: str
    status: str
    scope: str
    due_at: datetime
    items: int
    decided: int
    pending: int
    overdue: bool
    created_at: datetime
    created_by: str
    population_hash: str
    plan_hash: str | None
    no_response: int = 0
    """Items nobody decided, closed by the campaign's no-response rule (closed campaigns)."""


def _summaries(conn: sa.Connection, where: Any, now: datetime) -> list[CampaignSummary]:
    counts = (sa.select(ITEMS.c.campaign_id,
                        sa.func.count().label("n"),
                        sa.func.sum(sa.case((ITEMS.c.status == "pending", 1), else_=0)).label("p"))
              .group_by(ITEMS.c.campaign_id).subquery())
    rows = conn.execute(
        sa.select(CMP, counts.c.n, counts.c.p).outerjoin(counts, counts.c.campaign_id == CMP.c.id)
        .where(where).order_by(CMP.c.created_at)).mappings()
    # A closed campaign has no pending item: what nobody decided was closed by the
    # no-response rule, and that is its final status.
    return [CampaignSummary(
        id=r["id"], name=r["name"], status=r["status"], scope=r["scope"], due_at=r["due_at"],
        items=int(r["n"] or 0), decided=int((r["n"] or 0) - (r["p"] or 0)),
        pending=int(r["p"] or 0) if r["status"] == "open" else 0,
        no_response=0 if r["status"] == "open" else int(r["p"] or 0),
        overdue=r["status"] == "open" and now >= r["due_at"] and bool(r["p"]),
        created_at=r["created_at"], created_by=r["created_by"],
        population_hash=r["population_hash"], plan_hash=r["plan_hash"]) for r in rows]


def list_campaigns(app: App) -> list[CampaignSummary]:
    """Every campaign with its progress."""
    with app.engine.connect() as conn:
        return _summaries(conn, sa.true(), app.now())


@dataclass(frozen=True, slots=True)
class CampaignDetail:
    """A campaign, its progress by reviewer, and its settings."""

    summary: CampaignSummary
    settings: dict[str, Any]
    by_reviewer: list[dict[str, Any]]
    by_recommendation: dict[str, int]
    plan: list[dict[str, Any]] | None


def show(app: App, campaign_id: str) -> CampaignDetail:
    """One campaign in detail."""
    with app.engine.connect() as conn:
        found = _summaries(conn, CMP.c.id == campaign_id, app.now())
        if not found:
            raise NotFound(f"no campaign {campaign_id!r}")
        row = closing.load_campaign(conn, campaign_id)
        per: dict[str, dict[str, Any]] = defaultdict(lambda: {"pending": 0, "decided": 0})
        recs: dict[str, int] = defaultdict(int)
        for reviewer, status, rec, n in conn.execute(
            sa.select(ITEMS.c.reviewer, ITEMS.c.status, ITEMS.c.recommendation, sa.func.count())
            .where(ITEMS.c.campaign_id == campaign_id)
            .group_by(ITEMS.c.reviewer, ITEMS.c.status, ITEMS.c.recommendation)):
            per[reviewer]["pending" if status == "pending" else "decided"] += n
            recs[rec] += n
    settings = {k: row[k] for k in (
        "reviewer_rule", "fallback_reviewer", "if_no_response", "stages", "stage2_reviewer",
        "outcome_strategy", "require_justification", "allow_self_review", "as_of",
        "population_query", "population_size")}
    overdue = found[0].overdue
    return CampaignDetail(
        found[0], settings,
        [{"reviewer": r, **v, "overdue": overdue and v["pending"] > 0}
         for r, v in sorted(per.items())],
        dict(recs), row["plan"])


@dataclass(frozen=True, slots=True)
class ItemRow:
    """A review item as a reviewer sees it: recommendation and reason first."""

    id: str
    campaign_id: str
    kind: str
    source: str
    subject_id: str
    label: str
    person_email: str | None
    privileged: bool
    recommendation: str
    reason: str
    risk: int
    stage: int
    reviewer: str
    status: str
    decision: str | None
    decided_by: str | None
    justification: str | None
    outcome: str | None
    last_activity: str | None
    snapshot: dict[str, Any]


def items(app: App, campaign_id: str, *, reviewer: str | None = None,
          status: str | None = None, item_ids: Sequence[str] = ()) -> list[ItemRow]:
    """Items of a campaign sorted by risk (a reviewer's queue when ``reviewer`` is given)."""
    query = sa.select(ITEMS).where(ITEMS.c.campaign_id == campaign_id)
    if reviewer:
        query = query.where(ITEMS.c.reviewer == reviewer.strip().lower())
    if status:
        query = query.where(ITEMS.c.status == status)
    if item_ids:
        query = query.where(ITEMS.c.id.in_(list(item_ids)))
    with app.engine.connect() as conn:
        closing.load_campaign(conn, campaign_id)
        rows = conn.execute(query.order_by(ITEMS.c.risk.desc(), ITEMS.c.label)).mappings().all()
    return [ItemRow(
        id=r["id"], campaign_id=r["campaign_id"], kind=r["kind"], source=r["source"],
        subject_id=r["subject_id"], label=r["label"], person_email=r["person_email"],
        privileged=r["privileged"], recommendation=r["recommendation"],
        reason=r["recommendation_reason"], risk=r["risk"], stage=r["stage"],
        reviewer=r["reviewer"], status=r["status"], decision=r["decision"],
        decided_by=r["decided_by"], justification=r["justification"], outcome=r["outcome"],
        last_activity=r["snapshot"]["usage"]["last_activity_at"], snapshot=r["snapshot"],
    ) for r in rows]


def acting_reviewer(app: App, reviewer: str | None, doing: str) -> str:
    """The authenticated admin or reviewer who is acting; ``reviewer``, when given, must be
    that same person (a typed email is not an identity)."""
    user = require_role(app, Role.ADMIN, Role.REVIEWER, doing=doing)
    if reviewer is not None and reviewer.strip().lower() != user.email:
        raise NotAllowed(f"signed in as {user.email}, not {reviewer.strip().lower()}: "
                         f"{doing} is recorded under the authenticated user only")
    return user.email


def decide(app: App, item_ids: Sequence[str], *, reviewer: str | None = None,
           decision: Decision, justification: str) -> list[str]:
    """Record the authenticated reviewer's decision on items assigned to them (all or
    nothing; a first decision only — see :func:`record_decision` for a change)."""
    reviewer = acting_reviewer(app, reviewer, "deciding review items")
    with app.engine.begin() as conn:
        return decisions.decide(conn, item_ids=item_ids, reviewer=reviewer, decision=decision,
                                justification=justification, now=app.wall(), actor=app.actor)


def record_decision(app: App, item_id: str, *, reviewer: str | None = None,
                    decision: Decision, justification: str) -> list[str]:
    """Record a (new) decision on one item assigned to ``reviewer``: the first one, or a
    change of mind while the campaign is open. Append-only: the earlier decisions stay in
    the history and the ledger, and the latest of the stage counts. ``reviewer`` must be the
    authenticated person (the web session's or the CLI token's user), never a typed email.
    Returns the item when it moved on to a second stage."""
    reviewer = acting_reviewer(app, reviewer, "deciding a review item")
    with app.engine.begin() as conn:
        return decisions.decide(conn, item_ids=[item_id], reviewer=reviewer, decision=decision,
                                justification=justification, now=app.wall(), actor=app.actor,
                                allow_change=True)


def decision_history(app: App, item_id: str, *, reviewer: str | None = None
                     ) -> list[decisions.DecisionRecord]:
    """Every decision recorded on an item, oldest first (``current`` marks the one that
    counts per stage). With ``reviewer`` the item must be assigned to, or have been decided
    by, that reviewer (others' items read as not found)."""
    with app.engine.connect() as conn:
        item = conn.execute(sa.select(ITEMS.c.reviewer).where(ITEMS.c.id == item_id)).first()
        records = decisions.history(conn, item_id)
    if item is None or (reviewer is not None and item.reviewer != reviewer.lower()
                        and all(r.reviewer != reviewer.lower() for r in records)):
        raise NotFound(f"no review item {item_id!r}"
                       + (f" assigned to {reviewer}" if reviewer else ""))
    return records


def delegate(app: App, item_ids: Sequence[str], *, reviewer: str | None = None, to: str,
             reason: str) -> None:
    """Hand items assigned to the authenticated reviewer to another, with a reason."""
    reviewer = acting_reviewer(app, reviewer, "delegating review items")
    with app.engine.begin() as conn:
        decisions.delegate(conn, item_ids=item_ids, reviewer=reviewer, to=to, reason=reason,
                           now=app.wall(), actor=app.actor)


def remind(app: App, campaign_id: str) -> ReminderReport:
    """Send due reminders, or escalate after the deadline."""
    with app.engine.begin() as conn:
        return closing.remind(conn, campaign_id, config=app.settings.notifications,
                              now=app.wall(), actor=app.actor)


CLOSE_CHANGES = frozenset({"review_decision", "revocation_plan"})
"""What closing a campaign changes (the data kinds checks may declare they read)."""


def close(app: App, campaign_id: str, *, force: bool = False) -> ClosedCampaign:
    """Close a campaign and produce its revocation plan."""
    from tenure.services.evidence import auto_checkpoint
    from tenure.services.findings import run_affected_checks
    from tenure.services.revocation import plan_revocation

    with app.engine.begin() as conn:
        closed = closing.close(conn, campaign_id, now=app.wall(), actor=app.actor, force=force)
    if closed.plan:
        # One plan: the outcomes become the same stored, hash-pinned plan object that
        # `revoke approve/apply` use (planned by the closing admin, approved by another).
        try:
            stored, _ = plan_revocation(app, campaign=campaign_id)
            closed = replace(closed, stored_plan_id=stored.id)
        except TenureError as exc:
            # The campaign is closed either way; an admin plans it later with
            # `revoke plan --from-campaign` (the reason is shown, never swallowed).
            closed = replace(closed, plan_problem=str(exc))
    # Closing records decisions and stores a plan; no check reads either, so nothing needs
    # re-evaluating until the plan is applied (which re-runs what the apply changed).
    run_affected_checks(app, CLOSE_CHANGES, trigger=f"close:{campaign_id}")
    auto_checkpoint(app)
    return closed


def campaign_plans(app: App, campaign_id: str) -> list[dict[str, Any]]:
    """The stored revocation plans made from a campaign's outcomes, newest first."""
    p = schema.revocation_plans
    with app.engine.connect() as conn:
        return [dict(r) for r in conn.execute(
            sa.select(p.c.id, p.c.sha256, p.c.status, p.c.created_at, p.c.created_by,
                      p.c.approved_by).where(p.c.origin == f"campaign:{campaign_id}")
            .order_by(p.c.created_at.desc())).mappings()]
