"""Contract tests: the OpenAI audit logs from recorded pages in tests/data/openai."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tenure.connectors.openai import audit_log

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
