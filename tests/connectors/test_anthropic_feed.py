"""Contract tests: the Compliance activity feed from recorded pages in tests/data/anthropic."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tenure.connectors.anthropic import feed

DATA = Path(__file__).parent.parent / "data" / "anthropic"


def page(name: str) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads((DATA / f"{name}.json").read_text())["data"]
    return data


def test_compliance_activities_normalized() -> None:
    acts = {a.external_id: a for a in (feed.compliance_activity(o) for o in page("activities"))}
    key = acts["activity_09KeyArchived00000000"]
    assert (key.actor_kind, key.actor_id, key.actor_email) == (
        "user", "user_01WCz1FkmYMm4gnmykNKUu3Q", "jane.doe@acme.test")
    assert (key.category, key.target_type, key.target_id) == (
        "admin", "api_key", "apikey_04Legacy0000000000000")
    scim = acts["activity_08ScimDelete000000000"]
    assert (scim.actor_kind, scim.actor_id, scim.category) == ("scim", "directory_01Okta",
                                                               "admin")
    assert (scim.target_type, scim.target_id) == ("user", "user_09Gone000000000000000")
    fed = acts["activity_07Federated0000000000"]
    assert fed.actor_kind == "federated"
    assert fed.category == "content"
    assert fed.actor_id == ("https://token.actions.githubusercontent.com|"
                            "repo:acme/app:ref:refs/heads/main")
    api = acts["activity_06ApiKeyActor00000000"]
    assert (api.actor_kind, api.credential_id) == ("api_key", "apikey_01Rj2N8SVvo6BePZj99NhmiT")
    assert api.workspace_id == "wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ"
    assert api.category == "admin"
    fail = acts["activity_05LoginFail0000000000"]  # the vendor sent "Mallory@evil.test"
    assert (fail.actor_kind, fail.actor_email, fail.category) == (
        "unauthenticated", "mallory@evil.test", "login")  # emails are matched lower-cased
    assert acts["activity_04Login00000000000000"].category == "login"
    chat = acts["activity_01XyDMpzjS89pFZXqSFUBDr6"]
    assert (chat.category, chat.target_type) == ("content", "chat")
    meta = acts["activity_00Meta00000000000000"]
    assert (meta.actor_kind, meta.category) == ("system", "other")


@pytest.mark.parametrize(("activity_type", "category"), [
    ("org_user_deleted", "admin"), ("org_user_invite_sent", "admin"),
    ("claude_user_role_updated", "admin"), ("api_key_created", "admin"),
    ("admin_api_key_deleted", "admin"), ("platform_workspace_archived", "admin"),
    ("org_sso_settings_updated", "admin"), ("workspace_spend_limit_updated", "admin"),
    ("magic_link_login_succeeded", "login"), ("user_logged_out", "login"),
    ("session_revoked", "login"), ("claude_file_uploaded", "content"),
    ("compliance_api_accessed", "other"), ("platform_usage_report_messages_viewed", "other"),
])
def test_activity_categories(activity_type: str, category: str) -> None:
    assert feed.activity_category(activity_type) == category


def test_feed_row_without_time_is_an_error() -> None:
    with pytest.raises(ValueError, match="created_at"):
        feed.compliance_activity({"id": "activity_1", "type": "x"})
