"""Service accounts and federation records through the real sync engine, on both databases.

Service accounts are accounts (``kind = service_account``) and grants read with a credential
of their own: a Gap on ``service_account`` keeps them when the other accounts are listed
completely, and a complete ``service_account`` listing retires only them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from tenure.config import Settings
from tenure.connectors.base import Batch, StreamComplete, SyncItem, TenantInfo
from tenure.model import (
    SERVICE_ACCOUNT_TYPE,
    Account,
    AccountKind,
    Entitlement,
    FederationIssuer,
    FederationRule,
    Gap,
    Grant,
    JwksType,
    RunStatus,
    ScopeType,
)
from tenure.services.context import App
from tenure.services.sync import run_source
from tenure.store import schema

from .. import scripted
from ..conftest import make_app
from ..scripted import ScriptedConfig

T0 = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.fixture
def platform(database_url: str) -> Iterator[App]:
    scripted.register()
    application = make_app(database_url, Settings(sources=(
        ScriptedConfig(name="claude", type="scripted"),)))
    yield application
    application.close()


def run(app: App, items: Sequence[SyncItem]) -> RunStatus:
    scripted.SCRIPTS["claude"] = items
    return run_source(app, "claude").status


def user(uid: str) -> Account:
    return Account(uid, AccountKind.USER, f"{uid}@example.com", uid, "user")


def sa_account(sid: str) -> Account:
    return Account(sid, AccountKind.SERVICE_ACCOUNT, None, sid, "developer", T0, "active",
                   {"created_by_actor_id": "user_01A"})


def sa_grant(sid: str, ws: str = "wrkspc_1", implicit: bool = False) -> Grant:
    return Grant(sid, Entitlement(ScopeType.WORKSPACE, ws, "workspace_user", False),
                 inherited=implicit)


def present(app: App, table: sa.Table) -> set[str]:
    with app.engine.connect() as conn:
        return {r[0] for r in conn.execute(sa.select(table.c.external_id).where(
            table.c.removed_at.is_(None)))}


ISSUER = FederationIssuer("fdis_1", "github", "https://token.actions.githubusercontent.com",
                          check_jti=False, jwks_type=JwksType.DISCOVERY,
                          consecutive_failures=3, created_at=T0,
                          attributes={"jwks": {"type": "discovery"}})
RULE = FederationRule("fdrl_1", "deploy", "fdis_1", "svac_1", "workspace:developer",
                      subject_prefix="repo:org/repo:*", claims={"repository_owner": "org"},
                      match={"subject_prefix": "repo:org/repo:*"},
                      workspace_ids=("wrkspc_1", "wrkspc_2"), created_at=T0)


def test_federation_records_round_trip(platform: App) -> None:
    assert run(platform, [TenantInfo("org"), Batch("federation", [ISSUER, RULE]),
                          StreamComplete("federation_issuer"),
                          StreamComplete("federation_rule")]) is RunStatus.COMPLETE
    with platform.engine.connect() as conn:
        issuer = conn.execute(sa.select(schema.federation_issuers)).mappings().one()
        rule = conn.execute(sa.select(schema.federation_rules)).mappings().one()
    assert issuer["jwks_type"] is JwksType.DISCOVERY
    assert issuer["check_jti"] is False
    assert issuer["consecutive_failures"] == 3
    assert issuer["attributes"]["jwks"]
    assert rule["workspace_ids"] == ["wrkspc_1", "wrkspc_2"]
    assert rule["claims"] == {"repository_owner": "org"}
    assert rule["target_service_account_id"] == "svac_1"
    run(platform, [TenantInfo("org"), Batch("federation", []),
                   StreamComplete("federation_issuer"), StreamComplete("federation_rule")])
    assert present(platform, schema.federation_rules) == set()
    assert present(platform, schema.federation_issuers) == set()


def test_service_accounts_survive_a_gap_on_their_plane(platform: App) -> None:
    run(platform, [TenantInfo("org"),
                   Batch("users", [user("user_1"), sa_account("svac_1"), sa_grant("svac_1"),
                                   sa_grant("user_1")]),
                   StreamComplete("account"), StreamComplete("grant"),
                   StreamComplete(SERVICE_ACCOUNT_TYPE)])
    # next run: the OAuth credential is gone; users and user grants are listed completely
    assert run(platform, [TenantInfo("org"), Batch("users", [user("user_1")]),
                          StreamComplete("account"), StreamComplete("grant"),
                          Gap(SERVICE_ACCOUNT_TYPE, "no OAuth token")]) is RunStatus.PARTIAL
    assert present(platform, schema.accounts) == {"user_1", "svac_1"}
    assert present(platform, schema.grants) == {sa_grant("svac_1").external_id}
    # without the gap the complete account listing does retire them (as for OpenAI)
    run(platform, [TenantInfo("org"), Batch("users", [user("user_1")]),
                   StreamComplete("account"), StreamComplete("grant")])
    assert present(platform, schema.accounts) == {"user_1"}


def test_a_complete_service_account_listing_retires_only_service_accounts(
        platform: App) -> None:
    run(platform, [TenantInfo("org"),
                   Batch("users", [user("user_1"), sa_account("svac_1"), sa_account("svac_2"),
                                   sa_grant("svac_1"), sa_grant("svac_2"),
                                   sa_grant("user_1")])])
    # the users listing failed (no StreamComplete) but the service accounts were complete
    run(platform, [TenantInfo("org"),
                   Batch("sa", [sa_account("svac_1"), sa_grant("svac_1")]),
                   Gap("account", "users unreadable"),
                   StreamComplete(SERVICE_ACCOUNT_TYPE)])
    assert present(platform, schema.accounts) == {"user_1", "svac_1"}
    assert present(platform, schema.grants) == {sa_grant("svac_1").external_id,
                                                sa_grant("user_1").external_id}
