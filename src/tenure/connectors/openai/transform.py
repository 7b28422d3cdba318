"""Pure functions from OpenAI Admin API JSON (vendor-apis.md §4) to Tenure's typed records.

No I/O here: each function takes decoded vendor JSON and returns model records, so each is
unit-tested from recorded pages in ``tests/data/openai``. Timestamps are Unix seconds. Unknown
fields are ignored; missing optional fields become None.

Mapping: a project is a ``Workspace``; a project membership is a ``Grant`` on scope type
``workspace`` (the same scope the checks read for Anthropic workspaces); a project service
account is an ``Account`` of kind ``service_account`` holding a project grant; project keys and
admin keys are ``Credential`` records.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from tenure.connectors.base import UnusableRecord
from tenure.model import (
    Account,
    AccountKind,
    Activity,
    ActivityCategory,
    ActorKind,
    Entitlement,
    Grant,
    Invite,
    ScopeType,
    Usage,
    Workspace,
)

JSON = Mapping[str, Any]

PRIVILEGED_ORG_ROLES = frozenset({"owner"})
"""``owner`` manages members, projects and keys; ``reader`` does not."""
PRIVILEGED_PROJECT_ROLES = frozenset({"owner"})
"""A project owner manages the project's members, service accounts and keys."""
LIVE_INVITE_STATUSES = frozenset({"pending", "expired"})
SERVICE_ACCOUNT_ROLE = "service_account"
"""``Account.role`` of a service account: it has no org role, only project roles (grants)."""


