"""Real browser against `tenure serve` on the simulator's planted organization: an admin
approves (as a second person) and applies a leaver plan, the steps come back verified; an
auditor downloads an evidence package that verifies offline."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page

from tenure.evidence import keys
from tenure.services import evidence, revocation
from tenure.services.web_users import Role
from tests.browsing import Watch, screenshot, violations
from tests.conftest import add_web_users, signed_in
from tests.planted import PlantedOrg, planted_org

from .browser_server import serving, sign_in, sign_out

ADMIN, AUDITOR = "ciso@corp.io", "auditor@corp.io"
PASSWORD = "correct horse battery staple"


@pytest.fixture
def planted(tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
            ) -> Iterator[tuple[PlantedOrg, str, str]]:
    key = tmp_path / "signing.pem"
    keys.write_private_key(keys.generate(), key)
    with planted_org(tmp_path, sqlite_url, monkeypatch, extra_config=(
            f'[revocation]\nmax_actions = 10\nmax_percent = 50\n'
            f'[evidence]\nsigning_key_file = "{key}"\n')) as org:
        add_web_users(org.app, [(ADMIN, Role.ADMIN), (AUDITOR, Role.AUDITOR),
                                ("planner@corp.io", Role.ADMIN)], PASSWORD)
        plan, _ = revocation.plan_revocation(signed_in(org.app, "planner@corp.io"),
                                             trigger="leaver")
        with serving(["--config", str(org.config)], tmp_path) as base:
            yield org, base, plan.id


def test_admin_applies_and_auditor_downloads(planted: tuple[PlantedOrg, str, str],
                                             page: Page, tmp_path: Path) -> None:
    org, base, plan_id = planted
    watch = Watch(page)
    mutations_before = len(org.sim.mutations())
    sign_in(page, base, ADMIN, PASSWORD)
    page.goto(f"{base}/plans/{plan_id}")
    with page.expect_navigation():
        page.click('form[action$="/approve"] button')
    sha = page.inner_text("dd code")
    page.fill("#approve_hash", sha)
    with page.expect_navigation():
        page.click('form[action$="/apply"] button')
    flash = page.inner_text(".flash")
    assert "Applied:" in flash, flash
    assert page.inner_text("#plan-status") == "applied"
    verified = page.locator("tbody tr td:nth-child(5)").all_inner_texts()
    assert verified
    assert set(verified) <= {"yes", "—"}
    problems = violations(page)
    screenshot(page, "web/plan-applied.png")
    # Always current: the apply re-ran the checks; the findings page says so, and the
    # revoked leaver access no longer fails.
    page.goto(f"{base}/findings")
    assert f"apply:{plan_id}" in page.inner_text("#checks-freshness")
    page.goto(f"{base}/findings?check=leaver-active-account")
    assert page.locator("#findings li.item").count() == 0
    problems += violations(page)
    screenshot(page, "web/findings-after-apply.png")
    sign_out(page)
    sign_in(page, base, AUDITOR, PASSWORD)
    page.goto(f"{base}/evidence")
    problems += violations(page)
    screenshot(page, "web/evidence-auditor.png")
    page.fill("#period", "2026-01-01..2026-12-31")
    with page.expect_download(timeout=60_000) as download:
        page.click('form[action="/evidence/export"] button')
    package = tmp_path / "package.zip"
    download.value.save_as(package)
    assert problems == []
    assert watch.problems == []
    assert len(org.sim.mutations()) > mutations_before  # the vendor really changed
    assert evidence.check_package(package).ok
