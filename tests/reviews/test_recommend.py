"""Recommendations use open findings: the documented floor per check, muted findings shown but
not escalating, risk by severity, and the finding named in the reason."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tenure.reviews.context import FindingRef, ItemSnapshot, UsageContext
from tenure.reviews.recommend import FINDING_FLOOR, Recommendation, recommend, risk_score
from tests.conftest import FIXED_NOW


def snap(kind: str = "account", *, privileged: bool = False,
         findings: list[FindingRef] | None = None) -> ItemSnapshot:
    return ItemSnapshot(
        kind=kind, source="claude", tenant="org", subject_id="user_1", label="ada@corp.io",
        email="ada@corp.io", role="admin" if privileged else "user", status="active",
        created_at=FIXED_NOW - timedelta(days=400), privileged=privileged, grants=[],
        workspace=None, workspace_status=None, person=None, owner=None,
        usage=UsageContext(known=True, last_activity_at=FIXED_NOW - timedelta(days=2),
                           admin_actions_90d=40 if privileged else 0),
        findings=findings or [], purpose=None, groups=[])


def test_active_subject_without_findings_is_kept() -> None:
    advice = recommend(snap(), FIXED_NOW)
    assert advice.recommendation is Recommendation.KEEP
    assert "finding" not in advice.reason


@pytest.mark.parametrize(("check", "kind", "privileged", "expected"), [
    ("overactive-admin", "account", True, Recommendation.REDUCE),
    ("overactive-admin", "api_key", False, Recommendation.INVESTIGATE),
    ("unmatched-account", "account", False, Recommendation.INVESTIGATE),
    ("key-usage-spike", "api_key", False, Recommendation.INVESTIGATE),
    ("leaver-active-account", "account", False, Recommendation.REVOKE),
    ("orphaned-key", "api_key", False, Recommendation.REVOKE),
    ("some-custom-policy", "account", False, Recommendation.INVESTIGATE),
])
def test_a_high_finding_raises_the_recommendation(check: str, kind: str, privileged: bool,
                                                   expected: Recommendation) -> None:
    finding = FindingRef("f1", check, "high", summary="412 admin actions in 7 days")
    base = snap(kind, privileged=privileged)
    with_finding = snap(kind, privileged=privileged, findings=[finding])
    advice = recommend(with_finding, FIXED_NOW)
    assert advice.recommendation is expected
    assert f"open finding {check} (high)" in advice.reason
    assert risk_score(with_finding, advice) > risk_score(base, recommend(base, FIXED_NOW))


def test_low_and_muted_findings_do_not_escalate_but_are_kept_on_the_item() -> None:
    low = FindingRef("f1", "never-used-key", "low")
    muted = FindingRef("f2", "overactive-admin", "high", muted=True)
    item = snap(findings=[low, muted])
    advice = recommend(item, FIXED_NOW)
    assert advice.recommendation is Recommendation.KEEP
    assert item.findings == [low, muted]


def test_the_strongest_finding_wins_and_a_revoke_is_never_weakened() -> None:
    findings = [FindingRef("f1", "key-usage-spike", "high"),
                FindingRef("f2", "leaver-active-key", "critical")]
    advice = recommend(snap("api_key", findings=findings), FIXED_NOW)
    assert advice.recommendation is Recommendation.REVOKE
    assert "key-usage-spike (high)" in advice.reason
    assert "leaver-active-key (critical)" in advice.reason


def test_every_floor_is_documented() -> None:
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "reviews.md").read_text()
    for check, floor in FINDING_FLOOR.items():
        assert f"| `{check}` | {floor} |" in doc, check
