"""The package's HTML report, looked at in headless Chromium: its sections render, the charts
are there, nothing is fetched from the network, and the console stays clean."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import Page

from tenure.services import evidence as svc
from tenure.services.context import App
from tests.browsing import ARTIFACTS, Watch, screenshot, violations

from .seed import seed

SECTIONS = ["summary", "charts", "integrity", "tables", "files"]


@pytest.fixture
def report_html(sqlite_url: str, key_file: Path, tmp_path: Path) -> Path:
    """The report.html of a freshly exported package, unpacked on its own."""
    from .conftest import evidence_app

    app: App = evidence_app(sqlite_url, key_file)
    try:
        seed(app)
        package = svc.export_period(app, svc.parse_period("2026-10-01..2026-10-31"),
                                    tmp_path / "out").path
    finally:
        app.close()
    target = tmp_path / "unpacked" / "report.html"
    target.parent.mkdir()
    with zipfile.ZipFile(package) as archive:
        target.write_bytes(archive.read("report.html"))
    return target


def test_report_renders_offline_with_no_console_errors(page: Page, report_html: Path) -> None:
    watch = Watch(page)
    page.goto(report_html.as_uri())
    ids = page.evaluate("[...document.querySelectorAll('section')].map(s => s.id)")
    headings = page.locator("section h2").all_text_contents()
    charts = page.locator("#charts svg rect").count()
    cards = page.locator("#summary .card").count()
    rows = page.locator("#tables tbody tr").count()
    injected = page.locator("body script").count()
    width = page.evaluate("document.querySelector('#charts svg').getBoundingClientRect().width")
    found = violations(page)
    screenshot(page, "evidence-report.png")
    assert ids == SECTIONS
    assert headings == ["Summary", "Charts", "Integrity", "Data", "Files and SHA-256"]
    assert cards >= 7
    assert charts >= 31 + 3 + 2  # a column per October day, bars per kind and category
    assert rows > 20
    assert width > 300
    assert injected == 0  # the hostile person name stayed text
    assert found == []
    assert watch.problems == []
    assert all(u.startswith(("file:", "data:")) for u in watch.requests), watch.requests
    shot = ARTIFACTS / "evidence-report.png"
    assert shot.stat().st_size > 10_000
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
