"""NHI reviews on the planted organization (simulator, both databases): items for service
accounts, federation rules, agents and deployments go to their sponsor and show who answers,
what it can reach and what it did; revoking plans the containment calls (a service account's
live rules archived before it)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from tenure.reviews.campaigns import CampaignSpec
from tenure.reviews.decisions import Decision
from tenure.reviews.reviewers import parse_rule
from tenure.reviews.scope import parse_scope
from tenure.services import reviews
from tenure.services.findings import run_checks
from tenure.store import schema
from tests.conftest import FIXED_NOW, signed_in
from tests.planted import planted_org


def test_nhi_review_goes_to_sponsors_and_revoke_plans_containment(
        tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with planted_org(tmp_path, database_url, monkeypatch) as org:
        app = org.app
        run_checks(app)
        admin = signed_in(app, "ciso@corp.test")
        campaign_id, population = reviews.create(admin, CampaignSpec(
            name="NHI review", scope=parse_scope(
                "source:claude,kind:service_account,kind:workload_identity,kind:agent,"
                "kind:deployment"),
            due_at=FIXED_NOW + timedelta(days=14),
            reviewer_rule=parse_rule("sponsor,manager", "secops@corp.test")))
        items = reviews.items(app, campaign_id)
        by_label = {i.label: i for i in items}
        assert {"etl-nightly", "etl-main", "Ops autopilot", "weekly-report"} <= set(by_label)
        etl = by_label["etl-nightly"]
        snap = etl.snapshot
        assert snap["sponsor"]["basis"] == "creator"
        assert snap["sponsor"]["person"]["status"] == "terminated"
        assert any("federation rule etl-main" in r for r in snap["reach"])
        assert snap["did"]  # what it did as itself, in words (nothing, here)
        # the leaver cannot review: the rule falls through to their manager
        assert etl.reviewer == snap["sponsor"]["person"]["manager_email"]
        autopilot = by_label["Ops autopilot"].snapshot
        assert any("bash (always_allow)" in r for r in autopilot["reach"])
        assert any("egress any host" in r for r in autopilot["reach"])
        assert by_label["Ops autopilot"].reviewer == autopilot["sponsor"]["email"]
        unowned = by_label["weekly-report"]
        assert unowned.snapshot["sponsor"]["basis"] == "none"
        assert unowned.reviewer == "secops@corp.test"  # nobody answers: the fallback
        # the manager revokes the leaver's service account
        reviews.decide(signed_in(app, etl.reviewer, "reviewer"), [etl.id],
                       decision=Decision.REVOKE, justification="its owner left")
        closed = reviews.close(admin, campaign_id, force=True)
        assert closed.stored_plan_id is not None, closed.plan_problem
        with app.engine.connect() as conn:
            steps = conn.execute(
                sa.select(schema.plan_actions.c.kind, schema.plan_actions.c.subject_id,
                          schema.plan_actions.c.action)
                .where(schema.plan_actions.c.plan_id == closed.stored_plan_id)
                .order_by(schema.plan_actions.c.step_index)).all()
        actions = [s.action for s in steps]
        assert "anthropic.archive_federation_rule" in actions
        assert "anthropic.archive_service_account" in actions
        assert actions.index("anthropic.archive_federation_rule") < actions.index(
            "anthropic.archive_service_account")
        assert len(population.items) == len(items)
