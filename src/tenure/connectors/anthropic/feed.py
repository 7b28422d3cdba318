"""The Compliance activity feed (``/v1/compliance/activities``, vendor-apis.md §3.2 and
vendor-apis-nhi.md §6): pure transform of feed rows to Tenure's stored activity form.

No I/O here (``feed_sync`` reads the pages); each function is unit-tested from recorded pages.

Actors: the feed's nine actor types each map to an :class:`~tenure.model.ActorKind` with the id
that type carries (user id, API key id, Admin key id, service account id, ``issuer|subject``,
directory id, the vendor-staff marker, the system service name). An Admin key that is the one
Tenure itself is configured with makes the actor ``tenure``. An actor type Tenure does not know
is kept as ``unknown`` with its vendor type as the id (``feed_sync`` notes it on the run).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

from tenure.clock import utc_text
from tenure.connectors.anthropic import feed_targets
from tenure.connectors.anthropic.transform import JSON, _require
from tenure.model import (
    Activity,
    ActivityCategory,
    ActivityRow,
    ActorKind,
    TargetRelation,
    activity_from_row,
)

VENDOR_STAFF_ID = "anthropic"
"""``actor_id`` of Anthropic staff (``anthropic_actor`` carries no id, its email is null)."""
SYSTEM_ID = "anthropic-system"
"""``actor_id`` of a ``system_actor`` that names no ``service``."""

KNOWN_ACTOR_TYPES = frozenset({
    "user_actor", "api_actor", "admin_api_key_actor", "service_account_actor",
    "federated_identity_actor", "scim_directory_sync_actor", "unauthenticated_user_actor",
    "anthropic_actor", "system_actor",
})

_LOGIN_MARKERS = ("_login_", "login_attempted", "user_logged_out", "session_revoked",
                  "platform_federated_authentication")
_ADMIN_PREFIXES = (
    # keys and secrets
    "api_key_", "scoped_api_key_", "admin_api_key_", "platform_api_key_", "service_key_",
    "tunnel_token_",
    # membership, roles and identities
    "org_user_", "claude_user_role_", "role_assignment_", "rbac_role_", "group_", "scim_user_",
    "primary_owner_", "platform_workspace_", "platform_service_account_",
    "platform_federation_", "ccr_agent_", "org_capability_grant_", "org_invite_link_",
    # settings
    "claude_organization_settings_", "org_sso_", "org_directory_sync_", "org_domain_",
    "org_ip_restriction_", "org_compliance_api_settings_", "mcp_server_", "marketplace_",
)
_CONTENT_PREFIXES = ("claude_chat_", "claude_project_", "claude_file_", "claude_artifact_",
                     "claude_skill_", "platform_file_")
_VENDOR_ACCESS_PREFIXES = ("anthropic_access",)

# Generic primary target of types without a specific reader, most specific first.
_TARGETS = (
    ("api_key_id", "api_key"), ("admin_api_key_id", "admin_key"),
    ("service_account_id", "service_account"), ("invite_id", "invite"),
    ("target_user_id", "user"), ("user_id", "user"), ("workspace_id", "workspace"),
    ("claude_file_id", "file"), ("claude_chat_id", "chat"), ("claude_project_id", "project"),
    ("rbac_role_id", "role"), ("role_id", "role"), ("group_id", "group"),
)

_K_USER = ActorKind.USER.value
_K_API_KEY = ActorKind.API_KEY.value
_K_SA = ActorKind.SERVICE_ACCOUNT.value
_K_ADMIN_KEY = ActorKind.ADMIN_KEY.value
_K_TENURE = ActorKind.TENURE.value
_K_STAFF = ActorKind.VENDOR_STAFF.value
_VENDOR_ACCESS = ActivityCategory.VENDOR_ACCESS.value
_SUBJECT = TargetRelation.SUBJECT.value


@lru_cache(maxsize=4096)
def activity_category(activity_type: str) -> str:
    """The coarse category (:class:`~tenure.model.ActivityCategory`) of an activity type.

    Cached: a feed has a few hundred distinct types and millions of events."""
    if activity_type.startswith(_VENDOR_ACCESS_PREFIXES):
        return _VENDOR_ACCESS
    if any(m in activity_type for m in _LOGIN_MARKERS) or activity_type.endswith("_login"):
        return ActivityCategory.LOGIN.value
    if activity_type.startswith(_ADMIN_PREFIXES) or "_spend_limit_" in activity_type:
        return ActivityCategory.ADMIN.value
    if activity_type.startswith(_CONTENT_PREFIXES):
        return ActivityCategory.CONTENT.value
    return ActivityCategory.OTHER.value


def _id(actor: JSON, name: str) -> str | None:
    value = actor.get(name)
    return value if isinstance(value, str) and value else None


def actor_fields(actor: JSON, tenure_key_id: str | None = None
                 ) -> tuple[str, str | None, str | None, str | None]:
    """(actor_kind, actor_id, actor_email, credential_id) of a Compliance actor.

    ``tenure_key_id`` is the id of the Admin key Tenure itself uses, when configured: changes
    made through it are Tenure's own (``actor_kind`` ``tenure``)."""
    kind = actor.get("type")
    if kind == "user_actor":  # the bulk of the feed: plain lookups (the import hot path)
        return _K_USER, actor.get("user_id") or None, actor.get("email_address") or None, None
    if kind == "api_actor":
        key_id = actor.get("api_key_id") or None
        return _K_API_KEY, key_id, None, key_id
    if kind == "admin_api_key_actor":
        key_id = _id(actor, "admin_api_key_id")
        own = tenure_key_id is not None and key_id == tenure_key_id
        return _K_TENURE if own else _K_ADMIN_KEY, key_id, None, key_id
    if kind == "service_account_actor":
        return _K_SA, _id(actor, "service_account_id"), None, None
    if kind == "federated_identity_actor":
        issuer, subject = _id(actor, "issuer"), _id(actor, "subject")
        return (ActorKind.FEDERATED.value, f"{issuer}|{subject}" if issuer or subject
                else None, None, None)
    if kind == "scim_directory_sync_actor":
        return ActorKind.SCIM.value, _id(actor, "directory_id"), None, None
    if kind == "unauthenticated_user_actor":
        return (ActorKind.UNAUTHENTICATED.value, None,
                _id(actor, "unauthenticated_email_address"), None)
    if kind == "anthropic_actor":
        return _K_STAFF, VENDOR_STAFF_ID, _id(actor, "email_address"), None
    if kind == "system_actor":
        return ActorKind.SYSTEM.value, _id(actor, "service") or SYSTEM_ID, None, None
    # Unknown (or missing) actor shape: kept, never guessed; the type is the only name it has.
    return (ActorKind.UNKNOWN.value, str(kind) if isinstance(kind, str) and kind else None,
            None, None)


