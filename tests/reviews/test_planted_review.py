"""End to end on the simulator's planted organization: campaign, recommendations, two
reviewers (self-review refused), deadline, close, and the exact revocation plan."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from tenure.clock import Clock
from tenure.reviews.campaigns import CampaignSpec, NoResponse
from tenure.reviews.decisions import Decision, DecisionRefused
from tenure.reviews.reviewers import parse_rule
from tenure.reviews.scope import parse_scope
from tenure.services import reviews, revocation
from tenure.services.context import App
from tenure.services.findings import run_checks
from tests.conftest import FIXED_NOW, signed_in
from tests.planted import planted_org

REVOKE_CHECKS = {"leaver-active-account", "leaver-active-key", "orphaned-key",
                 "dormant-account", "dormant-key", "never-used-key",
                 "key-in-archived-workspace"}


def test_campaign_on_the_planted_organization(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with planted_org(tmp_path, database_url, monkeypatch) as org:
        app = org.app
        planted = [(c, s) for c, subjects in org.planted.items() for s in subjects]
        _campaign(app, planted)


def _campaign(app: App, planted: list[tuple[str, str]]) -> None:
    run_checks(app)
    campaign_id, population = reviews.create(app, CampaignSpec(
        name="Q4 Claude", scope=parse_scope("source:claude,kind:account,kind:api_key"),
        due_at=FIXED_NOW + timedelta(days=14),
        reviewer_rule=parse_rule("manager,key-owner", "secops@example.com"),
        if_no_response=NoResponse.RECOMMENDATION))
    items = reviews.items(app, campaign_id)
    by_subject = {i.subject_id: i for i in items}
    assert len(items) == len(population.items) > 20

    # Recommendations match the planted problems: every planted revoke-class subject is
    # recommended for revocation, and nothing else is.
    should_revoke = {s for c, s in planted if c in REVOKE_CHECKS}
    revoke = {i.subject_id for i in items if i.recommendation == "revoke"}
    assert revoke == should_revoke
    for check, subject in planted:
        if check.startswith("leaver"):
            assert "leaver" in by_subject[subject].reason
        elif check == "orphaned-key":
            assert by_subject[subject].reason.startswith("orphaned key")
        elif check in ("dormant-account", "dormant-key", "never-used-key"):
            assert by_subject[subject].reason.startswith("dormant")

    # Open high findings raise the recommendation (docs/reviews.md table), are named in the
    # reason and put the item above every plain keep.
    plain_keep = max((i.risk for i in items if i.recommendation == "keep"
                      and not i.snapshot["findings"] and not i.privileged), default=0)
    escalated = {"overactive-admin": {"reduce", "investigate"},
                 "unmatched-account": {"investigate"}, "key-usage-spike": {"investigate"}}
    seen = set()
    for check, subject in planted:
        if check in escalated and subject in by_subject:
            item = by_subject[subject]
            assert item.recommendation in escalated[check] | {"revoke"}, (check, item.reason)
            assert f"{check} (high)" in item.reason
            assert item.risk > plain_keep
            assert any(f["check"] == check and f["summary"] for f in item.snapshot["findings"])
            seen.add(check)
    assert seen == set(escalated)

    # Two reviewers decide their own queues.
    queues: dict[str, list[reviews.ItemRow]] = {}
    for item in items:
        queues.setdefault(item.reviewer, []).append(item)
    humans = sorted((r for r in queues if r != "secops@example.com"),
                    key=lambda r: -len(queues[r]))
    first, second = humans[0], humans[1]
    decided: dict[str, str] = {}
    first_item = queues[first][0]
    reviews.decide(signed_in(app, first, "reviewer"),
                   [first_item.id], reviewer=first, decision=Decision.REVOKE,
                   justification="no longer on the team")
    decided[first_item.subject_id] = "revoke"
    target = queues[second][0]
    assert target.person_email
    assert target.person_email != second
    with pytest.raises(DecisionRefused, match="whose own access"):
        reviews.delegate(signed_in(app, second, "reviewer"),
                         [target.id], reviewer=second, to=target.person_email,
                         reason="ask them")
    keep = [i for i in queues[second] if i.recommendation == "revoke"][:1] or [target]
    reviews.decide(signed_in(app, second, "reviewer"),
                   [keep[0].id], reviewer=second, decision=Decision.KEEP,
                   justification="confirmed with the team lead: still needed")
    decided[keep[0].subject_id] = "keep"

    # The deadline passes: escalation, then close.
    # (deadlines are judged on the wall clock, so both clocks move)
    late = replace(app, clock=Clock(FIXED_NOW + timedelta(days=15)),
                   wall_clock=Clock(app.wall() + timedelta(days=15)))
    escalated = reviews.remind(late, campaign_id).escalated
    assert escalated == sum(1 for i in reviews.items(app, campaign_id)
                            if i.status == "pending") - sum(
        1 for i in items if i.reviewer == "secops@example.com"
        and i.subject_id not in decided)
    closed = reviews.close(signed_in(late, "ciso@example.com", "admin"), campaign_id)
    expected = {s: a for s, a in decided.items() if a == "revoke"}
    for item in items:
        if item.subject_id not in decided and item.recommendation in ("revoke", "reduce"):
            expected[item.subject_id] = item.recommendation
    assert {p["subject_id"]: p["action"] for p in closed.plan} == expected
    by_decider = {p["subject_id"]: p["decided_by"] for p in closed.plan}
    assert by_decider[first_item.subject_id] == first
    assert all(v == "no-response rule" for k, v in by_decider.items()
               if k != first_item.subject_id)

    # One plan: the close stored the hash-pinned plan `revoke approve/apply` use, with
    # exactly the outcomes; another admin approves it as is.
    assert closed.stored_plan_id is not None, closed.plan_problem
    exported = json.loads(revocation.export_plan(app, closed.stored_plan_id))
    assert exported["origin"] == f"campaign:{campaign_id}"
    assert {s["target"]["subject_id"] for s in exported["steps"]} == set(expected)
    assert reviews.campaign_plans(app, campaign_id)[0]["id"] == closed.stored_plan_id

    # Closed means final: nothing reads pending; the undecided items were closed by the
    # no-response rule, and say so.
    summary = next(c for c in reviews.list_campaigns(app) if c.id == campaign_id)
    undecided = sum(1 for i in reviews.items(app, campaign_id) if i.status == "pending")
    assert summary.pending == 0
    assert summary.no_response == undecided > 0
    # ... and closing re-ran only the checks reading what it changed: decisions and a stored
    # plan, which no check reads, so none (the access changes when the plan is applied).
    from tenure.services.dashboard import checks_last_run

    assert checks_last_run(app).trigger != f"close:{campaign_id}"
