"""Effective access through the real sync engine: every path kind, its tier and its words."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from tenure.config import Settings
from tenure.connectors.base import Batch, StreamComplete, SyncItem, TenantInfo
from tenure.model import (
    AccessPathKind,
    Account,
    AccountKind,
    AssignmentOrigin,
    Entitlement,
    Grant,
    Group,
    GroupMember,
    GroupSource,
    Permission,
    PrincipalKind,
    PrivilegeTier,
    Role,
    RoleAssignment,
    ScopeType,
)
from tenure.services import effective_access
from tenure.services.context import App
from tenure.services.sync import run_source
from tenure.store import schema

from .. import scripted
from ..conftest import make_app
from ..scripted import ScriptedConfig

T0 = datetime(2026, 11, 1, tzinfo=UTC)
ORG = "org-1"


@pytest.fixture
def platform(database_url: str) -> Iterator[App]:
    scripted.register()
    application = make_app(database_url, Settings(sources=(
        ScriptedConfig(name="claude", type="scripted"),)))
    yield application
    application.close()


def run(app: App, items: Sequence[SyncItem]) -> None:
    scripted.SCRIPTS["claude"] = items
    run_source(app, "claude")


def seat(uid: str, role: str = "user") -> Account:
    return Account(uid, AccountKind.USER, f"{uid}@x.io", uid.title(), role, created_at=T0)


def grant(uid: str, role: str, scope: ScopeType = ScopeType.ORGANIZATION, scope_id: str = ORG,
          inherited: bool = False) -> Grant:
    return Grant(uid, Entitlement(scope, scope_id, role, role == "admin"), inherited=inherited)


ORG_ADMIN = Role("rbac_role_admin", "Org Admin", "Org Admin", scope_id=ORG, permissions=(
    Permission("permission_manage_members", "organization", ORG),))
KEYS = Role("rbac_role_keys", "Key Minter", scope_id=ORG, permissions=(
    Permission("permission_manage_api_keys", "organization", ORG),))


def world() -> list[SyncItem]:
    return [
        TenantInfo(ORG),
        Batch("users", [seat("alice"), seat("bob", "admin"), seat("carol"), seat("dan"),
                        grant("alice", "user"), grant("bob", "admin"),
                        grant("bob", "workspace_admin", ScopeType.WORKSPACE, "wrkspc_1", True),
                        grant("carol", "user"), grant("dan", "user")]),
        Batch("rbac_roles", [ORG_ADMIN, KEYS]),
        Batch("rbac_groups", [Group("rbac_group_pa", "Platform-Admins", GroupSource.SCIM,
                                    role_ids=("rbac_role_admin",))]),
        Batch("rbac_group_members", [GroupMember("rbac_group_pa", "alice", "alice@x.io")]),
        Batch("role_assignments", [
            RoleAssignment(PrincipalKind.GROUP, "rbac_group_pa", "rbac_role_admin", scope_id=ORG),
            RoleAssignment(PrincipalKind.USER, "carol", "rbac_role_keys", scope_id=ORG,
                           origin=AssignmentOrigin.FEED_DERIVED),
        ]),
        StreamComplete("account"), StreamComplete("grant"),
    ]


def by_account(app: App) -> dict[str, list[dict[str, object]]]:
    with app.engine.connect() as conn:
        rows = effective_access.access_of(conn)
    out: dict[str, list[dict[str, object]]] = {}
    for row in rows:
        out.setdefault(str(row["account_id"]), []).append(row)
    return out


def test_every_path_kind_with_tier_and_explanation(platform: App) -> None:
    with platform.engine.begin() as conn:
        conn.execute(schema.scim_groups.insert().values(
            id="g1", source="okta", external_id="okta-pa", display_name="Platform-Admins",
            display_name_key="platform-admins", resource={}, version=1, created_at=T0,
            updated_at=T0))
    run(platform, world())
    access = by_account(platform)
    with platform.engine.connect() as conn:
        counted = conn.execute(sa.select(schema.effective_access_runs.c.rows)).scalar_one()
    assert counted == sum(len(rows) for rows in access.values())
    (via_group,) = [r for r in access["alice"] if r["path_kind"] is AccessPathKind.GROUP]
    assert via_group["tier"] is PrivilegeTier.ADMIN
    assert via_group["via_group_id"] == "rbac_group_pa"
    assert via_group["entitlement"] == "rbac_role_admin"
    assert via_group["explanation"] == (
        "admin via group Platform-Admins → role Org Admin, pushed by Okta")
    assert [s["step"] for s in via_group["path"]] == ["account", "group", "role"]
    bob = {(r["path_kind"], r["entitlement"]): r for r in access["bob"]}
    assert bob[(AccessPathKind.DIRECT, "admin")]["tier"] is PrivilegeTier.ADMIN
    inherited = bob[(AccessPathKind.INHERITED, "workspace_admin")]
    assert inherited["tier"] is PrivilegeTier.ELEVATED
    assert inherited["explanation"] == (
        "elevated inherited from org role admin → workspace_admin in workspace wrkspc_1")
    (carol_role,) = [r for r in access["carol"] if r["path_kind"] is AccessPathKind.ROLE]
    assert carol_role["tier"] is PrivilegeTier.ELEVATED
    assert carol_role["origin"] is AssignmentOrigin.FEED_DERIVED
    assert "known from the activity feed" in str(carol_role["explanation"])
    assert [r["tier"] for r in access["dan"]] == [PrivilegeTier.NONE]
    with platform.engine.connect() as conn:
        admins = conn.execute(effective_access.rows_at_least(
            PrivilegeTier.ADMIN, path_kinds=[AccessPathKind.GROUP])).mappings().all()
        person = effective_access.access_of(conn, person_email="alice@x.io")
    assert [r["account_id"] for r in admins] == ["alice"]
    assert {r["account_id"] for r in person} == {"alice"}


def test_kept_per_run_and_current_is_the_newest(platform: App) -> None:
    run(platform, world())
    items = world()
    items[4] = Batch("rbac_group_members", [])       # alice leaves the group
    items.append(StreamComplete("group_member"))
    run(platform, items)
    access = by_account(platform)
    assert all(r["path_kind"] is not AccessPathKind.GROUP for r in access["alice"])
    with platform.engine.connect() as conn:
        runs = conn.execute(sa.select(sa.func.count(sa.distinct(
            schema.effective_access.c.sync_run_id)))).scalar_one()
    assert runs == 2
    for _ in range(effective_access.KEEP_RUNS):
        run(platform, items)
    with platform.engine.connect() as conn:
        kept = conn.execute(sa.select(sa.func.count()).select_from(
            schema.effective_access_runs)).scalar_one()
    assert kept == effective_access.KEEP_RUNS
