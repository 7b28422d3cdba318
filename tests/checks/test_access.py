"""privilege-via-group, custom-role-privileged, disabled-seat-still-granted, idp-group-drift on
both databases, from records written through the sync engine's writers."""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

import sqlalchemy as sa

from tenure.checks.base import FindingStatus
from tenure.model import (
    Gap,
    Group,
    GroupMember,
    GroupSource,
    Permission,
    PrincipalKind,
    Role,
    RoleAssignment,
)
from tenure.services.context import App
from tenure.store import schema
from tests.checks.builder import Store, ago, failing, key, manual, person, run, user

ADMIN = Role("role_admin", "Org Admin", permissions=(
    Permission("api.organization.users.write"),))
CUSTOM_ADMIN = Role("role_keys", "Key Custodian", permissions=(
    Permission("api.organization.admin_api_keys.write"),))
HARMLESS = Role("role_tester", "Model Tester", permissions=(Permission("api.model.request"),))
PREDEFINED = Role("role_owner", "Owner", predefined=True, permissions=(
    Permission("api.organization.users.write"),))


def _org(app: App, *, extra: tuple[Any, ...] = (), accounts: tuple[Any, ...] = (),
         credentials: tuple[Any, ...] = (), gaps: tuple[Gap, ...] = ()) -> None:
    s = Store(app)
    s.hr([person("ada@acme.test"), person("bob@acme.test"), person("cy@acme.test")])
    s.platform(source="openai", accounts=(
        user("u_ada", "ada@acme.test"), user("u_bob", "bob@acme.test"),
        user("u_cy", "cy@acme.test"), *accounts), credentials=credentials, gaps=gaps,
        access=(ADMIN, CUSTOM_ADMIN, HARMLESS, PREDEFINED,
                Group("g_admins", "Platform-Admins"),
                Group("g_research", "Research-Team", source_type=GroupSource.SCIM),
                GroupMember("g_admins", "u_ada", "ada@acme.test"),
                GroupMember("g_research", "u_bob", "bob@acme.test"),
                GroupMember("g_research", "u_cy", "cy@acme.test"),
                RoleAssignment(PrincipalKind.GROUP, "g_admins", "role_admin"),
                RoleAssignment(PrincipalKind.GROUP, "g_research", "role_tester"),
                RoleAssignment(PrincipalKind.USER, "u_bob", "role_keys"),
                RoleAssignment(PrincipalKind.USER, "u_cy", "role_owner"), *extra))


def _result(app: App, check_id: str) -> dict[str, Any]:
    summary = run(app)
    outcome = next(o for o in summary.outcomes if o.check.id == check_id)
    return {r.hit.subject_id: r for r in outcome.results}


def test_privilege_via_group_names_the_path(app: App) -> None:
    _org(app)
    results = _result(app, "privilege-via-group")
    assert set(results) == {"u_ada"}  # bob's admin role is his own, cy's is predefined+own
    evidence = results["u_ada"].hit.evidence
    assert evidence["groups"] == ["Platform-Admins"]
    assert evidence["roles"] == ["Org Admin"]
    assert evidence["path"] == "admin via group Platform-Admins → role Org Admin"


def test_custom_role_privileged_lists_holders_not_predefined_roles(app: App) -> None:
    _org(app)
    results = _result(app, "custom-role-privileged")
    assert set(results) == {"role_admin", "role_keys"}
    assert results["role_keys"].hit.evidence["holders"] == ["bob@acme.test"]
    assert results["role_keys"].hit.evidence["granting_permissions"] == [
        "api.organization.admin_api_keys.write"]
    assert results["role_admin"].hit.evidence["holders"] == ["ada@acme.test"]


def test_disabled_seat_still_granted_counts_roles_groups_and_keys(app: App) -> None:
    banned = replace(user("u_dan", "dan@acme.test"), status="disabled")
    bare = replace(user("u_eve", "eve@acme.test"), status="disabled")
    _org(app, accounts=(banned, bare),
         credentials=(key("k_dan", owner="u_dan", last_used=ago(2)),),
         extra=(GroupMember("g_research", "u_dan", "dan@acme.test"),))
    assert failing(run(app), "disabled-seat-still-granted") == {"u_dan"}
    evidence = _result(app, "disabled-seat-still-granted")["u_dan"].hit.evidence
    assert (evidence["group_memberships"], evidence["active_keys"]) == (1, 1)


def test_missing_group_data_is_manual(app: App) -> None:
    _org(app, gaps=(Gap("group_member", "insufficient_permissions (HTTP 403)"),))
    assert "openai" in manual(run(app), "privilege-via-group")
    assert "openai" in manual(run(app), "disabled-seat-still-granted")


def _push(app: App, name: str, members: list[str], external_id: str | None = None) -> None:
    """The rows Tenure's SCIM receiver keeps for a pushed group (store/schema.py)."""
    now = ago(1)
    with app.engine.begin() as conn:
        group_id = uuid.uuid4().hex
        conn.execute(schema.scim_groups.insert().values(
            id=group_id, source="okta", external_id=external_id, display_name=name,
            display_name_key=name.lower(), resource={}, version=1, created_at=now,
            updated_at=now))
        for email in members:
            user_id = uuid.uuid4().hex
            conn.execute(schema.scim_users.insert().values(
                id=user_id, source="okta", user_name=email, user_name_key=email, email=email,
                active=True, resource={}, version=1, created_at=now, updated_at=now))
            conn.execute(schema.scim_group_members.insert().values(
                group_id=group_id, user_id=user_id, added_at=now))


def test_idp_group_drift_both_ways_and_manual_without_the_idp_copy(app: App) -> None:
    _org(app)
    unmatched = _result(app, "idp-group-drift")
    assert unmatched["g_research"].status is FindingStatus.MANUAL  # no IdP copy: unjudged
    _push(app, "research-team", ["cy@acme.test", "fay@acme.test"])
    results = _result(app, "idp-group-drift")
    assert set(results) == {"g_research"}  # a direct group is never judged
    evidence = results["g_research"].hit.evidence
    assert evidence["on_platform_not_in_idp"] == ["bob@acme.test"]
    assert evidence["in_idp_not_on_platform"] == ["fay@acme.test"]
    assert evidence["idp_source"] == "okta"


def test_idp_group_in_step_passes(app: App) -> None:
    _org(app)
    _push(app, "Renamed in the IdP", ["bob@acme.test", "cy@acme.test"],
          external_id="g_research")  # matched by externalId when the names differ
    assert _result(app, "idp-group-drift") == {}
    with app.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(
            schema.scim_groups)).scalar() == 1
