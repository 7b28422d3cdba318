"""Real browser against `tenure serve` on the simulator's planted organization: an admin
approves (as a second person) and applies a leaver plan, the steps come back verified; an
auditor downloads an evidence package that verifies offline."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tenure.evidence import keys
from tenure.services import evidence, revocation, web_users
from tenure.services.web_users import Role
from tests.evidence.browser import Browser
from tests.planted import PlantedOrg, planted_org

from .test_browser import ARTIFACTS, _act, _free_port, _sign_in

ADMIN, AUDITOR = "ciso@corp.io", "auditor@corp.io"


@pytest.fixture
def planted(tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
            ) -> Iterator[tuple[PlantedOrg, str, str]]:
    key = tmp_path / "signing.pem"
    keys.write_private_key(keys.generate(), key)
    with planted_org(tmp_path, sqlite_url, monkeypatch, extra_config=(
            f'[revocation]\nmax_actions = 10\nmax_percent = 50\n'
            f'[evidence]\nsigning_key_file = "{key}"\n')) as org:
        plan, _ = revocation.plan_revocation(org.app, trigger="leaver",
                                             planner_email="planner@corp.io")
        for email, role in ((ADMIN, Role.ADMIN), (AUDITOR, Role.AUDITOR)):
            web_users.add_user(org.app, email, role, "correct horse battery staple")
        port = _free_port()
        proc = subprocess.Popen(
            [sys.executable, "-m", "tenure.cli", "--config", str(org.config), "--as-of",
             "2026-11-25T12:00:00Z", "serve", "--port", str(port)],
            env=dict(os.environ), cwd=tmp_path, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline
                assert proc.poll() is None
                time.sleep(0.1)
            yield org, base, plan.id
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def test_admin_applies_and_auditor_downloads(planted: tuple[PlantedOrg, str, str],
                                             chromium: str, tmp_path: Path) -> None:
    org, base, plan_id = planted
    mutations_before = len(org.sim.mutations())
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    with Browser(chromium, tmp_path / "profile") as browser:
        _sign_in(browser, base, ADMIN)
        _act(browser, f"location.href = '/plans/{plan_id}'")
        _act(browser, "document.querySelector('form[action$=\"/approve\"] button').click()")
        sha = browser.evaluate("document.querySelector('dd code').innerText")
        _act(browser, f"""document.getElementById('approve_hash').value = '{sha}';
            document.querySelector('form[action$="/apply"] button').click();""")
        flash = browser.evaluate("document.querySelector('.flash').innerText")
        assert "Applied:" in flash, flash
        assert browser.evaluate("document.getElementById('plan-status').innerText") == "applied"
        verified = browser.evaluate(
            "Array.from(document.querySelectorAll('tbody tr td:nth-child(5)'))"
            ".map(td => td.innerText)")
        assert verified
        assert set(verified) <= {"yes", "—"}
        browser.screenshot(ARTIFACTS / "plan-applied.png")
        _act(browser, "document.querySelector('form[action=\"/logout\"] button').click()")
        _sign_in(browser, base, AUDITOR)
        _act(browser, "location.href = '/evidence'")
        browser.screenshot(ARTIFACTS / "evidence-auditor.png")
        browser.send("Browser.setDownloadBehavior", {
            "behavior": "allow", "downloadPath": str(downloads), "eventsEnabled": True},
            session=False)
        browser.evaluate("""document.getElementById('period').value = '2026-01-01..2026-12-31';
            document.querySelector('form[action="/evidence/export"] button').click();""")
        deadline = time.monotonic() + 60
        while not [p for p in downloads.iterdir() if p.suffix == ".zip"]:
            assert time.monotonic() < deadline, "no download"
            time.sleep(0.1)
        problems = browser.problems()
    assert problems == []
    assert len(org.sim.mutations()) > mutations_before  # the vendor really changed
    package = next(p for p in downloads.iterdir() if p.suffix == ".zip")
    time.sleep(0.5)  # the browser renames the file when complete
    assert evidence.check_package(package).ok
