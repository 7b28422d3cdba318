"""Creating campaigns: freshness guard, population snapshot, recommendations, reviewers."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import sqlalchemy as sa

from tenure.errors import TenureError
from tenure.evidence import ledger
from tenure.evidence.ledger import canonical_json, sha256_hex
from tenure.model import RunStatus
from tenure.reviews.context import ItemSnapshot
from tenure.reviews.population import build_snapshots
from tenure.reviews.recommend import Advice, recommend, risk_score
from tenure.reviews.reviewers import ReviewerRule, resolve_reviewer
from tenure.reviews.scope import Scope
from tenure.store import schema


class NoResponse(StrEnum):
    """What happens at close to items nobody decided (Entra's "if reviewers don't respond")."""

    KEEP = "keep"
    REVOKE = "revoke"
    RECOMMENDATION = "recommendation"


class OutcomeStrategy(StrEnum):
    """How the decisions of several stages combine (midPoint's outcome strategies)."""

    ONE_DENY_DENIES = "one-deny-denies"
    ALL_MUST_ACCEPT = "all-must-accept"


class StaleData(TenureError):
    """A source in scope was last synced longer ago than the campaign allows."""


@dataclass(frozen=True, slots=True)
class CampaignSpec:
    """Everything ``tenure review create`` asks for."""

    name: str
    scope: Scope
    due_at: datetime
    reviewer_rule: ReviewerRule
    if_no_response: NoResponse = NoResponse.KEEP
    stages: int = 1
    stage2_reviewer: str | None = None
    outcome_strategy: OutcomeStrategy = OutcomeStrategy.ONE_DENY_DENIES
    require_justification: bool = False
    allow_self_review: bool = False
    allow_stale: bool = False
    max_source_age: timedelta = timedelta(hours=48)
    idp_owners: tuple[tuple[str, str], ...] = ()
    """SCIM source → its owner (``[reviews] idp_owners``): who owns a SCIM-managed group."""


@dataclass(frozen=True, slots=True)
class PlannedItem:
    """A population member with its recommendation and reviewer."""

    id: str
    snapshot: ItemSnapshot
    text: str
    """The snapshot as stored, canonical JSON (what the hash covers). Text, not the decoded
    dict: a 13,000-item campaign held ~300 MB of dicts; each is decoded only as its
    2,000-row insert chunk is written."""
    snapshot_hash: str
    advice: Advice
    reviewer: str
    risk: int


@dataclass(frozen=True, slots=True)
class Population:
    """The population of a campaign (before or at creation)."""

    items: list[PlannedItem]
    population_hash: str
    stale_sources: list[str]
    query: str


def item_id(campaign_id: str, snap: ItemSnapshot) -> str:
    """Deterministic item id within a campaign."""
    key = f"{campaign_id}|{snap.kind}|{snap.source}|{snap.subject_id}"
    return "itm_" + hashlib.sha256(key.encode()).hexdigest()[:20]


def stale_sources(conn: sa.Connection, scope: Scope, now: datetime,
                  max_age: timedelta) -> list[str]:
    """Platform sources in scope whose last successful sync is older than ``max_age``."""
    runs, accounts = schema.sync_runs, schema.accounts
    platform_sources = set(conn.execute(sa.select(accounts.c.source).distinct()).scalars())
    wanted = set(scope.sources) or platform_sources
    ok = [str(RunStatus.COMPLETE), str(RunStatus.PARTIAL)]
    last_ok = dict(conn.execute(
        sa.select(runs.c.source, sa.func.max(runs.c.finished_at))
        .where(runs.c.status.in_(ok)).group_by(runs.c.source)).all())
    out = []
    for source in sorted(wanted):
        when = last_ok.get(source)
        if when is None:
            out.append(f"{source}: never synced successfully")
        elif now - when > max_age:
            hours = int((now - when).total_seconds() // 3600)
            out.append(f"{source}: last successful sync {hours} h ago "
                       f"(limit {int(max_age.total_seconds() // 3600)} h)")
    return out


def build_population(conn: sa.Connection, spec: CampaignSpec, campaign_id: str,
                     now: datetime) -> Population:
    """Snapshot the population with recommendations and reviewers (nothing written)."""
    items = []
    for snap in build_snapshots(conn, spec.scope, now, idp_owners=dict(spec.idp_owners)):
        text = canonical_json(snap.as_dict())
        advice = recommend(snap, now)
        reviewer = resolve_reviewer(snap, spec.reviewer_rule, allow_self=spec.allow_self_review)
        items.append(PlannedItem(item_id(campaign_id, snap), snap, text, sha256_hex(text),
                                 advice, reviewer, risk_score(snap, advice)))
    population_hash = sha256_hex(canonical_json(sorted((i.id, i.snapshot_hash) for i in items)))
    return Population(items, population_hash,
                      stale_sources(conn, spec.scope, now, spec.max_source_age),
                      f"scope={spec.scope.describe()}; as_of={now.isoformat()}")


def create_campaign(conn: sa.Connection, spec: CampaignSpec, *, now: datetime,
                    actor: str, recorded_at: datetime | None = None) -> tuple[str, Population]:
    """Create the campaign and its snapshotted items in the caller's transaction.

    The population is judged as of ``now`` (the evaluation clock); the campaign is created,
    and its deadline checked, at ``recorded_at`` (the wall clock; ``now`` when not given).
    """
    created = recorded_at if recorded_at is not None else now
    if spec.due_at <= created:
        raise TenureError(f"--due {spec.due_at.isoformat()} is not in the future")
    if spec.stages not in (1, 2):
        raise TenureError("--stages must be 1 or 2")
    campaign_id = "cmp_" + uuid.uuid4().hex[:16]
    population = build_population(conn, spec, campaign_id, now)
    if population.stale_sources and not spec.allow_stale:
        raise StaleData("refusing to snapshot stale data (sync first, or pass --allow-stale): "
                        + "; ".join(population.stale_sources))
    conn.execute(schema.campaigns.insert().values(
        id=campaign_id, name=spec.name, scope=spec.scope.describe(),
        reviewer_rule=spec.reviewer_rule.describe(),
        fallback_reviewer=spec.reviewer_rule.fallback, if_no_response=str(spec.if_no_response),
        stages=spec.stages, stage2_reviewer=spec.stage2_reviewer,
        outcome_strategy=str(spec.outcome_strategy),
        require_justification=spec.require_justification,
        allow_self_review=spec.allow_self_review, due_at=spec.due_at, status="open", as_of=now,
        population_query=population.query, population_size=len(population.items),
        population_hash=population.population_hash, created_at=created, created_by=actor))
    def row(i: PlannedItem) -> dict[str, Any]:
        snapshot = json.loads(i.text)
        person_email = (i.snapshot.person.email if i.snapshot.person else
                        i.snapshot.owner.email if i.snapshot.owner else None)
        return {
            "id": i.id, "campaign_id": campaign_id, "kind": i.snapshot.kind,
            "source": i.snapshot.source, "tenant": i.snapshot.tenant,
            "subject_id": i.snapshot.subject_id, "label": i.snapshot.label[:512],
            "person_email": person_email,
            # the queue's grouping: the person, else the account's email, else the item
            "group_key": (person_email or snapshot.get("email") or i.id)[:512],
            "findings": len(snapshot.get("findings") or ()),
            "privileged": i.snapshot.privileged, "snapshot": snapshot,
            "snapshot_hash": i.snapshot_hash, "recommendation": str(i.advice.recommendation),
            "recommendation_reason": i.advice.reason, "risk": i.risk, "stage": 1,
            "reviewer": i.reviewer, "status": "pending",
        }

    for start in range(0, len(population.items), 2000):
        conn.execute(schema.review_items.insert(),
                     [row(i) for i in population.items[start:start + 2000]])
    ledger.append(conn, kind="campaign.created", actor=actor, now=now, subject=campaign_id,
                  payload={"campaign_id": campaign_id, "name": spec.name,
                           "scope": spec.scope.describe(), "query": population.query,
                           "population_size": len(population.items),
                           "population_hash": population.population_hash,
                           "due_at": spec.due_at, "stale_sources": population.stale_sources,
                           "if_no_response": str(spec.if_no_response)})
    return campaign_id, population
