"""Custom-role assignments known only from the feed: the newest assigned/unassigned event per
(account, role) decides; unassigned or vanished assignments are retired; API rows untouched."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from tenure.config import Settings
from tenure.connectors.base import Batch, SyncItem, TenantInfo
from tenure.model import (
    Activity,
    ActivityCategory,
    ActivityTarget,
    ActorKind,
    AssignmentOrigin,
    PrincipalKind,
    RoleAssignment,
    TargetRelation,
)
from tenure.services import feed_roles
from tenure.services.context import App
from tenure.services.sync import run_source
from tenure.store import schema

from .. import scripted
from ..conftest import FIXED_NOW, make_app
from ..scripted import ScriptedConfig

T0 = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.fixture
def platform(database_url: str) -> Iterator[App]:
    scripted.register()
    application = make_app(database_url, Settings(sources=(
        ScriptedConfig(name="claude", type="scripted"),)))
    yield application
    application.close()


def event(eid: str, action: str, who: str, role: str, days: int,
          kind: str = "account") -> Activity:
    return Activity(eid, T0 + timedelta(days=days), ActorKind.USER, "user_admin", None, action,
                    ActivityCategory.ADMIN, targets=(ActivityTarget(
                        TargetRelation.SUBJECT, kind, who, role=role),))


def assignments(app: App) -> dict[str, dict[str, object]]:
    ra = schema.role_assignments
    with app.engine.connect() as conn:
        return {r["external_id"]: dict(r) for r in conn.execute(
            sa.select(ra).where(ra.c.removed_at.is_(None))).mappings()}


def derive(app: App, run_id: str) -> int:
    with app.engine.begin() as conn:
        return feed_roles.derive(conn, source="claude", tenant="org-1", run_id=run_id,
                                 now=FIXED_NOW)


def test_newest_event_decides_and_retires(platform: App) -> None:
    api = RoleAssignment(PrincipalKind.GROUP, "rbac_group_1", "rbac_role_x", scope_id="org-1")
    items: list[SyncItem] = [TenantInfo("org-1"), Batch("groups", [api]), Batch("feed", [
        event("a1", "rbac_role_assigned", "user_a", "rbac_role_keys", 1),
        event("b1", "rbac_role_assigned", "user_b", "rbac_role_keys", 1),
        event("b2", "rbac_role_unassigned", "user_b", "rbac_role_keys", 3),
        event("c1", "rbac_role_unassigned", "user_c", "rbac_role_keys", 1),
        event("c2", "rbac_role_assigned", "user_c", "rbac_role_keys", 4),
        event("g1", "rbac_role_assigned", "rbac_group_9", "rbac_role_keys", 1, kind="group"),
        event("s1", "rbac_role_assigned", "svac_01x", "rbac_role_keys", 2)])]
    scripted.SCRIPTS["claude"] = items
    run_source(platform, "claude")
    assert derive(platform, "run-1") == 3
    found = assignments(platform)
    derived = {k: v for k, v in found.items() if v["origin"] is AssignmentOrigin.FEED_DERIVED}
    assert sorted(derived) == [
        "service_account:svac_01x@organization:org-1:rbac_role_keys",
        "user:user_a@organization:org-1:rbac_role_keys",
        "user:user_c@organization:org-1:rbac_role_keys"]
    assert derived["user:user_c@organization:org-1:rbac_role_keys"]["assigned_at"] == (
        T0 + timedelta(days=4))
    assert api.external_id in found                          # API rows are not touched
    # user_a is unassigned later: the next derivation retires the row, keeps the others.
    scripted.SCRIPTS["claude"] = [TenantInfo("org-1"), Batch("feed", [
        event("a2", "rbac_role_unassigned", "user_a", "rbac_role_keys", 5)])]
    run_source(platform, "claude")
    assert derive(platform, "run-2") == 2
    found = assignments(platform)
    assert "user:user_a@organization:org-1:rbac_role_keys" not in found
    assert "user:user_c@organization:org-1:rbac_role_keys" in found
    assert api.external_id in found
