"""Groups, members, roles, role assignments and analytics users through the real sync engine."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from tenure.config import Settings
from tenure.connectors.base import Batch, StreamComplete, SyncItem, TenantInfo
from tenure.model import (
    AnalyticsUser,
    AssignmentOrigin,
    Group,
    GroupMember,
    GroupSource,
    Permission,
    PrincipalKind,
    PrivilegeTier,
    Role,
    RoleAssignment,
    RunStatus,
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
    """An App with one scripted platform source 'claude'."""
    scripted.register()
    application = make_app(database_url, Settings(sources=(
        ScriptedConfig(name="claude", type="scripted"),)))
    yield application
    application.close()


def run(app: App, items: Sequence[SyncItem]) -> RunStatus:
    scripted.SCRIPTS["claude"] = items
    return run_source(app, "claude").status


def table_rows(app: App, table: sa.Table) -> dict[str, dict[str, object]]:
    with app.engine.connect() as conn:
        return {r["external_id"]: dict(r) for r in conn.execute(sa.select(table)).mappings()}


ADMIN = Role("rbac_role_1", "Org Admin", "Org Admin", scope_id="org-1",
             permissions=(Permission("permission_manage_members", "organization", "org-1"),))
CHAT = Role("rbac_role_2", "Chat", scope_id="org-1",
            permissions=(Permission("chat", "organization", "org-1"),))
UNREAD = Role("rbac_role_3", "Unread", scope_id="org-1", permissions=None)


def test_records_round_trip_with_tier_and_null_role_ids(platform: App) -> None:
    items: list[SyncItem] = [
        TenantInfo("org-1"),
        Batch("rbac_roles", [ADMIN, CHAT, UNREAD]),
        Batch("rbac_groups", [
            Group("rbac_group_1", "Platform-Admins", GroupSource.SCIM, role_ids=("rbac_role_1",)),
            Group("rbac_group_2", "Unknown roles", role_ids=None),
            Group("rbac_group_3", "No roles", role_ids=()),
        ]),
        Batch("rbac_group_members", [GroupMember("rbac_group_1", "user_1", "A@x.io", T0)]),
        Batch("role_assignments", [
            RoleAssignment(PrincipalKind.GROUP, "rbac_group_1", "rbac_role_1", scope_id="org-1"),
            RoleAssignment(PrincipalKind.USER, "user_2", "rbac_role_1", scope_id="org-1",
                           origin=AssignmentOrigin.FEED_DERIVED,
                           assignment_sources=({"principal_id": "x", "principal_type": "group"},)),
        ]),
        Batch("analytics_users", [AnalyticsUser("user_1", "A@x.io", date(2026, 10, 30),
                                                {"chat_metrics": {"messages": 3}})]),
        StreamComplete("group"),
    ]
    assert run(platform, items) is RunStatus.COMPLETE
    roles = table_rows(platform, schema.roles)
    assert roles["rbac_role_1"]["tier"] is PrivilegeTier.ADMIN
    assert roles["rbac_role_2"]["tier"] is PrivilegeTier.NONE
    assert roles["rbac_role_3"]["tier"] is None
    assert roles["rbac_role_3"]["permissions"] is None
    assert roles["rbac_role_1"]["permissions"] == [
        {"action": "permission_manage_members", "resource_type": "organization",
         "resource_id": "org-1"}]
    groups = table_rows(platform, schema.groups)
    assert groups["rbac_group_1"]["source_type"] is GroupSource.SCIM
    assert groups["rbac_group_1"]["role_ids"] == ["rbac_role_1"]
    assert groups["rbac_group_2"]["role_ids"] is None      # unavailable, not empty
    assert groups["rbac_group_3"]["role_ids"] == []
    members = table_rows(platform, schema.group_members)
    assert members["rbac_group_1:user_1"]["email"] == "a@x.io"
    assignments = table_rows(platform, schema.role_assignments)
    feed = assignments["user:user_2@organization:org-1:rbac_role_1"]
    assert feed["origin"] is AssignmentOrigin.FEED_DERIVED
    assert feed["assignment_sources"] == [{"principal_id": "x", "principal_type": "group"}]
    analytics = table_rows(platform, schema.analytics_users)
    assert analytics["user_1"]["last_activity_date"] == date(2026, 10, 30)
    # a complete group listing without a group retires it (and only groups)
    assert run(platform, [TenantInfo("org-1"), Batch("rbac_groups", [
        Group("rbac_group_1", "Platform-Admins", GroupSource.SCIM, role_ids=())]),
        StreamComplete("group")]) is RunStatus.COMPLETE
    groups = table_rows(platform, schema.groups)
    assert groups["rbac_group_2"]["removed_at"] is not None
    assert table_rows(platform, schema.group_members)["rbac_group_1:user_1"]["removed_at"] is None
