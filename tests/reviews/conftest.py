"""A small organization with every kind of review situation, built through the real engine."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest

from tenure.config import Settings
from tenure.connectors.base import Batch, StreamComplete, TenantInfo
from tenure.model import (
    Account,
    AccountKind,
    Activity,
    Credential,
    CredentialKind,
    Entitlement,
    Grant,
    Person,
    PersonStatus,
    ScopeType,
    Usage,
    Workspace,
)
from tenure.services.context import App
from tenure.services.sync import run_source

from .. import scripted
from ..conftest import FIXED_NOW, make_app
from ..scripted import ScriptedConfig

NOW = FIXED_NOW
OLD = NOW - timedelta(days=400)


def _person(email: str, manager: str = "boss@corp.io", status: PersonStatus =
            PersonStatus.ACTIVE, end: date | None = None) -> Person:
    return Person(email, email.split("@")[0].title(), email, status, "Eng", "Engineer",
                  manager, date(2020, 1, 1), end)


def _seat(uid: str, email: str, role: str = "user", created: datetime = OLD) -> Account:
    return Account(uid, AccountKind.USER, email, email, role, created_at=created)


def _login(i: int, uid: str, days_ago: float, category: str = "login") -> Activity:
    return Activity(f"act_{uid}_{i}", NOW - timedelta(days=days_ago), "user", uid, None,
                    "sso_login_succeeded" if category == "login" else "org_user_deleted",
                    category)


def _key(kid: str, creator: str, created: datetime = OLD, workspace: str = "wrkspc_prod"
         ) -> Credential:
    return Credential(kid, CredentialKind.API_KEY, f"key {kid}", "active", owner_type="user",
                      owner_id=creator, creator_id=creator, workspace_id=workspace,
                      partial_hint=f"sk-ant-api03-{kid[:3]}...", created_at=created)


PEOPLE = [
    _person("boss@corp.io", manager="ceo@corp.io"),
    _person("ceo@corp.io", manager=""),
    _person("alice@corp.io"),  # active user
    _person("bob@corp.io", status=PersonStatus.TERMINATED, end=date(2026, 10, 1)),  # leaver
    _person("carol@corp.io"),  # dormant
    _person("dave@corp.io"),  # admin without admin actions -> reduce
    _person("erin@corp.io"),  # new seat
    _person("frank@corp.io", manager="alice@corp.io"),  # active admin
]
ORG_ADMIN = Entitlement(ScopeType.ORGANIZATION, "org-1", "admin", privileged=True)


def platform_items() -> list[object]:
    seats = [
        _seat("user_alice", "alice@corp.io"), _seat("user_bob", "bob@corp.io"),
        _seat("user_carol", "carol@corp.io"), _seat("user_dave", "dave@corp.io", "admin"),
        _seat("user_erin", "erin@corp.io", created=NOW - timedelta(days=5)),
        _seat("user_frank", "frank@corp.io", "admin"),
    ]
    activity = [
        _login(1, "user_alice", 2), _login(2, "user_bob", 1), _login(3, "user_carol", 45),
        _login(4, "user_dave", 3), _login(5, "user_frank", 1), _login(6, "user_frank", 2, "admin"),
    ]
    keys = [
        _key("apikey_live", "user_alice"),
        _key("apikey_gone", "user_zed"),  # creator not a member, no person: orphaned
        _key("apikey_idle", "user_alice"),  # used long ago: dormant
    ]
    usage = [Usage("api_key", "apikey_live", (NOW - timedelta(days=d)).date(), 10 * d, 100, 10)
             for d in (1, 8, 15)]
    usage.append(Usage("api_key", "apikey_idle", (NOW - timedelta(days=80)).date(), 4, 10, 1))
    return [
        TenantInfo("org-1"), Batch("users", seats), StreamComplete("account"),
        Batch("workspaces", [Workspace("wrkspc_prod", "Production", OLD)]),
        Batch("grants", [Grant("user_dave", ORG_ADMIN), Grant("user_frank", ORG_ADMIN)]),
        Batch("keys", keys), Batch("activity", activity), Batch("usage", usage),
    ]


@pytest.fixture
def org(database_url: str, tmp_path: object) -> Iterator[App]:
    """An App whose store holds the organization above (HR + one platform)."""
    scripted.register()
    settings = Settings(sources=(ScriptedConfig(name="hr", type="scripted"),
                                 ScriptedConfig(name="claude", type="scripted")))
    app = make_app(database_url, settings)
    scripted.SCRIPTS["hr"] = [TenantInfo("hr"), Batch("people", PEOPLE),
                              StreamComplete("person")]
    scripted.SCRIPTS["claude"] = platform_items()  # type: ignore[assignment]
    assert not run_source(app, "hr").failed
    assert not run_source(app, "claude").failed
    yield app
    app.close()


DUE = datetime(2026, 12, 9, tzinfo=UTC)
