"""OpenAI audit logs (``GET /organization/audit_logs``, vendor-apis.md §4.9 and
vendor-apis-nhi.md §7.9): pure transform of audit-log entries to Tenure's activities.

No I/O here (``audit_log_sync`` reads the pages); unit-tested from recorded pages.
"""

from __future__ import annotations

from tenure.connectors.openai.transform import JSON, _obj, _require, ts
from tenure.model import Activity

_LOGIN_PREFIXES = ("login.", "logout.")
_ADMIN_PREFIXES = (
    "api_key.", "admin_api_key.", "invite.", "user.", "project.", "service_account.", "role.",
    "group.", "organization.", "rate_limit.", "scim.", "ip_allowlist.", "certificate",
    "checkpoint.permission.", "external_key.", "workload_identity_provider", "resource.",
    "tunnel.", "tenant.",
)
_TARGET_TYPES = {
    "api_key": "api_key", "admin_api_key": "admin_key", "invite": "invite", "user": "user",
    "project": "project", "service_account": "service_account", "role": "role",
    "group": "group", "organization": "organization",
}


def audit_category(event_type: str) -> str:
    """The coarse category of an audit-log event type (see ``Activity``)."""
    if event_type.startswith(_LOGIN_PREFIXES):
        return "login"
    if event_type.startswith(_ADMIN_PREFIXES):
        return "admin"
    return "other"


def actor_fields(actor: JSON) -> tuple[str, str | None, str | None, str | None]:
    """(actor_kind, actor_id, actor_email, credential_id) of an audit-log actor.

    A key owned by a user counts as that user acting (with the key as credential), a key owned
    by a service account as the service account; a bare key as the key itself.
    """
    kind = actor.get("type")
    if kind == "session":
        user = _obj(_obj(actor.get("session")).get("user"))
        return "user", user.get("id") or None, user.get("email") or None, None
    if kind == "api_key":
        key = _obj(actor.get("api_key"))
        key_id = key.get("id") or None
        if key.get("type") == "service_account":
            sa = _obj(key.get("service_account"))
            return "service_account", sa.get("id") or None, None, key_id
        user = _obj(key.get("user"))
        if user.get("id") or user.get("email"):
            return "user", user.get("id") or None, user.get("email") or None, key_id
        return "api_key", key_id, None, key_id
    return "system", None, None, None


def audit_activity(obj: JSON) -> Activity:
    """One audit-log entry, normalized."""
    event_id = _require(obj, "id", "audit log")
    occurred = ts(obj.get("effective_at"))
    if occurred is None:
        raise ValueError(f"audit log {event_id} without effective_at")
    action = str(obj.get("type") or "unknown")
    kind, actor_id, email, credential = actor_fields(_obj(obj.get("actor")))
    details = _obj(obj.get(action))
    target_id = details.get("id") if isinstance(details.get("id"), str) else None
    prefix = action.split(".", 1)[0]
    target_type = _TARGET_TYPES.get(prefix, prefix) if target_id else None
    project = _obj(obj.get("project")).get("id")
    return Activity(external_id=event_id, occurred_at=occurred, actor_kind=kind,
                    actor_id=actor_id, actor_email=email, action=action,
                    category=audit_category(action), target_type=target_type,
                    target_id=target_id, workspace_id=project if isinstance(project, str)
                    else None, credential_id=credential)
