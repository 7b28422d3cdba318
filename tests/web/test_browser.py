"""Real browser (Playwright driving Debian's chromium, headless) against `tenure serve` over
loopback: sign in, open the queue, decide an item with a justification, fail to open another
reviewer's item, an admin's pages; axe-core finds no WCAG 2.1 AA violation on any page;
screenshots under test-artifacts/web/, no console errors, nothing fetched from elsewhere."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page

from tenure.services import reviews
from tests.browsing import Watch, horizontal_overflow, screenshot, violations

from .browser_server import serving, sign_in
from .conftest import ADMIN, PASSWORD, REVIEWER, Org


@pytest.fixture
def server(served: Org, tmp_path: Path) -> Iterator[str]:
    """`tenure serve` on the served org's store, as of the fixture's clock."""
    url = served.app.settings.database.url
    if not url.startswith("sqlite"):
        pytest.skip("one browser run (SQLite) keeps the suite bounded")
    key = served.app.settings.evidence.signing_key_file
    (tmp_path / "tenure.toml").write_text(
        f'[database]\nurl = "{url}"\n[evidence]\nsigning_key_file = "{key}"\n',
        encoding="utf-8")
    env = {**os.environ, "TENURE_CONFIG": str(tmp_path / "tenure.toml")}
    env.pop("TENURE_DATABASE_URL", None)
    with serving([], tmp_path, env) as base:
        yield base


def test_reviewer_decides_in_the_browser(served: Org, server: str, page: Page) -> None:
    watch = Watch(page, expected=["404"])
    item = next(i for i in reviews.items(served.app, served.campaign_id)
                if i.id == served.own_item)
    sign_in(page, server, REVIEWER, PASSWORD)
    assert page.url.endswith("/dashboard")  # the reviewer's home: their queue in numbers
    assert "waiting for you" in page.inner_text("#my-pending")
    problems = violations(page)
    screenshot(page, "web/dashboard-reviewer.png")
    with page.expect_navigation():
        page.click("#my-pending a")
    assert page.url.endswith("/queue")
    assert page.locator("li.item").count() >= 1
    problems += violations(page)
    screenshot(page, "web/queue.png")
    _reveal(page, item.id)
    page.check(f"#pick-{item.id}")
    page.fill("#justification", "left the team in October")
    with page.expect_navigation():
        page.click("#revoke-selected")
    assert "Recorded revoke on 1 item" in page.inner_text(".flash")
    screenshot(page, "web/queue-after-decision.png")
    # Another reviewer's item: the same 404 as an id that does not exist.
    response = page.goto(f"{server}/items/{served.foreign_item}")
    assert response is not None
    assert response.status == 404
    assert "no review item" in page.inner_text("body")
    page.goto(f"{server}/items/{item.id}")
    assert "left the team in October" in page.inner_text("body")
    problems += violations(page)
    screenshot(page, "web/item.png")
    page.goto(f"{server}/subjects/account?source={item.source}&id={item.subject_id}")
    assert page.locator("figure.chart svg").count() > 0
    problems += violations(page)
    screenshot(page, "web/subject.png")
    assert problems == []
    assert watch.problems == []
    assert watch.external(server) == []  # works without a CDN or internet
    decided = reviews.items(served.app, served.campaign_id, item_ids=[item.id])[0]
    assert decided.decision == "revoke"
    assert decided.justification == "left the team in October"


def _reveal(page: Page, item_id: str) -> None:
    """Open the person's group holding the item, as a reviewer clicks it open."""
    group = page.locator(f"section.group:has(#pick-{item_id}) details")
    if group.count() and not group.evaluate("d => d.open"):
        group.locator("summary").click()


