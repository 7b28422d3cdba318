"""Real browser against `tenure serve`: the effective-access path in words on the person and
account pages and on a group-membership review item (names, not ids); axe-core clean, usable
at 390 px, screenshots saved."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page

from tenure.model import (
    Group,
    GroupMember,
    GroupSource,
    Permission,
    PrincipalKind,
    Role,
    RoleAssignment,
    Workspace,
)
from tenure.reviews.campaigns import CampaignSpec
from tenure.reviews.reviewers import parse_rule
from tenure.reviews.scope import parse_scope
from tenure.services import reviews
from tenure.services.context import App
from tenure.services.findings import run_checks
from tenure.services.web_users import Role as WebRole
from tenure.store import schema
from tests.browsing import Watch, horizontal_overflow, screenshot, violations
from tests.checks.builder import Store, person, user
from tests.conftest import FIXED_NOW, add_web_users, make_app

from .browser_server import serving, sign_in

PASSWORD = "correct horse battery staple"
ADMIN = "admin@acme.test"
PATH = "admin via group Platform-Admins → role Org Admin"


@pytest.fixture
def server(sqlite_url: str, tmp_path: Path) -> Iterator[tuple[str, str]]:
    app: App = make_app(sqlite_url)
    store = Store(app)
    store.hr([person("ada@acme.test"), person("bob@acme.test")])
    store.platform(source="openai", accounts=[user("u_ada", "ada@acme.test"),
                                              user("u_bob", "bob@acme.test")],
                   workspaces=[Workspace("proj_research", "Research")],
                   access=[Role("role_admin", "Org Admin", permissions=(
                               Permission("api.organization.users.write"),)),
                           Role("role_tuner", "Fine-tuner", permissions=(
                               Permission("api.fine_tuning.write"),)),
                           Group("g_admins", "Platform-Admins"),
                           Group("g_research", "Research-Team", source_type=GroupSource.SCIM),
                           GroupMember("g_admins", "u_ada", "ada@acme.test"),
                           GroupMember("g_research", "u_bob", "bob@acme.test"),
                           RoleAssignment(PrincipalKind.GROUP, "g_admins", "role_admin"),
                           RoleAssignment(PrincipalKind.GROUP, "g_research", "role_tuner",
                                          scope_type="workspace", scope_id="proj_research")])
    run_checks(app)
    reviews.create(app, CampaignSpec(
        name="Groups", scope=parse_scope("kind:group_member"),
        due_at=FIXED_NOW + timedelta(days=14),
        reviewer_rule=parse_rule(f"named:{ADMIN}", ADMIN)))
    with app.engine.connect() as conn:
        item = conn.execute(sa.select(schema.review_items.c.id).where(
            schema.review_items.c.subject_id == "g_admins:u_ada")).scalar_one()
    add_web_users(app, [(ADMIN, WebRole.ADMIN)], PASSWORD)
    app.close()
    (tmp_path / "tenure.toml").write_text(f'[database]\nurl = "{sqlite_url}"\n',
                                          encoding="utf-8")
    env = {**os.environ, "TENURE_CONFIG": str(tmp_path / "tenure.toml")}
    env.pop("TENURE_DATABASE_URL", None)
    with serving([], tmp_path, env) as base:
        yield base, item


def test_effective_access_paths_in_the_browser(server: tuple[str, str], page: Page) -> None:
    base, item = server
    watch = Watch(page)
    sign_in(page, base, ADMIN, PASSWORD)
    page.goto(f"{base}/subjects/account?source=openai&id=u_ada")
    assert PATH in page.inner_text("main")
    problems = violations(page)
    screenshot(page, "web/account-effective-access.png")
    page.goto(f"{base}/subjects/person?id=bob@acme.test")
    text = page.inner_text("main")
    # names, not ids: the project by its name, the SCIM group said so
    assert "via group Research-Team → role Fine-tuner in workspace Research, SCIM-managed" \
        in text
    assert "proj_research" not in text.split("Effective access")[1].split("Purpose")[0]
    problems += violations(page)
    page.goto(f"{base}/items/{item}")
    section = page.inner_text("#h-path >> xpath=..")
    assert PATH in section
    assert "Platform-Admins" in section
    holds = page.inner_text("#h-holds >> xpath=..")
    # what the membership grants, not the member's own seat
    assert "Org Admin" in holds
    assert "group Platform-Admins" in holds
    problems += violations(page)
    screenshot(page, "web/item-group-member.png")
    page.set_viewport_size({"width": 390, "height": 844})
    for path in (f"/items/{item}", "/subjects/account?source=openai&id=u_ada"):
        page.goto(base + path)
        assert horizontal_overflow(page) == 0, path
        problems += violations(page)
    screenshot(page, "web/item-group-member-390.png")
    assert problems == []
    assert watch.problems == []
