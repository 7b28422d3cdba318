"""Browser-test helpers on Playwright: the system Chromium, a watch on the console and the
network, axe-core (the copy `axe-playwright-python` ships) and screenshots as artifacts.

Playwright never downloads a browser here: ``browser_type_launch_args`` (tests/conftest.py)
points it at Debian's ``/usr/bin/chromium`` through ``executable_path``.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import ConsoleMessage, Page, Request

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
# WCAG 2.0/2.1 levels A and AA: what the product promises (docs/web.md).
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
_AXE = Axe()


def find_chromium() -> str | None:
    """The system Chromium binary, if installed."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


@dataclass
class Watch:
    """Console errors and warnings, uncaught exceptions and requested URLs of one page."""

    page: Page
    problems: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    expected: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda exc: self.problems.append(f"exception: {exc}"))
        self.page.on("request", self._request)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type in ("error", "warning", "assert"):
            text = f"console.{message.type}: {message.text}"
            if any(e in text for e in self.expected):
                return
            self.problems.append(text)

    def _request(self, request: Request) -> None:
        self.requests.append(request.url)

    def external(self, base: str) -> list[str]:
        """Requested URLs that left ``base`` (the served app)."""
        return [u for u in self.requests
                if not u.startswith((base, "data:", "about:", "file:"))]


def violations(page: Page, tags: list[str] | None = None) -> list[str]:
    """axe-core's WCAG 2.1 AA violations on the current page, one line each (rule, impact,
    the first offending elements)."""
    options: dict[str, Any] = {"runOnly": {"type": "tag", "values": tags or WCAG_AA},
                               "resultTypes": ["violations"]}
    results = _AXE.run(page, options=options)
    found: list[str] = []
    for rule in results.response["violations"]:
        targets = [" ".join(map(str, n.get("target", []))) for n in rule.get("nodes", [])][:3]
        found.append(f"{page.url} {rule['id']} ({rule.get('impact')}): {rule['help']} "
                     f"at {targets}")
    return found


def screenshot(page: Page, name: str) -> Path:
    """A full-page PNG under test-artifacts/ (kept by CI as an artifact)."""
    path = ARTIFACTS / name
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    return path


def horizontal_overflow(page: Page) -> int:
    """How many CSS pixels the document is wider than the viewport (0: no sideways scroll)."""
    return int(page.evaluate(
        "Math.max(0, document.documentElement.scrollWidth - window.innerWidth)"))
