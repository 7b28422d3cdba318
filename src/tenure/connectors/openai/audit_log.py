"""OpenAI audit logs (``GET /organization/audit_logs``, vendor-apis.md §4.9 and
vendor-apis-nhi.md §7.9): pure transform of audit-log entries to Tenure's activities.

No I/O here (``audit_log_sync`` reads the pages); unit-tested from recorded pages.

Actors: a session is its user; a key owned by a user counts as that user acting (with the key
as credential), a key owned by a service account as the service account, a bare key as the key
itself. A key that is the Admin key Tenure is configured with is Tenure acting (so Tenure's own
revocations are never counted against the key owner). Another actor shape is kept as
``unknown`` with its vendor type as the id.

Targets: identity events name who they affected: ``role.assignment.*`` the grantee
(``principal_id``, ``principal_type``) and the resource; ``user.*``, ``invite.*``,
``service_account.*``, ``api_key.*`` and ``group.*`` their subject; tenant-scoped events (no
published detail schema) whatever of those fields they carry.
"""

from __future__ import annotations

from tenure.connectors.openai.transform import JSON, _obj, _require, ts
from tenure.connectors.pages import first_text
from tenure.model import (
    Activity,
    ActivityCategory,
    ActivityTarget,
    ActorKind,
    TargetRelation,
)

TENANT_PREFIX = "tenant."
"""Tenant-scoped event types: only returned with ``tenant_only=true``, never mixed."""

_LOGIN_PREFIXES = ("login.", "logout.", "tenant.session_revocation.")
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
# Event families whose details ``id`` is the identity the change was made to.
_SUBJECT_FAMILIES = {"user": "user", "invite": "invite", "service_account": "service_account",
                     "api_key": "api_key", "group": "group", "admin_api_key": "admin_key"}


def audit_category(event_type: str) -> ActivityCategory:
    """The coarse category of an audit-log event type."""
    if event_type.startswith(_LOGIN_PREFIXES):
        return ActivityCategory.LOGIN
    if event_type.startswith(_ADMIN_PREFIXES):
        return ActivityCategory.ADMIN
    return ActivityCategory.OTHER


def actor_fields(actor: JSON, tenure_key_id: str | None = None
                 ) -> tuple[ActorKind, str | None, str | None, str | None]:
    """(actor_kind, actor_id, actor_email, credential_id) of an audit-log actor."""
    kind = actor.get("type")
    if kind == "session":
        user = _obj(_obj(actor.get("session")).get("user"))
        return ActorKind.USER, first_text(user, "id"), first_text(user, "email"), None
    if kind == "api_key":
        key = _obj(actor.get("api_key"))
        key_id = first_text(key, "id")
        if tenure_key_id is not None and key_id == tenure_key_id:
            return ActorKind.TENURE, key_id, None, key_id
        if key.get("type") == "service_account":
            sa = _obj(key.get("service_account"))
            return ActorKind.SERVICE_ACCOUNT, first_text(sa, "id"), None, key_id
        user = _obj(key.get("user"))
        if user.get("id") or user.get("email"):
            return ActorKind.USER, first_text(user, "id"), first_text(user, "email"), key_id
        return ActorKind.API_KEY, key_id, None, key_id
    return ActorKind.UNKNOWN, kind if isinstance(kind, str) and kind else None, None, None


def _role_of(details: JSON) -> str | None:
    role = first_text(details, "role", "role_id")
    if role:
        return role
    for nested in ("data", "changes_requested"):
        role = first_text(_obj(details.get(nested)), "role", "role_id")
        if role:
            return role
    return None


def _generic(details: JSON) -> list[ActivityTarget]:
    """Targets named by the common identity fields (role assignments, tenant events)."""
    out: list[ActivityTarget] = []
    principal = first_text(details, "principal_id")
    if principal:
        out.append(ActivityTarget(TargetRelation.SUBJECT,
                                  first_text(details, "principal_type") or "principal", principal,
                                  role=first_text(details, "role_id")))
    user = first_text(details, "user_id")
    email = first_text(details, "email", "user_email")
    if user or email:
        out.append(ActivityTarget(TargetRelation.SUBJECT, "user", user,
                                  email.lower() if email else None, _role_of(details)))
    members = details.get("member_ids")
    if isinstance(members, list):
        out += [ActivityTarget(TargetRelation.SUBJECT, "user", m) for m in members
                if isinstance(m, str) and m]
    resource = first_text(details, "resource_id")
    if resource:
        out.append(ActivityTarget(TargetRelation.RESOURCE,
                                  first_text(details, "resource_type") or "resource", resource))
    group = first_text(details, "group_id")
    if group and principal is None:
        out.append(ActivityTarget(TargetRelation.RESOURCE, "group", group))
    return out


def audit_targets(action: str, details: JSON) -> tuple[ActivityTarget, ...]:
    """Who (and what) an audit-log event affected; empty for events that name nobody."""
    family = action.split(".", 1)[0]
    if action.startswith(("role.assignment.", TENANT_PREFIX)):
        return tuple(_generic(details))
    target_type = _SUBJECT_FAMILIES.get(family)
    target_id = first_text(details, "id")
    if target_type is None or target_id is None:
        return ()
    data = _obj(details.get("data"))
    email = first_text(data, "email") or first_text(details, "email")
    return (ActivityTarget(TargetRelation.SUBJECT, target_type, target_id,
                           email.lower() if email else None, _role_of(details)),)


def audit_activity(obj: JSON, tenure_key_id: str | None = None) -> Activity:
    """One audit-log entry, normalized."""
    event_id = _require(obj, "id", "audit log")
    occurred = ts(obj.get("effective_at"))
    if occurred is None:
        raise ValueError(f"audit log {event_id} without effective_at")
    action = str(obj.get("type") or "unknown")
    kind, actor_id, email, credential = actor_fields(_obj(obj.get("actor")), tenure_key_id)
    details = _obj(obj.get(action))  # the details object is keyed by the event type
    target_id = first_text(details, "id")
    prefix = action.split(".", 1)[0]
    target_type = _TARGET_TYPES.get(prefix, prefix) if target_id else None
    project = _obj(obj.get("project")).get("id")
    return Activity(external_id=event_id, occurred_at=occurred, actor_kind=kind,
                    actor_id=actor_id, actor_email=email, action=action,
                    category=audit_category(action), target_type=target_type,
                    target_id=target_id, workspace_id=project if isinstance(project, str)
                    else None, credential_id=credential, targets=audit_targets(action, details))


def unknown_actor_type(obj: JSON) -> str | None:
    """The actor type of ``obj`` when Tenure does not know it (for a note on the run)."""
    kind = _obj(obj.get("actor")).get("type")
    if kind in ("session", "api_key"):
        return None
    return str(kind) if kind else "(no actor)"
