"""The reviewer's whole flow in a real browser on the simulator's planted organization, with
checks run before the campaign: findings drive recommendations and are named in the Why
column; the item page shows tokens for a key; bulk keep over revoke recommendations shows the
override count and is refused without a justification; accept recommendations keeps revoke as
revoke; the keyboard decides; the next pending item opens; 390 px without sideways scroll;
axe-core clean on every page."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page

from tenure.reviews.campaigns import CampaignSpec
from tenure.reviews.reviewers import parse_rule
from tenure.reviews.scope import parse_scope
from tenure.services import reviews
from tenure.services.findings import run_checks
from tenure.services.web_users import Role
from tests.browsing import Watch, horizontal_overflow, screenshot, violations
from tests.conftest import FIXED_NOW, add_web_users
from tests.planted import PlantedOrg, planted_org

from .browser_server import serving, sign_in

REVIEWER = "secops@example.com"
PASSWORD = "correct horse battery staple"


@pytest.fixture
def campaign(tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
             ) -> Iterator[tuple[PlantedOrg, str, str]]:
    with planted_org(tmp_path, sqlite_url, monkeypatch) as org:
        run_checks(org.app)
        cid, _ = reviews.create(org.app, CampaignSpec(
            name="Q4 Claude access", scope=parse_scope("source:claude"),
            due_at=FIXED_NOW + timedelta(days=14),
            reviewer_rule=parse_rule("manager,key-owner", REVIEWER)))
        add_web_users(org.app, [("admin@corp.io", Role.ADMIN), (REVIEWER, Role.REVIEWER)],
                      PASSWORD)
        with serving(["--config", str(org.config)], tmp_path) as base:
            yield org, base, cid


def _by_label(org: PlantedOrg, cid: str, start: str) -> reviews.ItemRow:
    return next(i for i in reviews.items(org.app, cid, reviewer=REVIEWER)
                if i.label.startswith(start))


def _open_group(page: Page, item_id: str) -> None:
    group = page.locator(f"section.group:has(#pick-{item_id}) details")
    if group.count() and not group.evaluate("d => d.open"):
        group.locator("summary").click()


def test_reviewer_flow(campaign: tuple[PlantedOrg, str, str], page: Page) -> None:
    org, base, cid = campaign
    watch = Watch(page)
    problems: list[str] = []
    sign_in(page, base, REVIEWER, PASSWORD)
    assert page.url.endswith("/dashboard")
    page.goto(f"{base}/queue")
    problems += violations(page)
    screenshot(page, "web/review-queue.png")

    # A key with a usage spike: investigate, the finding named in the Why column.
    spike = _by_label(org, cid, "data-notebook-1")
    _open_group(page, spike.id)
    row = page.locator(f"li.item[data-id='{spike.id}']")
    assert row.locator(".rec").inner_text().lower() == "investigate"
    assert "key-usage-spike (high)" in row.locator(".why").inner_text()

    # Its page: the finding in plain words, tokens counted and charted.
    page.goto(f"{base}/items/{spike.id}")
    findings = page.inner_text("#item-findings")
    assert "key-usage-spike" in findings
    assert "peaked at" in findings
    assert page.inner_text("#tokens-30d").endswith("M")
    assert page.locator("#tokens-chart svg rect[fill]").count() > 5
    assert page.locator("details.raw[open]").count() == 0  # raw JSON only behind the toggle
    problems += violations(page)
    screenshot(page, "web/review-item-key.png")

    # Bulk keep over revoke recommendations: the count, then a refusal without a reason.
    page.goto(f"{base}/queue?recommendation=revoke")
    page.check("#select-all")
    status = page.inner_text("#selection-status")
    revoke_count = sum(1 for i in reviews.items(org.app, cid, reviewer=REVIEWER)
                       if i.recommendation == "revoke")
    assert f"Keep would override {revoke_count} revoke recommendation" in status, status
    assert "justification is required" in status
    with page.expect_navigation():
        page.click("#keep-selected")
    assert "Nothing recorded" in page.inner_text(".flash.error")
    assert f"{revoke_count} of the {revoke_count} selected items are recommended revoke" in (
        page.inner_text(".flash.error"))
    assert all(i.status == "pending" for i in reviews.items(org.app, cid, reviewer=REVIEWER))
    screenshot(page, "web/review-override-refused.png")

    # Accept recommendations on an orphaned key and a kept key: revoke stays revoke.
    orphan = _by_label(org, cid, "ext-batch-jobs-13")
    kept = next(i for i in reviews.items(org.app, cid, reviewer=REVIEWER)
                if i.recommendation == "keep" and i.kind == "api_key")
    page.goto(f"{base}/queue")
    for item in (orphan, kept):
        _open_group(page, item.id)
        page.check(f"#pick-{item.id}")
    assert "2 selected" in page.inner_text("#selection-status")
    with page.expect_navigation():
        page.click("#accept")
    assert "Accepted the recommendation on 2 item(s)" in page.inner_text(".flash")
    after = {i.id: i.decision for i in reviews.items(org.app, cid, item_ids=[orphan.id,
                                                                              kept.id])}
    assert after == {orphan.id: "revoke", kept.id: "keep"}

    # A changed decision while the campaign is open: a new record, the old one kept.
    page.goto(f"{base}/items/{kept.id}")
    page.click("#change-decision summary")
    page.check("#change-revoke")
    page.fill("#change-justification", "the owner says the job moved to another key")
    with page.expect_navigation():
        page.click("#record-change")
    history = page.inner_text("#item-history")
    assert "decided keep (changed later)" in history
    assert "decided revoke" in history
    assert reviews.items(org.app, cid, item_ids=[kept.id])[0].decision == "revoke"
    records = reviews.decision_history(org.app, kept.id)
    assert [(r.decision.value, r.current) for r in records] == [("keep", False),
                                                               ("revoke", True)]
    problems += violations(page)
    screenshot(page, "web/review-item-changed.png")

    # The keyboard on an item page: r chooses revoke, Enter records, the next item opens.
    page.goto(f"{base}/items/{spike.id}")
    assert "k" in page.inner_text("#key-hint")
    assert page.inner_text('label:has(#decide-dont_know)').strip() == "Don't know"
    page.keyboard.press("r")
    assert page.is_checked("#decide-revoke")
    page.fill("#justification", "spike unexplained by the team")
    with page.expect_navigation():
        page.click("#record")
    assert "/items/" in page.url
    assert spike.id not in page.url  # the next pending item opened
    assert reviews.items(org.app, cid, item_ids=[spike.id])[0].decision == "revoke"

    # The keyboard on the queue: n moves to the first item, k on a keep item records keep.
    page.goto(f"{base}/queue?recommendation=keep&kind=api_key")
    page.keyboard.press("n")
    current = page.locator("li.item.current")
    target = current.get_attribute("data-id")
    with page.expect_navigation():
        page.keyboard.press("k")
    assert target is not None
    assert reviews.items(org.app, cid, item_ids=[target])[0].decision == "keep"

    # 390 px: no sideways scroll on the queue and an item.
    page.set_viewport_size({"width": 390, "height": 844})
    for path, name in (("/queue", "review-queue-390"), (f"/items/{spike.id}",
                                                        "review-item-390")):
        page.goto(base + path)
        assert horizontal_overflow(page) == 0, path
        problems += violations(page)
        screenshot(page, f"web/{name}.png")
    assert problems == []
    assert watch.problems == []
    assert watch.external(base) == []