def compliance_row(obj: JSON, tenure_key_id: str | None = None) -> ActivityRow:
    """One Compliance feed activity, normalized, in its stored form (the import hot path)."""
    event_id = _require(obj, "id", "activity")
    created = obj.get("created_at")
    if created is None or created == "":
        raise ValueError(f"activity {event_id} without created_at")
    occurred = utc_text(str(created))
    action = str(obj.get("type") or "unknown")
    raw_actor = obj.get("actor")
    actor: JSON = raw_actor if isinstance(raw_actor, Mapping) else {}
    kind, actor_id, email, credential = actor_fields(actor, tenure_key_id)
    category = _VENDOR_ACCESS if kind == _K_STAFF else activity_category(action)
    found = feed_targets.targets(action, obj, actor_id if kind == _K_USER else None)
    target_type: str | None = None
    target_id: str | None = None
    if found:
        target_type, target_id = found[0][1], found[0][2]
    else:
        for field_name, label in _TARGETS:
            value = obj.get(field_name)
            if value and isinstance(value, str):
                target_type, target_id = label, value
                break
    if category == _VENDOR_ACCESS and not found:
        # Staff access is always listed with what it touched (or the organization), so the
        # subject's page and the org-wide staff-access view find it through its targets.
        org = obj.get("organization_id")
        found = ((_SUBJECT, target_type or "resource", target_id, None, None),) if target_id else (
            ((_SUBJECT, "organization", org, None, None),) if isinstance(org, str) and org
            else ())
    ws = obj.get("workspace_id")
    return (event_id, occurred, kind, actor_id, email.lower() if email else None, action,
            category, target_type, target_id, ws if isinstance(ws, str) else None, credential,
            found or None)


def compliance_activity(obj: JSON, tenure_key_id: str | None = None) -> Activity:
    """One Compliance feed activity, normalized."""
    return activity_from_row(compliance_row(obj, tenure_key_id))


def unknown_actor_type(obj: JSON) -> str | None:
    """The actor type of ``obj`` when Tenure does not know it (for a note on the run)."""
    actor = obj.get("actor")
    kind = actor.get("type") if isinstance(actor, Mapping) else None
    if kind in KNOWN_ACTOR_TYPES:
        return None
    return str(kind) if kind else "(no actor)"
