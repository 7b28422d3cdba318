"""Real browser (Debian chromium, headless) against `tenure serve` over loopback: sign in,
open the queue, decide an item with a justification, fail to open another reviewer's item,
an admin's pages; screenshots under test-artifacts/web/, no console errors."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tenure.services import reviews
from tests.evidence.browser import Browser

from .conftest import ADMIN, PASSWORD, REVIEWER, Org

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "web"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server(served: Org, tmp_path: Path) -> Iterator[str]:
    """`tenure serve` on the served org's store, as of the fixture's clock."""
    url = served.app.settings.database.url
    if not url.startswith("sqlite"):
        pytest.skip("one browser run (SQLite) keeps the suite bounded")
    port = _free_port()
    key = served.app.settings.evidence.signing_key_file
    (tmp_path / "tenure.toml").write_text(
        f'[database]\nurl = "{url}"\n[evidence]\nsigning_key_file = "{key}"\n',
        encoding="utf-8")
    env = {**os.environ, "TENURE_CONFIG": str(tmp_path / "tenure.toml")}
    env.pop("TENURE_DATABASE_URL", None)
    proc = subprocess.Popen([sys.executable, "-m", "tenure.cli", "--as-of",
                             "2026-11-25T12:00:00Z", "serve", "--port", str(port)],
                            env=env, cwd=tmp_path, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise AssertionError(proc.stderr.read().decode() if proc.stderr else "exited")
            try:
                if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            raise AssertionError("tenure serve did not start")
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _loads(browser: Browser) -> int:
    return sum(1 for e in browser.events if e.get("method") == "Page.loadEventFired")


def _act(browser: Browser, script: str) -> None:
    """Run ``script`` (which navigates) and wait for the next page load."""
    before = _loads(browser)
    browser.evaluate(script)
    deadline = time.monotonic() + 20
    while _loads(browser) <= before:
        if time.monotonic() > deadline:
            raise TimeoutError(f"no page load after {script!r}")
        time.sleep(0.05)


def _until(browser: Browser, condition: str, timeout: float = 20) -> None:
    """Wait until a JavaScript condition holds in the page."""
    deadline = time.monotonic() + timeout
    while not browser.evaluate(f"!!({condition})"):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{condition} never held")
        time.sleep(0.05)


def _sign_in(browser: Browser, base: str, email: str) -> None:
    if browser._session is None:
        browser.open(f"{base}/login")
    else:
        _act(browser, f"location.href = {json.dumps(base + '/login')}")
    # open() may return on about:blank's load event: wait for the form itself.
    _until(browser, "location.pathname === '/login' && document.getElementById('email') "
           "&& document.readyState === 'complete'")
    _act(browser, f"""document.getElementById('email').value = {json.dumps(email)};
        document.getElementById('password').value = {json.dumps(PASSWORD)};
        document.querySelector('form[action="/login"] button').click();""")


def test_reviewer_decides_in_the_browser(served: Org, server: str, chromium: str,
                                         tmp_path: Path) -> None:
    item = next(i for i in reviews.items(served.app, served.campaign_id)
                if i.id == served.own_item)
    with Browser(chromium, tmp_path / "profile") as browser:
        _sign_in(browser, server, REVIEWER)
        assert browser.evaluate("location.pathname") == "/queue"
        rows = browser.evaluate("document.querySelectorAll('table.queue tbody tr').length")
        assert rows >= 1
        first = browser.evaluate(
            "document.querySelector('table.queue tbody tr td:nth-child(2)').innerText")
        assert first.strip().lower() in {"keep", "revoke", "reduce", "dont_know"}
        browser.screenshot(ARTIFACTS / "queue.png")
        _act(browser, f"""document.getElementById('pick-{item.id}').checked = true;
            document.querySelector('input[name=decision][value=revoke]').checked = true;
            document.getElementById('justification').value = 'left the team in October';
            document.getElementById('decide').click();""")
        status = browser.evaluate("document.querySelector('.flash').innerText")
        assert "Recorded revoke on 1 item" in status
        browser.screenshot(ARTIFACTS / "queue-after-decision.png")
        # Another reviewer's item: the same 404 as an id that does not exist.
        before = browser.problems()
        _act(browser, f"location.href = '/items/{served.foreign_item}'")
        assert "no review item" in browser.evaluate("document.body.innerText")
        expected_404 = browser.problems()[len(before):]
        assert len(expected_404) == 1
        assert "404" in expected_404[0]
        _act(browser, f"location.href = '/items/{item.id}'")
        assert "left the team in October" in browser.evaluate("document.body.innerText")
        browser.screenshot(ARTIFACTS / "item.png")
        kind, source, sid = "account", item.source, item.subject_id
        _act(browser, f"location.href = '/subjects/{kind}?source={source}&id={sid}'")
        assert browser.evaluate("document.querySelectorAll('figure.chart svg rect').length") > 0
        browser.screenshot(ARTIFACTS / "subject.png")
        problems = [p for p in browser.problems() if p not in expected_404]
        external = [u for u in browser.requests() if not u.startswith(server)
                    and not u.startswith(("data:", "about:"))]
    assert problems == []
    assert external == []  # works without a CDN or internet
    decided = reviews.items(served.app, served.campaign_id, item_ids=[item.id])[0]
    assert decided.decision == "revoke"
    assert decided.justification == "left the team in October"


def test_admin_pages_in_the_browser(served: Org, server: str, chromium: str,
                                    tmp_path: Path) -> None:
    with Browser(chromium, tmp_path / "profile") as browser:
        _sign_in(browser, server, ADMIN)
        for name, path in (("campaign", f"/campaigns/{served.campaign_id}"),
                           ("findings", "/findings"), ("plans", "/plans"),
                           ("plan", f"/plans/{served.plan_id}"), ("sources", "/sources"),
                           ("evidence", "/evidence")):
            _act(browser, f"location.href = {json.dumps(path)}")
            assert browser.evaluate("document.querySelector('h1').innerText")
            browser.screenshot(ARTIFACTS / f"{name}.png")
        # Approve the plan as a second person (the planner was planner@corp.io).
        _act(browser, f"location.href = '/plans/{served.plan_id}'")
        _act(browser, "document.querySelector('form[action$=\"/approve\"] button').click()")
        assert browser.evaluate("document.getElementById('plan-status').innerText") == (
            "approved")
        assert browser.evaluate("document.getElementById('verify-status') === null")
        problems = browser.problems()
    assert problems == []
