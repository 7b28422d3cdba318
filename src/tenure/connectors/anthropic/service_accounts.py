"""Anthropic organization service accounts and their workspace memberships
(vendor-apis-nhi.md §2), as accounts and grants. Pure: decoded vendor JSON in, records out.

A service account is an account with ``kind = service_account``: ``role`` is its
``organization_role`` (``admin``/``developer``), ``status`` is ``archived`` once
``archived_at`` is set, and ``attributes`` keep the description, the ``*_by_actor_id``
lineage (a ``svac_`` creator is the only trace of a workload-created identity) and the
archive time. A live service account also holds its organization role as a grant, like a user.

Memberships come from the service-account side listing, the only one that shows the implicit
default-workspace row (``implicit: true``, stored as ``inherited``) and that still works for
archived workspaces. Read types accept the whole workspace-role enum and any role the vendor
adds later; unknown fields are ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tenure.connectors.anthropic.transform import (
    _require,
    org_entitlement,
    ts,
    workspace_entitlement,
)
from tenure.model import Account, AccountKind, Grant

JSON = Mapping[str, Any]

ACTIVE = "active"
ARCHIVED = "archived"
_LINEAGE = ("created_by_actor_id", "updated_by_actor_id", "archived_by_actor_id")


def service_account(obj: JSON) -> Account:
    """An organization service account (``type: service_account``)."""
    sa_id = _require(obj, "id", "service account")
    archived = ts(obj.get("archived_at"))
    attributes: dict[str, Any] = {"description": str(obj.get("description") or "")}
    for name in _LINEAGE:
        value = obj.get(name)
        attributes[name] = value if isinstance(value, str) and value else None
    attributes["updated_at"] = obj.get("updated_at") if isinstance(obj.get("updated_at"),
                                                                    str) else None
    attributes["archived_at"] = obj.get("archived_at") if archived is not None else None
    return Account(external_id=sa_id, kind=AccountKind.SERVICE_ACCOUNT, email=None,
                   name=str(obj.get("name") or sa_id),
                   role=str(obj.get("organization_role") or "developer"),
                   created_at=ts(obj.get("created_at")),
                   status=ARCHIVED if archived is not None else ACTIVE,
                   attributes=attributes)


def service_account_records(obj: JSON, org_id: str) -> tuple[Account, Grant | None]:
    """A service account and, while it is live, the grant of its organization role."""
    account = service_account(obj)
    if account.status == ARCHIVED:
        return account, None
    return account, Grant(account_id=account.external_id,
                          entitlement=org_entitlement(org_id, account.role),
                          granted_at=account.created_at)


def membership_grant(obj: JSON, service_account_id: str) -> Grant:
    """One ``service_account_workspace_member`` row; the implicit default row is inherited."""
    workspace_id = _require(obj, "workspace_id", "service account workspace member")
    role = _require(obj, "workspace_role", "service account workspace member")
    account_id = obj.get("service_account_id")
    return Grant(account_id=account_id if isinstance(account_id, str) and account_id
                 else service_account_id,
                 entitlement=workspace_entitlement(workspace_id, role),
                 inherited=obj.get("implicit") is True)
