"""Real browser against `tenure serve`: the non-human identity list and one identity's
accountability chain drawn as boxes and arrows (names, human dates), the admin sets a sponsor
through the CSRF-protected form; axe-core clean, usable at 390 px, screenshots saved."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page

from tenure.model import DeploymentStatus, EgressKind, ToolPermission
from tenure.services.context import App
from tenure.services.findings import run_checks
from tenure.services.web_users import Role
from tests.browsing import Watch, horizontal_overflow, screenshot, violations
from tests.checks.builder import Store, ago, key, person, user
from tests.conftest import add_web_users, make_app
from tests.nhi import builder as b

from .browser_server import serving, sign_in

PASSWORD = "correct horse battery staple"
ADMIN = "admin@acme.test"


@pytest.fixture
def server(sqlite_url: str, tmp_path: Path) -> Iterator[str]:
    app: App = make_app(sqlite_url)
    store = Store(app)
    store.hr([person("alice@acme.test", status="terminated", end=ago(20).date(),
                     manager="boss@acme.test"),
              person("boss@acme.test", manager="")])
    store.platform(accounts=[user("user_alice", "alice@acme.test"),
                             b.service_account("svac_ci_deployer", creator="user_alice")],
                   credentials=[key("key_ci", owner="svac_ci_deployer",
                                    owner_type="service_account", last_used=ago(2))])
    b.write(app, [
        b.issuer("fdis_1"), b.rule("fdrl_ci_main", "svac_ci_deployer", prefix="repo:acme/*"),
        b.agent("agent_triage", tools=[b.tool("bash", ToolPermission.ALWAYS_ALLOW)]),
        b.environment("env_open", EgressKind.UNRESTRICTED),
        b.deployment("depl_nightly", "agent_triage", "env_open", vaults=["vlt_1"],
                     status=DeploymentStatus.ACTIVE),
        b.credential("vcrd_github", "vlt_1", expired=True)])
    run_checks(app)
    add_web_users(app, [(ADMIN, Role.ADMIN)], PASSWORD)
    app.close()
    (tmp_path / "tenure.toml").write_text(f'[database]\nurl = "{sqlite_url}"\n',
                                          encoding="utf-8")
    env = {**os.environ, "TENURE_CONFIG": str(tmp_path / "tenure.toml")}
    env.pop("TENURE_DATABASE_URL", None)
    with serving([], tmp_path, env) as base:
        yield base


def test_nhi_pages_in_the_browser(server: str, page: Page) -> None:
    watch = Watch(page)
    sign_in(page, server, ADMIN, PASSWORD)
    page.goto(f"{server}/nhi")
    rows = page.inner_text("#nhi-list")
    assert "svac_ci_deployer" in rows
    assert "agent_triage" in rows
    problems = violations(page)
    screenshot(page, "web/nhi-list.png")
    page.goto(f"{server}/nhi/svac_ci_deployer?source=anthropic")
    chain = page.inner_text("#chain")
    # rule → service account → key → sponsor → HR status → manager, by name
    for text in ("fdrl_ci_main", "key_ci", "last used", "alice", "terminated", "boss"):
        assert text in chain, text
    assert "2 days ago" in chain  # human dates, not ISO stamps
    assert page.locator("#hr-node.warn").count() == 1  # the sponsor left
    problems += violations(page)
    screenshot(page, "web/nhi-chain-service-account.png")
    with page.expect_navigation():  # from the sponsor to everything they answer for
        page.click("#sponsor-link")
    answers = page.inner_text("#nhi-list")
    assert "svac_ci_deployer" in answers
    assert "agent_triage" not in answers
    problems += violations(page)
    page.goto(f"{server}/nhi/svac_ci_deployer?source=anthropic")
    page.goto(f"{server}/nhi/depl_nightly?source=anthropic")
    chain = page.inner_text("#chain")
    for text in ("agent_triage", "env_open", "any host", "vcrd_github", "expired"):
        assert text in chain, text
    problems += violations(page)
    screenshot(page, "web/nhi-chain-deployment.png")
    page.set_viewport_size({"width": 390, "height": 844})
    for path, name in (("/nhi", "nhi-list-390"),
                       ("/nhi/svac_ci_deployer?source=anthropic", "nhi-chain-390")):
        page.goto(server + path)
        assert horizontal_overflow(page) == 0, path
        problems += violations(page)
        screenshot(page, f"web/{name}.png")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{server}/nhi/svac_ci_deployer?source=anthropic")
    page.fill("#owner", "boss@acme.test")
    page.fill("#reason", "owns the deploy pipeline")
    with page.expect_navigation():
        page.click("#sponsor-form button")
    assert "Sponsor of svac_ci_deployer is now boss@acme.test" in page.inner_text(".flash")
    assert "explicit" in page.inner_text("#sponsor-node")
    assert "cli" not in page.inner_text("#sponsor-history")  # recorded as the web session
    assert ADMIN in page.inner_text("#sponsor-history")
    problems += violations(page)
    screenshot(page, "web/nhi-chain-after-sponsor.png")
    assert problems == []
    assert watch.problems == []
    assert watch.external(server) == []
