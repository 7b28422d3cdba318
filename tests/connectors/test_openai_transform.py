"""Pure transforms from recorded OpenAI pages (tests/data/openai) to model records."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from tenure.connectors.openai import keys as k
from tenure.connectors.openai import transform as t
from tenure.model import AccountKind, CredentialKind, OwnerKind

DATA = Path(__file__).parent.parent / "data" / "openai"
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
ORG = "org-test"


def doc(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((DATA / f"{name}.json").read_text())
    return loaded


def page(name: str) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = doc(name)["data"]
    return data


def test_users_become_accounts_org_grants_and_last_key_use() -> None:
    (owner, owner_grant, none), (ada, ada_grant, used) = (
        t.user_records(u, ORG) for u in page("users"))
    assert owner.external_id == "user_abc"
    assert owner.kind is AccountKind.USER
    assert owner.role == "owner"
    assert owner.created_at == datetime.fromtimestamp(1711471533, UTC)
    assert owner_grant.entitlement.external_id == f"organization:{ORG}:owner"
    assert owner_grant.entitlement.privileged
    assert none is None
    assert ada.email == "Ada@Example.com"  # the writer lower-cases
    assert not ada_grant.entitlement.privileged
    assert ada.attributes["is_scim_managed"] is True
    assert used is not None
    assert used.category == "usage"
    assert used.actor_id == "user-7Hq2"
    assert used.occurred_at == datetime.fromtimestamp(1732000000, UTC)
    # The same last use always makes the same event (dedup across runs).
    assert t.user_records(page("users")[1], ORG)[2] == used


def test_invites_keep_pending_and_expired_only() -> None:
    invites = [t.invite(i, NOW) for i in page("invites")]
    assert invites[0] is None  # accepted: history, not access
    pending, stale = invites[1], invites[2]
    assert pending is not None
    assert pending.status == "pending"
    assert pending.invited_at == datetime.fromtimestamp(1795000000, UTC)
    assert stale is not None
    assert stale.status == "expired"


def test_projects_are_workspaces_archived_included() -> None:
    active, archived = (t.project(p) for p in page("projects"))
    assert (active.external_id, active.status) == ("proj_abc", "active")
    assert archived.status == "archived"
    assert archived.archived_at == datetime.fromtimestamp(1730000000, UTC)
    dateless = t.project({"id": "proj_x", "status": "archived", "created_at": 1700000000})
    assert dateless.status == "archived"


def test_project_users_are_workspace_grants_owner_privileged() -> None:
    owner, member = (t.project_user_grant(u, "proj_abc") for u in page("project_users"))
    assert owner.external_id == "user_abc@workspace:proj_abc:owner"
    assert owner.entitlement.privileged
    assert not member.entitlement.privileged
    assert member.granted_at == datetime.fromtimestamp(1711471600, UTC)


def test_service_accounts_are_non_human_accounts_with_project_grants() -> None:
    (bot, grant), (reader, no_grant) = (t.service_account_records(s, "proj_abc")
                                        for s in page("service_accounts"))
    assert bot.kind is AccountKind.SERVICE_ACCOUNT
    assert bot.email is None
    assert bot.role == t.SERVICE_ACCOUNT_ROLE  # no org role: never an "owner" seat
    assert bot.attributes == {"project_id": "proj_abc", "project_role": "owner"}
    assert grant is not None
    assert grant.entitlement.privileged
    assert reader.kind is AccountKind.SERVICE_ACCOUNT
    assert no_grant is None


def test_project_keys_carry_owner_last_use_and_owner_access() -> None:
    user_key, sa_key, orphan = (k.project_api_key(o, "proj_abc") for o in page("api_keys"))
    assert user_key.kind is CredentialKind.API_KEY
    assert (user_key.owner_type, user_key.owner_id) == ("user", "user_abc")
    assert user_key.workspace_id == "proj_abc"
    assert user_key.last_used_at == datetime.fromtimestamp(1711471534, UTC)
    assert user_key.owner_access == "active"
    assert user_key.partial_hint == "sk-abc...def"
    assert (sa_key.owner_type, sa_key.owner_id) == ("service_account", "svc_acct_abc")
    assert sa_key.last_used_at is None
    assert orphan.owner_access == "inactive"
    assert all(k.status == "active" and k.expires_at is None
               for k in (user_key, sa_key, orphan))


def test_admin_keys() -> None:
    (key,) = (k.admin_api_key(o) for o in page("admin_api_keys"))
    assert key.kind is CredentialKind.ADMIN_KEY
    assert key.scope == "organization"
    assert (key.owner_type, key.owner_id) == ("user", "user_123")
    assert key.last_used_at == datetime.fromtimestamp(1711471534, UTC)
    assert key.owner_access is None


def test_usage_buckets_sum_per_key_and_skip_keyless() -> None:
    first, empty = (t.usage_bucket(b) for b in page("usage_completions"))
    (usage,) = first
    assert (usage.subject_type, usage.subject_id) == ("api_key", "key_abc")
    assert usage.day == date(2024, 11, 1)
    assert (usage.requests, usage.input_tokens, usage.output_tokens) == (6, 1020, 510)
    assert empty == []
    assert doc("usage_completions")["next_page"] == "page_AAAAAGV4"


def test_user_flags_classify_seats() -> None:
    """``is_service_account`` → non-human; ``user.enabled: false`` / ``banned`` → disabled;
    ``is_scim_managed`` kept; optional fields absent and unknown ones present both read."""
    accounts = {a.external_id: a for a, _, _ in (t.user_records(u, ORG)
                                                 for u in page("users_flags"))}
    robot, off, banned, minimal = (accounts[i] for i in ("user-svc1", "user-off1", "user-ban1",
                                                         "user-min1"))
    assert robot.kind is AccountKind.SERVICE_ACCOUNT
    assert robot.status == "active"
    assert off.kind is AccountKind.USER
    assert off.status == "disabled"
    assert off.attributes["is_scim_managed"] is True
    assert banned.status == "disabled"
    assert banned.email == "Banned@Example.com"  # from the nested user when top-level is absent
    assert banned.name == "Banned Person"
    assert banned.attributes["user_banned"] is True
    assert minimal.status == "active"
    assert minimal.kind is AccountKind.USER
    assert minimal.email is None


def test_admin_key_owners_are_flat_and_project_keys_in_the_listing_are_dropped() -> None:
    listed = [k.admin_api_key(o) for o in page("admin_api_keys_overlap")]
    owners = {c.external_id: (c.owner_type, c.owner_id) for c in listed}
    assert owners["key_admin1"] == (OwnerKind.USER, "user_123")
    assert owners["key_sa_admin"] == (OwnerKind.SERVICE_ACCOUNT, "sa_456")  # keyed on owner.id
    assert owners["key_sa_typed"] == (OwnerKind.SERVICE_ACCOUNT, "svc_acct_789")
    seen = k.AdminKeyFilter()
    seen.saw_project_keys(k.project_api_key(o, "proj_abc") for o in page("api_keys"))
    kept = {c.external_id for c in seen.admin_keys(listed)}
    assert kept == {"key_admin1", "key_sa_admin", "key_sa_typed"}
    note = seen.note()
    assert note is not None
    assert (note["already_project_keys"], note["project_secret_shape"]) == (1, 1)
    assert note["ids"] == ["key_abc", "key_unseen_proj"]
