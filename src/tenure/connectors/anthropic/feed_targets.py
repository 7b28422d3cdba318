"""Who an identity event of the Compliance feed affected (vendor-apis-nhi.md §6.2).

Each identity/admin activity type names its targets in its own fields: ``org_user_deleted``
the removed user (``deleted_user_id``, ``deleted_user_email``), ``role_assignment_*`` the
grantee and the resource, ``rbac_role_*`` the principal, ``group_member_*`` every member
(``member_ids``: one target per member), ``primary_owner_transferred`` both owners,
``org_user_invite_sent`` the invited email and role. These become stored targets, so "who
removed or granted what, to whom" is one query. Pure functions, unit-tested from recorded pages.

Where vendor sources disagree both spellings are read (Rev J's ``deleted_user_id`` and the
older generic ``user_id``; ``invited_email`` and ``email_address``). An event type this module
does not list has no targets here; its primary target is still read generically by ``feed``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from tenure.connectors.pages import first_text
from tenure.model import TargetRelation, TargetRow

JSON = Mapping[str, Any]

_S = TargetRelation.SUBJECT.value
_R = TargetRelation.RESOURCE.value


def _email(obj: JSON, *names: str) -> str | None:
    value = first_text(obj, *names)
    return value.strip().lower() if value else None


def _current(obj: JSON, update_type: str) -> str | None:
    """``current_value`` of the ``updates[]`` entry of ``update_type``, if any."""
    updates = obj.get("updates")
    if not isinstance(updates, list):
        return None
    for update in updates:
        if isinstance(update, Mapping) and update.get("type") == update_type:
            value = update.get("current_value")
            return value if isinstance(value, str) and value else None
    return None


def _row(relation: str, target_type: str, target_id: str | None, email: str | None = None,
         role: str | None = None) -> TargetRow | None:
    if target_id is None and email is None:
        return None
    return (relation, target_type, target_id, email, role)


def _keep(*rows: TargetRow | None) -> tuple[TargetRow, ...]:
    return tuple(r for r in rows if r is not None)


def _user_deleted(obj: JSON, actor_user: str | None) -> tuple[TargetRow, ...]:
    return _keep(_row(_S, "user", first_text(obj, "deleted_user_id", "user_id"),
                      _email(obj, "deleted_user_email", "user_email", "email_address")))


def _user_left(obj: JSON, actor_user: str | None) -> tuple[TargetRow, ...]:
    # Self-removal: the actor is the subject; previous_role is what was given up.
    return _keep(_row(_S, "user", first_text(obj, "user_id") or actor_user, None,
                      first_text(obj, "previous_role")))


def _invite_sent(obj: JSON, actor_user: str | None) -> tuple[TargetRow, ...]:
    return _keep(_row(_S, "invite", first_text(obj, "invite_id"),
                      _email(obj, "invited_email", "email_address"),
                      first_text(obj, "invited_role", "role")))


def _invite(obj: JSON, actor_user: str | None) -> tuple[TargetRow, ...]:
    return _keep(_row(_S, "invite", first_text(obj, "invite_id"),
                      _email(obj, "invited_email", "email_address")))


def _role_updated(obj: JSON, actor_user: str | None) -> tuple[TargetRow, ...]:
    return _keep(_row(_S, "user", first_text(obj, "user_id"), _email(obj, "user_email",
                                                               "email_address"),
                      first_text(obj, "current_role") or _current(obj, "role")))


def _owner_transferred(obj: JSON, actor_user: str | None) -> tuple[TargetRow, ...]:
    return _keep(
        _row(TargetRelation.PREVIOUS_OWNER.value, "user", first_text(obj, "previous_owner_id"),
             role="primary_owner"),
        _row(TargetRelation.NEW_OWNER.value, "user", first_text(obj, "new_owner_id"),
             role="primary_owner"))


def _role_assignment(obj: JSON, actor_user: str | None) -> tuple[TargetRow, ...]:
    return _keep(
        _row(_S, first_text(obj, "target_type") or "principal", first_text(obj, "target_id"),
             role=first_text(obj, "role")),
        _row(_R, first_text(obj, "resource_type") or "resource", first_text(obj, "resource_id")))


def _rbac_role(obj: JSON, actor_user: str | None) -> tuple[TargetRow, ...]:
    return _keep(_row(_S, first_text(obj, "principal_type") or "principal",
                      first_text(obj, "principal_id"),
                      role=first_text(obj, "role_id", "rbac_role_id")))


def _group_member(obj: JSON, actor_user: str | None) -> tuple[TargetRow, ...]:
    members = obj.get("member_ids")
    ids = [m for m in members if isinstance(m, str) and m] if isinstance(members, list) else []
    single = first_text(obj, "member_id", "user_id")
    if single and single not in ids:
        ids.append(single)
    return _keep(*(_row(_S, "account", m) for m in ids),
                 _row(_R, "group", first_text(obj, "group_id", "rbac_group_id")))


def _scim_user(obj: JSON, actor_user: str | None) -> tuple[TargetRow, ...]:
    return _keep(_row(_S, "user", first_text(obj, "user_id"), _email(obj, "user_email",
                                                               "email_address")))


def _workspace_member(obj: JSON, actor_user: str | None) -> tuple[TargetRow, ...]:
    return _keep(_row(_S, "user", first_text(obj, "user_id"), None,
                      first_text(obj, "workspace_role") or _current(obj, "workspace_role")),
                 _row(_R, "workspace", first_text(obj, "workspace_id")))


def _service_account(obj: JSON, actor_user: str | None) -> tuple[TargetRow, ...]:
    return _keep(_row(_S, "service_account", first_text(obj, "service_account_id"), None,
                      _current(obj, "organization_role")))


def _sa_workspace_member(obj: JSON, actor_user: str | None) -> tuple[TargetRow, ...]:
    return _keep(_row(_S, "service_account", first_text(obj, "service_account_id"), None,
                      first_text(obj, "workspace_role") or _current(obj, "workspace_role")),
                 _row(_R, "workspace", first_text(obj, "workspace_id")))


def _federated_authentication(obj: JSON, actor_user: str | None) -> tuple[TargetRow, ...]:
    """A successful workload login: the service account it became (subject) through which
    rule (resource); a refused attempt became nobody, so it names no target."""
    status = obj.get("status")
    if isinstance(status, Mapping) and status.get("outcome") not in (None, "success"):
        return ()
    data = obj.get("event_data")
    if not isinstance(data, Mapping):
        return ()
    return _keep(_row(_S, "service_account", first_text(data, "requested_service_account_id")),
                 _row(_R, "federation_rule", first_text(data, "federation_rule_id")))


def _field(target_type: str, *names: str) -> Callable[[JSON, str | None],
                                                       tuple[TargetRow, ...]]:
    def read(obj: JSON, actor_user: str | None) -> tuple[TargetRow, ...]:
        return _keep(_row(_S, target_type, first_text(obj, *names)),
                     _row(_R, "workspace", first_text(obj, "workspace_id")))
    return read


_Reader = Callable[[JSON, str | None], tuple[TargetRow, ...]]

_EXACT: dict[str, _Reader] = {
    "org_user_deleted": _user_deleted,
    "org_user_left": _user_left,
    "org_user_invite_sent": _invite_sent,
    "org_user_invite_re_sent": _invite_sent,
    "org_user_invite_accepted": _invite,
    "org_user_invite_deleted": _invite,
    "org_user_invite_rejected": _invite,
    "claude_user_role_updated": _role_updated,
    "primary_owner_transferred": _owner_transferred,
    "role_assignment_granted": _role_assignment,
    "role_assignment_revoked": _role_assignment,
    "rbac_role_assigned": _rbac_role,
    "rbac_role_unassigned": _rbac_role,
    "group_member_added": _group_member,
    "group_member_removed": _group_member,
    "group_member_addition_failed": _group_member,
    "group_member_removal_failed": _group_member,
    "scim_user_created": _scim_user,
    "scim_user_updated": _scim_user,
    "scim_user_deleted": _scim_user,
    "platform_workspace_member_added": _workspace_member,
    "platform_workspace_member_updated": _workspace_member,
    "platform_workspace_member_removed": _workspace_member,
    "platform_federated_authentication": _federated_authentication,
}

_PREFIXES: tuple[tuple[str, _Reader], ...] = (
    ("platform_service_account_workspace_member_", _sa_workspace_member),
    ("platform_service_account_", _service_account),
    ("platform_federation_issuer_", _field("federation_issuer", "federation_issuer_id")),
    ("platform_federation_rule_", _field("federation_rule", "federation_rule_id")),
    ("admin_api_key_", _field("admin_key", "admin_api_key_id")),
    ("scoped_api_key_", _field("api_key", "api_key_id")),
    ("platform_api_key_", _field("api_key", "api_key_id")),
    ("api_key_", _field("api_key", "api_key_id")),
    ("service_key_", _field("service_key", "service_key_id")),
    ("ccr_agent_proxy_credential_", _field("agent_credential", "credential_id")),
    ("ccr_agent_", _field("claude_code_agent", "agent_id")),
)


@lru_cache(maxsize=4096)
def _reader(activity_type: str) -> _Reader | None:
    found = _EXACT.get(activity_type)
    if found is not None:
        return found
    for prefix, reader in _PREFIXES:
        if activity_type.startswith(prefix):
            return reader
    return None


def targets(activity_type: str, obj: JSON, actor_user: str | None) -> tuple[TargetRow, ...]:
    """The stored targets of one feed activity (empty for types with none).

    ``actor_user`` is the acting user's id (the subject of a self-removal)."""
    reader = _reader(activity_type)
    if reader is None:
        return ()
    return reader(obj, actor_user)
