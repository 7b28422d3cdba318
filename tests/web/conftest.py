"""A small organization with a campaign, a finding, a leaver plan and one user per role,
served by the real app in process (TestClient) on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from tenure.actions import planner
from tenure.api import create_app
from tenure.config import EvidenceConfig
from tenure.evidence import keys
from tenure.reviews.campaigns import CampaignSpec
from tenure.reviews.reviewers import parse_rule
from tenure.reviews.scope import parse_scope
from tenure.services import findings, reviews
from tenure.services.context import App
from tenure.services.web_users import Role
from tests.conftest import FIXED_NOW, add_web_users, user_token
from tests.reviews.conftest import org  # noqa: F401  (fixture re-exported)

PASSWORD = "correct horse battery staple"
ADMIN, ADMIN2, AUDITOR = "admin@corp.io", "admin2@corp.io", "audit@corp.io"
REVIEWER, OTHER = "boss@corp.io", "alice@corp.io"
ORIGIN = "http://testserver"


@dataclass
class Org:
    """The served organization and the ids tests refer to."""

    app: App
    api: FastAPI
    campaign_id: str
    own_item: str
    foreign_item: str
    foreign_subject: tuple[str, str, str]
    finding_id: str
    plan_id: str
    plan_hash: str
    tokens: dict[str, str]


def csrf_of(html: str) -> str:
    """The CSRF token a rendered page carries."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def sign_in(client: TestClient, email: str, password: str = PASSWORD) -> str:
    """Sign in through the form; returns the session's CSRF token."""
    token = csrf_of(client.get("/login").text)
    response = client.post("/login", data={"email": email, "password": password,
                                           "csrf_token": token, "next": "/queue"},
                           headers={"Origin": ORIGIN}, follow_redirects=False)
    assert response.status_code == 303, response.text
    return csrf_of(client.get("/queue").text)


@pytest.fixture
def served(org: App, tmp_path: Path) -> Iterator[Org]:  # noqa: F811
    """The org with a campaign, checks run, a leaver plan, users and API tokens."""
    key = tmp_path / "keys" / "signing.pem"
    keys.write_private_key(keys.generate(), key)
    org.settings = org.settings.model_copy(
        update={"evidence": EvidenceConfig(signing_key_file=key)})
    campaign_id, _ = reviews.create(org, CampaignSpec(
        name="Q4 Claude", scope=parse_scope("source:claude"),
        due_at=FIXED_NOW + timedelta(days=14),
        reviewer_rule=parse_rule("manager,key-owner", "secops@corp.io")))
    items = reviews.items(org, campaign_id)
    own = next(i for i in items if i.reviewer == REVIEWER)
    mine = {(i.source, i.subject_id) for i in items if i.reviewer == REVIEWER}
    foreign = next(i for i in items if i.reviewer == OTHER and i.kind == "account"
                   and (i.source, i.subject_id) not in mine)
    findings.run_checks(org)
    finding = findings.list_findings(org)[0]
    # The scripted source has no revocation provider: an empty plan is still a stored plan
    # with a hash, which is all approval and authorization need.
    with org.engine.begin() as conn:
        plan, _ = planner.build_plan(conn, org.settings, [], origin="trigger:leaver",
                                     created_by="planner@corp.io", now=FIXED_NOW,
                                     task_owner="secops@corp.io", task_days=7)
    add_web_users(org, [(ADMIN, Role.ADMIN), (ADMIN2, Role.ADMIN), (AUDITOR, Role.AUDITOR),
                        (REVIEWER, Role.REVIEWER), (OTHER, Role.REVIEWER)], PASSWORD)
    tokens = {email: user_token(org, email) for email in (ADMIN, AUDITOR, REVIEWER, OTHER)}
    api = create_app(org)
    return Org(org, api, campaign_id, own.id, foreign.id,
              ("account", foreign.source, foreign.subject_id), finding.id, plan.id,
              plan.sha256, tokens)


def all_routes(routes: list[Any], prefix: str = "") -> set[tuple[str, str]]:
    """Every (method, path) an app serves, through included routers (FastAPI keeps them
    nested), excluding the SCIM receiver (its own suite covers it)."""
    found: set[tuple[str, str]] = set()
    for route in routes:
        original = getattr(route, "original_router", None)
        if original is not None:
            found |= all_routes(original.routes, prefix + route.include_context.prefix)
            continue
        path = prefix + str(getattr(route, "path", ""))
        if path.startswith("/scim/") or not isinstance(route, APIRoute):
            continue
        found |= {(m, path) for m in route.methods - {"HEAD"}}
    return found