def test_admin_pages_in_the_browser(served: Org, server: str, page: Page) -> None:
    watch = Watch(page)
    sign_in(page, server, ADMIN, PASSWORD)
    problems: list[str] = []
    assert page.url.endswith("/dashboard")
    assert page.locator("#severity-cards .stat").count() == 5
    assert page.locator("#trend-chart svg").count() == 1
    assert "Checks last ran" in page.inner_text("#checks-freshness")
    problems += violations(page)
    screenshot(page, "web/dashboard-admin.png")
    for name, path in (("campaign", f"/campaigns/{served.campaign_id}"),
                       ("campaigns", "/campaigns"),
                       ("findings", "/findings"), ("finding", f"/findings/{served.finding_id}"),
                       ("plans", "/plans"),
                       ("plan", f"/plans/{served.plan_id}"), ("sources", "/sources"),
                       ("evidence", "/evidence"), ("tokens", "/account/tokens"),
                       ("people", "/people"),
                       ("accounts", "/accounts"), ("keys", "/keys"),
                       ("workspaces", "/workspaces"), ("activity", "/activity")):
        response = page.goto(server + path)
        assert response is not None
        assert response.ok, path
        assert page.inner_text("h1")
        problems += violations(page)
        screenshot(page, f"web/{name}.png")
    # Inventory: search narrows, the CSV is the same list.
    page.goto(f"{server}/people?q=alice")
    assert page.locator("#inventory tbody tr").count() == 1
    assert "Alice" in page.inner_text("#inventory")
    with page.expect_download() as download:
        page.click("#csv-link")
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert text.splitlines()[0].startswith("name,email,status")
    assert len(text.splitlines()) == 2
    # The findings page: summary counts, names and plain words, a page per finding.
    page.goto(f"{server}/findings")
    assert page.locator("#finding-summary .stat").count() >= 1
    assert page.locator("#findings li.item .why").count() >= 1
    page.goto(f"{server}/findings/{served.finding_id}")
    assert page.locator("#finding-history tbody tr").count() >= 1
    # 390 px: the dashboard, the findings list, a finding page and every inventory page
    # scroll only down.
    page.set_viewport_size({"width": 390, "height": 844})
    for path, name in (("/dashboard", "dashboard-390"), ("/findings", "findings-390"),
                       (f"/findings/{served.finding_id}", "finding-390"),
                       ("/people", "people-390"), ("/accounts", "accounts-390"),
                       ("/keys", "keys-390"), ("/workspaces", "workspaces-390"),
                       ("/activity", "activity-390"), (f"/plans/{served.plan_id}", "plan-390")):
        page.goto(server + path)
        assert horizontal_overflow(page) == 0, path
        problems += violations(page)
        screenshot(page, f"web/{name}.png")
    page.set_viewport_size({"width": 1280, "height": 900})
    # Approve the plan as a second person (the planner was planner@corp.io).
    page.goto(f"{server}/plans/{served.plan_id}")
    with page.expect_navigation():
        page.click('form[action$="/approve"] button')
    assert page.inner_text("#plan-status") == "approved"
    assert page.locator("#verify-status").count() == 0
    assert problems == []
    assert watch.problems == []
    assert watch.external(server) == []


def test_login_page_is_accessible(server: str, page: Page) -> None:
    page.goto(f"{server}/login")
    assert violations(page) == []
    screenshot(page, "web/login.png")


def test_the_watch_sees_console_errors_and_axe_sees_violations(page: Page) -> None:
    """Positive control: a page that logs an error, throws and has an unlabelled image and
    field is reported as such."""
    watch = Watch(page)
    page.set_content("<!DOCTYPE html><html><title>x</title><body><img src='data:,'>"
                     "<input type=text><script>console.error('boom');undefinedFunction();"
                     "</script></body></html>")
    found = violations(page)
    assert any("boom" in p for p in watch.problems), watch.problems
    assert any(p.startswith("exception") for p in watch.problems), watch.problems
    assert any(" image-alt " in v for v in found), found
    assert any(" label " in v for v in found), found
    assert any(" html-has-lang " in v for v in found), found
