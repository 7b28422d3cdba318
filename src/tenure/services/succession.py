"""Sponsor succession use case (lifecycle trigger ``sponsor``).

1. A live NHI whose sponsor left or moved passes provisionally to the sponsor's manager
   (basis ``succession``, in ``sponsors``, ``sponsor_history`` and the ledger); the
   ``nhi-sponsor-left`` finding stays open while it is provisional.
2. A one-item review asks the new sponsor to accept (keep), reassign (delegate: whoever keeps
   it becomes the sponsor) or revoke; with no answer by the deadline it revokes, like the
   mover review.
3. A keep decision makes the sponsorship final; a revoke (or no response) closes the review
   into a revocation plan of the containment calls.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from tenure.actions import planner
from tenure.evidence import ledger
from tenure.model import NhiKind, SponsorBasis
from tenure.nhi import sponsorship
from tenure.nhi.resolve import refresh
from tenure.nhi.succession import Succession, pending
from tenure.reviews.campaigns import CampaignSpec, NoResponse, create_campaign
from tenure.reviews.reviewers import parse_rule
from tenure.reviews.scope import parse_scope
from tenure.services.context import App
from tenure.store import schema

REVIEW_KIND = "lifecycle.sponsor_review"


def _open_review(app: App, conn: sa.Connection, s: Succession, now: datetime
                 ) -> dict[str, Any]:
    cfg = app.settings
    spec = CampaignSpec(
        name=f"Sponsor succession: {s.name}",
        scope=parse_scope(f"source:{s.source},kind:{s.kind},subject:{s.subject_id}"),
        due_at=app.wall() + timedelta(days=cfg.nhi.succession_review_days),
        reviewer_rule=parse_rule(f"named:{s.successor}", cfg.lifecycle.mover_fallback_reviewer),
        if_no_response=NoResponse.REVOKE, require_justification=True, allow_stale=True)
    campaign_id, population = create_campaign(conn, spec, now=now, actor=app.actor,
                                               recorded_at=app.wall())
    ledger.append(conn, kind=REVIEW_KIND, actor=app.actor, subject=f"{s.source}/{s.subject_id}",
                  payload={"campaign_id": campaign_id, "source": s.source,
                           "subject_type": str(s.kind), "subject_id": s.subject_id,
                           "previous": s.previous, "successor": s.successor,
                           "items": len(population.items)})
    return {"person": s.previous, "campaign_id": campaign_id, "reviewer": s.successor,
            "items": len(population.items), "subject": s.subject_id}


def pass_on(app: App, conn: sa.Connection, now: datetime) -> list[dict[str, Any]]:
    """Provisional succession for every NHI whose sponsor left or moved, each with its
    one-item review."""
    opened = []
    for s in pending(conn, app.settings.nhi, app.settings.lifecycle, now):
        reason = (f"{s.previous} {s.cause}; passed provisionally to their manager "
                  f"{s.successor} until accepted")
        sponsorship.record(
            conn, source=s.source, kind=s.kind, subject_id=s.subject_id, owner=s.successor,
            basis=SponsorBasis.SUCCESSION, reason=reason, provisional=True,
            previous_owner=s.previous, event="succession", set_by=app.actor, actor=app.actor,
            now=app.wall(), ledger_kind="sponsor.succession", extra={"cause": s.cause})
        refresh(conn, app.settings.nhi, app.wall())
        opened.append(_open_review(app, conn, s, now))
    return opened


def _reviews(conn: sa.Connection) -> list[dict[str, Any]]:
    le = schema.ledger_entries
    return [json.loads(p) for p in conn.execute(
        sa.select(le.c.payload).where(le.c.kind == REVIEW_KIND).order_by(le.c.seq)).scalars()]


def settle(app: App, conn: sa.Connection) -> list[dict[str, Any]]:
    """Accept kept successions; close revoked or overdue reviews into plans."""
    from tenure.reviews.closing import close

    cmp, items = schema.campaigns, schema.review_items
    rcfg = app.settings.revocation
    plans = []
    for review in _reviews(conn):
        campaign = conn.execute(sa.select(cmp.c.status, cmp.c.due_at).where(
            cmp.c.id == review["campaign_id"])).first()
        if campaign is None or campaign.status != "open":
            continue
        item = conn.execute(sa.select(items.c.decision, items.c.decided_by).where(
            items.c.campaign_id == review["campaign_id"])).first()
        decision = item.decision if item else None
        if decision == "keep" and item is not None:
            owner = str(item.decided_by).lower()
            sponsorship.record(
                conn, source=review["source"], kind=NhiKind(review["subject_type"]),
                subject_id=review["subject_id"], owner=owner, basis=SponsorBasis.SUCCESSION,
                reason=f"accepted by {owner} after {review['previous']} left or moved",
                provisional=False, previous_owner=review["previous"], event="accepted",
                set_by=owner, actor=app.actor, now=app.wall(), ledger_kind="sponsor.accepted")
            close(conn, review["campaign_id"], now=app.wall(), actor=app.actor, force=True)
            continue
        if decision != "revoke" and campaign.due_at > app.wall():
            continue
        close(conn, review["campaign_id"], now=app.wall(), actor=app.actor, force=True)
        targets = planner.targets_from_campaign(conn, review["campaign_id"])
        if not targets:
            continue
        plan, notes = planner.build_plan(
            conn, app.settings, targets, origin=f"campaign:{review['campaign_id']}",
            created_by=app.actor, now=app.wall(), task_owner=rcfg.task_owner,
            task_days=rcfg.task_days)
        plans.append({"trigger": "sponsor", "plan_id": plan.id, "sha256": plan.sha256,
                      "steps": len(plan.steps), "skipped": notes, "document": plan.to_json()})
    refresh(conn, app.settings.nhi, app.wall())
    return plans
