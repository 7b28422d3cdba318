"""Campaign creation: scope, snapshot, recommendations, reviewers, freshness guard."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tenure.errors import TenureError
from tenure.reviews.campaigns import CampaignSpec, StaleData
from tenure.reviews.reviewers import parse_rule
from tenure.reviews.scope import ScopeError, SubjectKind, parse_scope
from tenure.services import reviews
from tenure.services.context import App
from tenure.store import schema

from .conftest import DUE


def spec(scope: str = "source:claude,kind:account,kind:api_key", **kw: object) -> CampaignSpec:
    base = CampaignSpec(name="Q4 Claude", scope=parse_scope(scope), due_at=DUE,
                        reviewer_rule=parse_rule("manager,key-owner", "secops@corp.io"))
    return replace(base, **kw)  # type: ignore[arg-type]


def by_subject(app: App, campaign_id: str) -> dict[str, reviews.ItemRow]:
    return {i.subject_id: i for i in reviews.items(app, campaign_id)}


def test_recommendations_with_reasons(org: App) -> None:
    campaign_id, population = reviews.create(org, spec())
    got = {s: (i.recommendation, i.reason) for s, i in by_subject(org, campaign_id).items()}
    assert got["user_bob"][0] == "revoke"
    assert "leaver" in got["user_bob"][1]
    assert got["user_carol"] == ("revoke", "dormant: no activity for 45 days")
    assert got["user_dave"][0] == "reduce"
    assert "no admin action in 90 days" in got["user_dave"][1]
    assert got["user_erin"][0] == "keep"
    assert got["user_erin"][1].startswith("new:")
    assert got["user_alice"][0] == "keep"
    assert got["user_frank"][0] == "keep"
    assert got["apikey_gone"][0] == "revoke"
    assert "orphaned key" in got["apikey_gone"][1]
    assert got["apikey_idle"] == ("revoke", "dormant: no activity for 80 days")
    assert got["apikey_live"][0] == "keep"
    assert len(population.items) == 9


def test_snapshot_carries_usage_context_and_is_hashed(org: App) -> None:
    campaign_id, population = reviews.create(org, spec())
    items = by_subject(org, campaign_id)
    live = items["apikey_live"].snapshot
    assert live["usage"]["requests_30d"] == 10 + 80 + 150
    assert sum(live["usage"]["weekly_requests"]) == 240
    assert live["owner"]["email"] == "alice@corp.io"
    assert live["owner"]["person"]["department"] == "Eng"
    frank = items["user_frank"].snapshot
    assert frank["usage"]["admin_actions_90d"] == 1
    assert frank["person"]["manager_email"] == "alice@corp.io"
    assert frank["grants"] == ["organization:org-1:admin"]
    with org.engine.connect() as conn:
        stored = conn.execute(sa.select(schema.campaigns.c.population_hash)).scalar_one()
        entry = conn.execute(sa.select(schema.ledger_entries.c.payload).where(
            schema.ledger_entries.c.kind == "campaign.created")).scalar_one()
    assert stored == population.population_hash
    assert population.population_hash in entry


def test_reviewers_by_rule_never_self(org: App) -> None:
    campaign_id, _ = reviews.create(org, spec())
    items = by_subject(org, campaign_id)
    assert items["user_alice"].reviewer == "boss@corp.io"
    assert items["user_frank"].reviewer == "alice@corp.io"
    # alice's key: her manager reviews, not alice (key-owner would be herself)
    assert items["apikey_live"].reviewer == "boss@corp.io"
    # an orphaned key has no person: fallback
    assert items["apikey_gone"].reviewer == "secops@corp.io"
    campaign_id, _ = reviews.create(org, spec(reviewer_rule=parse_rule("key-owner",
                                                                       "secops@corp.io")))
    items = by_subject(org, campaign_id)
    assert items["apikey_live"].reviewer == "secops@corp.io"  # self refused → fallback


def test_scope_filters(org: App) -> None:
    privileged = reviews.preview(org, spec("kind:account,privileged"))
    assert {i.snapshot.subject_id for i in privileged.items} == {"user_dave", "user_frank"}
    inactive = reviews.preview(org, spec("kind:account,inactive:30"))
    assert {i.snapshot.subject_id for i in inactive.items} == {"user_carol"}
    active = reviews.preview(org, spec("kind:account,privileged,active:7"))
    assert {i.snapshot.subject_id for i in active.items} == {"user_dave", "user_frank"}
    keys = reviews.preview(org, spec("kind:api_keys"))
    assert {i.snapshot.kind for i in keys.items} == {"api_key"}
    assert reviews.list_campaigns(org) == []  # a preview creates nothing


def test_scope_language_errors() -> None:
    assert parse_scope("kind:accounts,kind:api_keys").kinds == (SubjectKind.ACCOUNT,
                                                                 SubjectKind.API_KEY)
    with pytest.raises(ScopeError, match="unknown scope term 'colour:red'"):
        parse_scope("colour:red")
    with pytest.raises(ScopeError, match="unknown kind"):
        parse_scope("kind:robot")
    with pytest.raises(ScopeError, match="days must be"):
        parse_scope("inactive:soon")


def test_freshness_guard_refuses_stale_sources(org: App) -> None:
    later = replace(org, clock=replace(org.clock, as_of=org.now() + timedelta(days=5)))
    with pytest.raises(StaleData, match="claude: last successful sync 120 h ago"):
        reviews.create(later, spec(due_at=DUE + timedelta(days=10)))
    campaign_id, population = reviews.create(later, spec(due_at=DUE + timedelta(days=10),
                                                         allow_stale=True))
    assert population.stale_sources
    assert campaign_id.startswith("cmp_")


def test_due_date_must_be_in_the_future(org: App) -> None:
    with pytest.raises(TenureError, match="not in the future"):
        reviews.create(org, spec(due_at=org.now() - timedelta(days=1)))


def test_gap_on_activity_means_no_dormancy_verdict(org: App) -> None:
    from tenure.connectors.base import TenantInfo
    from tenure.model import Gap
    from tenure.services.sync import run_source

    from .. import scripted
    scripted.SCRIPTS["claude"] = [TenantInfo("org-1"),
                                  Gap("activity", "permission_error", "403")]
    run_source(org, "claude")
    items = {i.snapshot.subject_id: i for i in reviews.preview(org, spec()).items}
    assert items["user_carol"].advice.recommendation == "none"
    assert items["user_bob"].advice.recommendation == "revoke"  # leaver needs no activity


def test_group_scope_uses_identity_provider_groups(org: App) -> None:
    from datetime import UTC, datetime

    now = datetime(2026, 11, 20, tzinfo=UTC)
    with org.engine.begin() as conn:
        for uid, email in (("u1", "frank@corp.io"), ("u2", "carol@corp.io")):
            conn.execute(schema.scim_users.insert().values(
                id=uid, source="okta", user_name=email, user_name_key=email, email=email,
                active=True, resource={}, version=1, created_at=now, updated_at=now))
        conn.execute(schema.scim_groups.insert().values(
            id="g1", source="okta", display_name="AI Platform Admins",
            display_name_key="ai platform admins", resource={}, version=1, created_at=now,
            updated_at=now))
        conn.execute(schema.scim_group_members.insert().values(group_id="g1", user_id="u1",
                                                               added_at=now))
    population = reviews.preview(org, spec("kind:account,group:ai platform admins"))
    assert [i.snapshot.subject_id for i in population.items] == ["user_frank"]
    assert population.items[0].snapshot.groups == ["AI Platform Admins"]


def test_org_grants_are_reviewed_once_with_the_seat(org: App) -> None:
    """An org role is reviewed on the seat that holds it; it is never a second grant item
    (the scope type is one enum, so the grant filter matches what the connectors write)."""
    campaign_id, _ = reviews.create(org, spec("source:claude,kind:account,kind:grant"))
    items = reviews.items(org, campaign_id)
    assert not [i.subject_id for i in items if "@organization:" in i.subject_id]
    assert {i.subject_id for i in items if i.subject_id.startswith("user_")} >= {
        "user_dave", "user_frank"}
