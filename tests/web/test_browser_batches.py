"""Real browser against `tenure serve` on the planted organization with max_actions = 2: the
leaver plan is over the limit, so the plan page offers batches; a second admin approves and
applies each batch with the plan's hash, the page shows the progress, every action verifies,
and without any CLI step the leaver's findings and subject page read resolved (issue 18 items
5 and 6)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page

from tenure.services import findings, plan_batches, revocation
from tenure.services.web_users import Role
from tests.browsing import Watch, horizontal_overflow, screenshot, violations
from tests.conftest import add_web_users, signed_in
from tests.planted import PlantedOrg, planted_org

from .browser_server import serving, sign_in

ADMIN = "ciso@corp.io"
PASSWORD = "correct horse battery staple"


@pytest.fixture
def planted(tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
            ) -> Iterator[tuple[PlantedOrg, str, str]]:
    with planted_org(tmp_path, sqlite_url, monkeypatch, extra_config=(
            "[revocation]\nmax_actions = 2\nmax_percent = 50\n")) as org:
        add_web_users(org.app, [(ADMIN, Role.ADMIN), ("planner@corp.io", Role.ADMIN)],
                      PASSWORD)
        findings.run_checks(org.app)
        plan, _ = revocation.plan_revocation(signed_in(org.app, "planner@corp.io"),
                                             trigger="leaver")
        with serving(["--config", str(org.config)], tmp_path) as base:
            yield org, base, plan.id


def test_admin_applies_a_large_plan_batch_by_batch(planted: tuple[PlantedOrg, str, str],
                                                   page: Page) -> None:
    org, base, plan_id = planted
    watch = Watch(page)
    progress = plan_batches.progress(org.app, plan_id)
    assert progress.needed
    assert len(progress.batches) >= 2
    leaver = sorted(org.planted["leaver-active-account"])[0]
    sign_in(page, base, ADMIN, PASSWORD)
    subject = f"{base}/subjects/account?source=claude&id={leaver}"
    page.goto(subject)
    failing = page.locator("#subject-findings tbody tr", has_text="leaver-active-account")
    assert "fail" in failing.inner_text()
    page.goto(f"{base}/plans/{plan_id}")
    # Over the limit: no whole-plan approve or apply, a batch table instead.
    assert page.locator('form[action$="/approve"]:not([action*="/batches/"])').count() == 0
    assert page.locator("#approve_hash").count() == 0
    assert f"0 of {len(progress.batches)} batches applied" in page.inner_text(
        "#batch-progress")
    problems = violations(page)
    screenshot(page, "web/plan-batches.png")
    sha = page.inner_text("dd code")
    for number in range(1, len(progress.batches) + 1):
        with page.expect_navigation():
            page.click(f'form[action$="/batches/{number}/approve"] button')
        assert f"Approved batch {number}" in page.inner_text(".flash")
        page.fill("#batch_hash", sha)
        with page.expect_navigation():
            page.click("#apply-batch button")
        assert f"Applied batch {number}" in page.inner_text(".flash")
        assert f"{number} of {len(progress.batches)} batches applied" in page.inner_text(
            "#batch-progress")
        row = page.locator(f"#batches tr.batch:nth-child({number})")
        assert row.get_attribute("data-status") == "applied"
    assert page.inner_text("#plan-status") == "applied"
    verified = page.locator("#steps tbody tr td:nth-child(5)").all_inner_texts()
    assert verified
    assert set(verified) <= {"yes", "—"}
    assert f"{progress.calls} of {progress.calls} actions verified" in page.inner_text(
        "#batch-progress")
    problems += violations(page)
    screenshot(page, "web/plan-batches-applied.png")
    page.set_viewport_size({"width": 390, "height": 844})
    assert horizontal_overflow(page) == 0
    screenshot(page, "web/plan-batches-390.png")
    page.set_viewport_size({"width": 1280, "height": 900})
    # Always current, with no CLI step: the leaver's access reads resolved.
    page.goto(f"{base}/findings?check=leaver-active-account")
    assert page.locator("#findings li.item").count() == 0
    assert f"apply:{plan_id}" in page.inner_text("#checks-freshness")
    page.goto(subject)
    resolved = page.locator("#subject-findings tbody tr", has_text="leaver-active-account")
    assert "pass" in resolved.inner_text()
    problems += violations(page)
    screenshot(page, "web/subject-after-batches.png")
    assert problems == []
    assert watch.problems == []
