"""The Compliance activity feed (``/v1/compliance/activities``, vendor-apis.md §3.2 and
vendor-apis-nhi.md §6): pure transform of feed rows to Tenure's stored activity form.

No I/O here (``feed_sync`` reads the pages); each function is unit-tested from recorded pages.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

from tenure.clock import utc_text
from tenure.connectors.anthropic.transform import JSON, _require
from tenure.model import Activity, ActivityRow, activity_from_row

_ACTOR_KINDS = {
    "user_actor": "user",
    "api_actor": "api_key",
    "scim_directory_sync_actor": "scim",
    "unauthenticated_user_actor": "unauthenticated",
    "federated_identity_actor": "federated",
}

_LOGIN_MARKERS = ("_login_", "login_attempted", "user_logged_out", "session_revoked")
_ADMIN_PREFIXES = (
    # keys
    "api_key_", "scoped_api_key_", "admin_api_key_", "platform_api_key_",
    # membership and roles
    "org_user_", "claude_user_role_", "role_assignment_", "rbac_role_", "group_", "scim_user_",
    "primary_owner_", "platform_workspace_", "platform_service_account_",
    # settings
    "claude_organization_settings_", "org_sso_", "org_directory_sync_", "org_domain_",
    "org_ip_restriction_", "org_compliance_api_settings_", "mcp_server_", "marketplace_",
)
_CONTENT_PREFIXES = ("claude_chat_", "claude_project_", "claude_file_", "claude_artifact_",
                     "claude_skill_", "platform_file_")

# Per-type target fields, most specific first (vendor-apis.md §3.2).
_TARGETS = (
    ("api_key_id", "api_key"), ("admin_api_key_id", "admin_key"),
    ("service_account_id", "service_account"), ("invite_id", "invite"),
    ("target_user_id", "user"), ("user_id", "user"), ("workspace_id", "workspace"),
    ("claude_file_id", "file"), ("claude_chat_id", "chat"), ("claude_project_id", "project"),
    ("rbac_role_id", "role"), ("group_id", "group"),
)


@lru_cache(maxsize=4096)
def activity_category(activity_type: str) -> str:
    """The coarse category of a Compliance activity type (see ``Activity``).

    Cached: a feed has a few hundred distinct types and millions of events."""
    if any(m in activity_type for m in _LOGIN_MARKERS) or activity_type.endswith("_login"):
        return "login"
    if activity_type.startswith(_ADMIN_PREFIXES) or "_spend_limit_" in activity_type:
        return "admin"
    if activity_type.startswith(_CONTENT_PREFIXES):
        return "content"
    return "other"


def actor_fields(actor: JSON) -> tuple[str, str | None, str | None, str | None]:
    """(actor_kind, actor_id, actor_email, credential_id) of a Compliance actor."""
    kind = _ACTOR_KINDS.get(str(actor.get("type") or ""), "system")
    if kind == "user":
        return kind, actor.get("user_id") or None, actor.get("email_address") or None, None
    if kind == "api_key":
        key_id = actor.get("api_key_id") or None
        return kind, key_id, None, key_id
    if kind == "scim":
        return kind, actor.get("directory_id") or None, None, None
    if kind == "unauthenticated":
        return kind, None, actor.get("unauthenticated_email_address") or None, None
    if kind == "federated":
        issuer, subject = actor.get("issuer"), actor.get("subject")
        return kind, f"{issuer}|{subject}" if issuer or subject else None, None, None
    return kind, actor.get("id") or actor.get("user_id") or None, None, None


def compliance_row(obj: JSON) -> ActivityRow:
    """One Compliance feed activity, normalized, in its stored form (the import hot path)."""
    event_id = _require(obj, "id", "activity")
    created = obj.get("created_at")
    if created is None or created == "":
        raise ValueError(f"activity {event_id} without created_at")
    occurred = utc_text(str(created))
    action = str(obj.get("type") or "unknown")
    raw_actor = obj.get("actor")
    actor: JSON = raw_actor if isinstance(raw_actor, Mapping) else {}
    kind, actor_id, email, credential = actor_fields(actor)
    target_type: str | None = None
    target_id: str | None = None
    for field_name, label in _TARGETS:
        value = obj.get(field_name)
        if value and isinstance(value, str):
            target_type, target_id = label, value
            break
    ws = obj.get("workspace_id")
    return (event_id, occurred, kind, actor_id, email.lower() if email else None, action,
            activity_category(action), target_type, target_id,
            ws if isinstance(ws, str) else None, credential)


def compliance_activity(obj: JSON) -> Activity:
    """One Compliance feed activity, normalized."""
    return activity_from_row(compliance_row(obj))