def ts(value: Any) -> datetime | None:
    """Unix seconds as aware UTC (None when absent)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"not a Unix timestamp: {value!r:.50}")
    return datetime.fromtimestamp(value, UTC)


def _require(obj: JSON, key: str, what: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str) or not value:
        raise UnusableRecord(what, key, f"{dict(obj)!r:.200}")
    return value


def _obj(value: Any) -> JSON:
    return value if isinstance(value, Mapping) else {}


# -- users and invites -------------------------------------------------------------------------


def org_entitlement(org_id: str, role: str) -> Entitlement:
    """The org-role entitlement a user holds."""
    return Entitlement(scope_type=ScopeType.ORGANIZATION, scope_id=org_id, role=role,
                       privileged=role in PRIVILEGED_ORG_ROLES)


DISABLED = "disabled"
"""``Account.status`` of a seat the vendor has switched off (``user.enabled: false`` or
``user.banned: true``): it still exists, but it is not live access."""


def user_records(obj: JSON, org_id: str) -> tuple[Account, Grant, Activity | None]:
    """An org member: its account, the grant of its org role, and — when the user object
    carries ``api_key_last_used_at`` — a ``usage`` event at that time, so the seat's last use
    reaches the same activity rollups the dormancy checks read on every platform.

    Flags (vendor-apis-nhi.md §7.7): ``is_service_account`` makes the account a non-human
    (kind ``service_account``: never judged by the people checks); the nested
    ``user.enabled: false`` / ``user.banned: true`` makes the seat ``disabled``; and
    ``is_scim_managed`` is kept, because it decides who can revoke (the IdP, not the API).
    """
    user_id = _require(obj, "id", "user")
    nested = _obj(obj.get("user"))
    email = str(obj.get("email") or nested.get("email") or "").strip() or None
    last_used = ts(obj.get("api_key_last_used_at"))
    attributes: dict[str, Any] = {}
    if last_used is not None:
        attributes["api_key_last_used_at"] = last_used.isoformat()
    for flag in ("is_service_account", "is_scim_managed", "is_default"):
        if isinstance(obj.get(flag), bool):
            attributes[flag] = obj[flag]
    for flag in ("enabled", "banned"):
        if isinstance(nested.get(flag), bool):
            attributes[f"user_{flag}"] = nested[flag]
    if ts(nested.get("banned_at")) is not None:
        attributes["banned_at"] = str(ts(nested.get("banned_at")))
    disabled = nested.get("enabled") is False or nested.get("banned") is True
    non_human = obj.get("is_service_account") is True
    account = Account(external_id=user_id,
                      kind=AccountKind.SERVICE_ACCOUNT if non_human else AccountKind.USER,
                      email=email, name=str(obj.get("name") or nested.get("name") or ""),
                      role=str(obj.get("role") or ""),
                      created_at=ts(obj.get("added_at") or obj.get("created")),
                      status=DISABLED if disabled else "active", attributes=attributes)
    grant = Grant(account_id=user_id, entitlement=org_entitlement(org_id, account.role),
                  granted_at=account.created_at)
    used = None
    if last_used is not None:
        used = Activity(external_id=f"api_key_last_used:{user_id}:{int(last_used.timestamp())}",
                        occurred_at=last_used, actor_kind=ActorKind.USER, actor_id=user_id,
                        actor_email=email, action="api_key_used",
                        category=ActivityCategory.USAGE,
                        target_type="user", target_id=user_id)
    return account, grant, used


def invite(obj: JSON, now: datetime) -> Invite | None:
    """A pending or expired invite (accepted ones are history, not access).

    A ``pending`` invite past ``expires_at`` is reported ``expired``: it can no longer be
    accepted whatever status the vendor still shows.
    """
    status = str(obj.get("status") or "pending")
    expires = ts(obj.get("expires_at"))
    if status == "pending" and expires is not None and expires <= now:
        status = "expired"
    if status not in LIVE_INVITE_STATUSES:
        return None
    return Invite(external_id=_require(obj, "id", "invite"), email=str(obj.get("email") or ""),
                  role=str(obj.get("role") or ""), status=status,
                  invited_at=ts(obj.get("created_at") or obj.get("invited_at")),
                  expires_at=expires)


# -- projects, members, service accounts --------------------------------------------------------


def project(obj: JSON) -> Workspace:
    """A project, archived or not (projects are archived, never deleted)."""
    archived = ts(obj.get("archived_at"))
    if archived is None and obj.get("status") == "archived":
        # An archived project without a date is still archived; date it at creation.
        archived = ts(obj.get("created_at"))
    return Workspace(external_id=_require(obj, "id", "project"), name=str(obj.get("name") or ""),
                     created_at=ts(obj.get("created_at")), archived_at=archived)


def project_entitlement(project_id: str, role: str) -> Entitlement:
    """A project-role entitlement (scope type ``workspace``, like Anthropic's)."""
    return Entitlement(scope_type=ScopeType.WORKSPACE, scope_id=project_id, role=role,
                       privileged=role in PRIVILEGED_PROJECT_ROLES)


def project_user_grant(obj: JSON, project_id: str) -> Grant:
    """A project membership (``organization.project.user``)."""
    user_id = _require(obj, "id", "project user")
    role = _require(obj, "role", "project user")
    return Grant(account_id=user_id, entitlement=project_entitlement(project_id, role.lower()),
                 granted_at=ts(obj.get("added_at")))


def service_account_records(obj: JSON, project_id: str) -> tuple[Account, Grant | None]:
    """A project service account and its project role (none for role ``none``)."""
    sa_id = _require(obj, "id", "service account")
    role = str(obj.get("role") or "none").lower()
    account = Account(external_id=sa_id, kind=AccountKind.SERVICE_ACCOUNT, email=None,
                      name=str(obj.get("name") or ""), role=SERVICE_ACCOUNT_ROLE,
                      created_at=ts(obj.get("created_at")),
                      attributes={"project_id": project_id, "project_role": role})
    if role == "none":
        return account, None
    return account, Grant(account_id=sa_id, entitlement=project_entitlement(project_id, role),
                          granted_at=account.created_at)


# -- usage -------------------------------------------------------------------------------------


def _int(value: Any) -> int:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0


def usage_bucket(bucket: JSON) -> list[Usage]:
    """Per-key daily usage from one ``usage/completions`` bucket grouped by api_key_id.

    Results without a key (ChatGPT or playground use) are skipped; results of one key split
    by other dimensions are summed. Input tokens include cached input.
    """
    start = ts(bucket.get("start_time"))
    if start is None:
        raise ValueError(f"usage bucket without start_time: {dict(bucket)!r:.200}")
    totals: dict[str, tuple[int, int, int]] = {}
    for item in bucket.get("results") or []:
        key_id = _obj(item).get("api_key_id")
        if not key_id:
            continue
        before = totals.get(key_id, (0, 0, 0))
        totals[key_id] = (before[0] + _int(item.get("num_model_requests")),
                          before[1] + _int(item.get("input_tokens")),
                          before[2] + _int(item.get("output_tokens")))
    return [Usage(subject_type="api_key", subject_id=key, day=start.date(), requests=r,
                  input_tokens=i, output_tokens=o)
            for key, (r, i, o) in sorted(totals.items())]
