"""Contract tests: the OpenAI audit logs from recorded pages in tests/data/openai."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tenure.connectors.openai import audit_log
from tenure.model import Activity, ActivityCategory, ActorKind, TargetRelation

DATA = Path(__file__).parent.parent / "data" / "openai"


def page(name: str) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads((DATA / f"{name}.json").read_text())["data"]
    return data


def test_audit_logs_normalized_like_every_platform() -> None:
    created, login, by_sa, by_admin_key, failed, bare = (
        audit_log.audit_activity(e) for e in page("audit_logs"))
    assert created.category == "admin"
    assert (created.actor_kind, created.actor_id, created.actor_email) == (
        "user", "user-xxx", "user@example.com")
    assert (created.target_type, created.target_id) == ("api_key", "key_xxxx")
    assert created.occurred_at == datetime.fromtimestamp(1720804090, UTC)
    assert login.category == "login"
    assert login.target_id is None
    assert failed.category == "login"
    assert (by_sa.actor_kind, by_sa.actor_id, by_sa.credential_id) == (
        "service_account", "svc_acct_abc", "key_tracking_1")
    assert by_sa.workspace_id == "proj_abc"
    assert (by_admin_key.actor_kind, by_admin_key.actor_id, by_admin_key.credential_id) == (
        "user", "user_123", "key_admin1")
    assert (by_admin_key.target_type, by_admin_key.target_id) == ("user", "user-gone")
    assert (bare.actor_kind, bare.actor_id, bare.credential_id) == (
        "api_key", "key_bare", "key_bare")
    assert bare.category == "admin"


@pytest.mark.parametrize("event_type", ["login.succeeded", "logout.failed"])
def test_login_category(event_type: str) -> None:
    assert audit_log.audit_category(event_type) == "login"


@pytest.mark.parametrize("bad", [
    {"type": "login.succeeded", "effective_at": 1},  # no id
    {"id": "x", "type": "login.succeeded"},  # no time
    {"id": "x", "type": "login.succeeded", "effective_at": "2024-01-01"},  # not Unix seconds
])
def test_malformed_audit_entries_are_errors(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=r"audit log|Unix"):
        audit_log.audit_activity(bad)


def _targets(event: Activity) -> list[tuple[str, str, str | None, str | None, str | None]]:
    return [(t.relation, t.target_type, t.target_id, t.target_email, t.role)
            for t in event.targets]


def test_role_assignments_keep_grantee_and_resource() -> None:
    assign, unassign, updated, invite, sa_deleted, robot = (
        audit_log.audit_activity(e, tenure_key_id="key_tenure")
        for e in page("audit_logs_identity"))
    s, r = TargetRelation.SUBJECT, TargetRelation.RESOURCE
    assert _targets(assign) == [(s, "user", "user_abc", None, None),
                                (r, "api.project", "proj_abc", None, None)]
    assert (assign.target_type, assign.target_id) == ("role", "role_01Writers")
    assert assign.category is ActivityCategory.ADMIN
    assert _targets(unassign) == [(s, "group", "group_01Eng", None, None),
                                  (r, "api.organization", "org-test", None, None)]
    # Made with the Admin key Tenure is configured with: Tenure's, not its owner's.
    assert (unassign.actor_kind, unassign.actor_id, unassign.actor_email) == (
        ActorKind.TENURE, "key_tenure", None)
    assert _targets(updated) == [(s, "user", "user_abc", None, "owner")]
    assert _targets(invite) == [(s, "invite", "invite-xyz", "new@example.com", "reader")]
    assert (sa_deleted.actor_kind, sa_deleted.actor_id, sa_deleted.credential_id) == (
        ActorKind.USER, "user_456", "key_other_admin")
    assert _targets(sa_deleted) == [(s, "service_account", "svc_acct_abc", None, None)]
    assert (robot.actor_kind, robot.actor_id) == (ActorKind.UNKNOWN, "robot")
    assert audit_log.unknown_actor_type(page("audit_logs_identity")[-1]) == "robot"
    assert audit_log.unknown_actor_type(page("audit_logs_identity")[0]) is None


def test_tenant_events_name_their_targets() -> None:
    removed, role, members, bare = (audit_log.audit_activity(e)
                                    for e in page("audit_logs_tenant"))
    s, r = TargetRelation.SUBJECT, TargetRelation.RESOURCE
    assert _targets(removed) == [(s, "user", "user_gone", "gone@example.com", None)]
    assert removed.category is ActivityCategory.ADMIN
    assert _targets(role) == [(s, "user", "user_abc", None, "role_tenant_admin"),
                              (r, "tenant", "tenant_1", None, None)]
    assert _targets(members) == [(s, "user", "user_a", None, None),
                                 (s, "user", "user_b", None, None),
                                 (r, "group", "group_01Eng", None, None)]
    assert (members.actor_kind, members.actor_id) == (ActorKind.SERVICE_ACCOUNT,
                                                      "svc_acct_scim")
    assert bare.targets == ()  # no detail schema is published for tenant.* events
