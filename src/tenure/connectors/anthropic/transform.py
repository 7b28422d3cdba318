"""Pure functions from Anthropic Admin API JSON (vendor-apis.md §1-2) to Tenure's typed records.

The activity resources have their own modules: ``feed`` (Compliance activity feed) and
``claude_code`` (Claude Code analytics).

No I/O here: every function takes decoded vendor JSON and returns model records, so each is
unit-tested from recorded pages in ``tests/data/anthropic``. Unknown fields are ignored (the
vendor adds fields over time); missing optional fields become None.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time
from typing import Any

from tenure.clock import parse_instant
from tenure.connectors.base import UnusableRecord
from tenure.model import (
    Account,
    AccountKind,
    Entitlement,
    Grant,
    Invite,
    ScopeType,
    Usage,
    Workspace,
)

JSON = Mapping[str, Any]

PRIVILEGED_ORG_ROLES = frozenset({
    "admin", "owner", "primary_owner", "membership_admin", "developer",
})
"""Org roles that can change access: manage users/members (admin, owners, membership_admin) or
mint and manage API keys (developer). ``billing`` sees money, not access, so it is not here."""

PRIVILEGED_WORKSPACE_ROLES = frozenset({"workspace_admin", "workspace_developer"})
"""Workspace roles that can manage members or keys of the workspace."""

IMPLICIT_WORKSPACE_ROLE = {
    "admin": "workspace_admin",
    "owner": "workspace_admin",
    "primary_owner": "workspace_admin",
    "billing": "workspace_billing",
}
"""Org roles that hold a workspace role in every workspace without being listed as members
(org admins → workspace_admin, org billing → workspace_billing; vendor-apis.md §1.8). Owners
are Enterprise's admins, so they inherit like admins."""

LIVE_INVITE_STATUSES = frozenset({"pending", "expired"})


def ts(value: Any) -> datetime | None:
    """An RFC 3339 vendor timestamp as aware UTC (None when absent or empty)."""
    if value is None or value == "":
        return None
    return parse_instant(str(value))


def _require(obj: JSON, key: str, what: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str) or not value:
        raise UnusableRecord(what, key, f"{dict(obj)!r:.200}")
    return value


# -- organization, users, invites --------------------------------------------------------------


def org_entitlement(org_id: str, role: str) -> Entitlement:
    """The org-role entitlement an account holds."""
    return Entitlement(scope_type=ScopeType.ORGANIZATION, scope_id=org_id, role=role,
                       privileged=role in PRIVILEGED_ORG_ROLES)


def user_account(obj: JSON) -> Account:
    """An org member (``type: user``) as a user account."""
    return Account(
        external_id=_require(obj, "id", "user"), kind=AccountKind.USER,
        email=obj.get("email") or None, name=str(obj.get("name") or ""),
        role=str(obj.get("role") or ""), created_at=ts(obj.get("added_at")),
    )


def user_records(obj: JSON, org_id: str) -> tuple[Account, Grant]:
    """A user's account and the grant of its org role."""
    account = user_account(obj)
    grant = Grant(account_id=account.external_id,
                  entitlement=org_entitlement(org_id, account.role),
                  granted_at=account.created_at)
    return account, grant


def invite(obj: JSON, now: datetime) -> Invite | None:
    """A pending or expired invite (accepted/deleted ones are history, not access).

    A ``pending`` invite past its ``expires_at`` is reported ``expired``: the vendor may not
    flip the status itself, and an expired invite can no longer be accepted.
    """
    status = str(obj.get("status") or "pending")
    expires = ts(obj.get("expires_at"))
    if status == "pending" and expires is not None and expires <= now:
        status = "expired"
    if status not in LIVE_INVITE_STATUSES:
        return None
    return Invite(external_id=_require(obj, "id", "invite"), email=str(obj.get("email") or ""),
                  role=str(obj.get("role") or ""), status=status,
                  invited_at=ts(obj.get("invited_at")), expires_at=expires)


# -- workspaces and members --------------------------------------------------------------------


def workspace(obj: JSON) -> Workspace:
    """A workspace, archived or not."""
    return Workspace(external_id=_require(obj, "id", "workspace"),
                     name=str(obj.get("name") or ""), created_at=ts(obj.get("created_at")),
                     archived_at=ts(obj.get("archived_at")))


def workspace_entitlement(workspace_id: str, role: str) -> Entitlement:
    """A workspace-role entitlement."""
    return Entitlement(scope_type=ScopeType.WORKSPACE, scope_id=workspace_id, role=role,
                       privileged=role in PRIVILEGED_WORKSPACE_ROLES)


def member_grant(obj: JSON, workspace_id: str) -> Grant:
    """An explicit workspace membership (``type: workspace_member``)."""
    user_id = _require(obj, "user_id", "workspace member")
    role = _require(obj, "workspace_role", "workspace member")
    return Grant(account_id=user_id,
                 entitlement=workspace_entitlement(str(obj.get("workspace_id") or workspace_id),
                                                   role))


def inherited_grants(
    org_roles: Mapping[str, str], workspace_ids: Iterable[str],
    explicit: set[tuple[str, str, str]],
) -> list[Grant]:
    """Workspace roles held implicitly through the org role, in every (active) workspace.

    ``explicit`` holds (user, workspace, role) already listed as members: a user listed
    explicitly keeps the explicit grant (same key), so the pair is not emitted twice.
    """
    out: list[Grant] = []
    ids = list(workspace_ids)
    for user_id, org_role in sorted(org_roles.items()):
        role = IMPLICIT_WORKSPACE_ROLE.get(org_role)
        if role is None:
            continue
        for ws in ids:
            if (user_id, ws, role) in explicit:
                continue
            out.append(Grant(account_id=user_id, entitlement=workspace_entitlement(ws, role),
                             inherited=True))
    return out


# -- usage -------------------------------------------------------------------------------------


def _int(value: Any) -> int:
    return int(value) if isinstance(value, int | float) else 0


def usage_bucket(bucket: JSON) -> list[Usage]:
    """Per-key daily usage from one ``usage_report/messages`` bucket grouped by api_key_id.

    Results without a key (Console/Workbench use) have no key to attribute to and are skipped.
    Results of the same key (split by other dimensions) are summed. The report has no request
    count, so ``requests`` stays 0; input tokens include cache reads and writes.
    """
    start = ts(bucket.get("starting_at"))
    if start is None:
        raise ValueError(f"usage bucket without starting_at: {dict(bucket)!r:.200}")
    day = start.date()
    totals: dict[str, tuple[int, int]] = {}
    for item in bucket.get("results") or []:
        key_id = item.get("api_key_id")
        if not key_id:
            continue
        cache = item.get("cache_creation") or {}
        tokens_in = (_int(item.get("uncached_input_tokens"))
                     + _int(item.get("cache_read_input_tokens"))
                     + _int(cache.get("ephemeral_1h_input_tokens"))
                     + _int(cache.get("ephemeral_5m_input_tokens")))
        tokens_out = _int(item.get("output_tokens"))
        before = totals.get(key_id, (0, 0))
        totals[key_id] = (before[0] + tokens_in, before[1] + tokens_out)
    return [Usage(subject_type="api_key", subject_id=key, day=day, input_tokens=i,
                  output_tokens=o) for key, (i, o) in sorted(totals.items())]


def day_start(day: date) -> datetime:
    """Midnight UTC of ``day``."""
    return datetime.combine(day, time(0), tzinfo=UTC)
