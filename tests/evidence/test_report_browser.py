"""The package's HTML report, looked at in headless Chromium: its sections render, the charts
are there, nothing is fetched from the network, and the console stays clean."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from tenure.services import evidence as svc
from tenure.services.context import App

from .browser import Browser
from .seed import seed

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
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


def test_report_renders_offline_with_no_console_errors(
    chromium: str, report_html: Path, tmp_path: Path,
) -> None:
    with Browser(chromium, tmp_path / "profile") as browser:
        browser.open(report_html.as_uri())
        ids = browser.evaluate("[...document.querySelectorAll('section')].map(s => s.id)")
        headings = browser.evaluate(
            "[...document.querySelectorAll('section h2')].map(h => h.textContent)")
        charts = browser.evaluate("document.querySelectorAll('#charts svg rect').length")
        cards = browser.evaluate("document.querySelectorAll('#summary .card').length")
        rows = browser.evaluate("document.querySelectorAll('#tables tbody tr').length")
        injected = browser.evaluate("document.querySelectorAll('body script').length")
        width = browser.evaluate("document.querySelector('#charts svg').getBoundingClientRect()"
                                 ".width")
        browser.screenshot(ARTIFACTS / "evidence-report.png")
        problems = browser.problems()
        requests = browser.requests()
    assert ids == SECTIONS
    assert headings == ["Summary", "Charts", "Integrity", "Data", "Files and SHA-256"]
    assert cards >= 7
    assert charts >= 31 + 3 + 2  # a column per October day, bars per kind and category
    assert rows > 20
    assert width > 300
    assert injected == 0  # the hostile person name stayed text
    assert problems == []
    assert all(u.startswith(("file:", "data:")) for u in requests), requests
    shot = ARTIFACTS / "evidence-report.png"
    assert shot.stat().st_size > 10_000
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_harness_does_see_console_errors(chromium: str, tmp_path: Path) -> None:
    """Positive control: a page that logs an error and throws is reported as such."""
    page = tmp_path / "bad.html"
    page.write_text("<!DOCTYPE html><title>x</title><script>console.error('boom');"
                    "undefinedFunction();</script>", encoding="utf-8")
    with Browser(chromium, tmp_path / "profile") as browser:
        browser.open(page.as_uri())
        problems = browser.problems()
    assert any("boom" in p for p in problems), problems
    assert any(p.startswith("exception") for p in problems), problems
