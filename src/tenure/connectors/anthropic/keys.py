"""Anthropic API keys (vendor-apis.md §1.9, vendor-apis-nhi.md §2.4): owner shapes and scope.

Pure: decoded vendor JSON in, a ``Credential`` and what the run should be told out.

The owner (``principal``) comes in two spellings across vendor material, and both are read:

- the SDK's ``{"type": "user_actor", "user_id"}`` / ``{"type": "service_account_actor",
  "service_account_id"}``,
- the flat ``{"type": "user" | "service_account", "id"}`` of other material.

A ``principal`` in any other shape is never dropped silently: the key falls back to its creator
(``created_by``, itself ``{id, type: user|service_account}`` or null) and the shape is
reported, so the run carries a note naming the key. The workspace is ``scope.workspace_id``
(the real id, the default workspace's too) or the deprecated top-level ``workspace_id``, where
null means the default workspace; an org-scoped key (``scope.type: organization``) has none.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tenure.connectors.anthropic.transform import _require, ts
from tenure.model import Credential, CredentialKind, OwnerKind, ScopeType

JSON = Mapping[str, Any]

_PRINCIPALS: dict[str, tuple[OwnerKind, str]] = {
    "user_actor": (OwnerKind.USER, "user_id"),
    "service_account_actor": (OwnerKind.SERVICE_ACCOUNT, "service_account_id"),
    "user": (OwnerKind.USER, "id"),
    "service_account": (OwnerKind.SERVICE_ACCOUNT, "id"),
}


@dataclass(frozen=True, slots=True)
class KeyRead:
    """One key and, when its owner shape was not recognised, why its creator was used."""

    credential: Credential
    owner_note: str | None = None
    default_workspace: str | None = None
    """The default workspace's real id, when this key reveals it (top-level ``workspace_id``
    null with a ``scope.workspace_id``)."""


def _obj(value: Any) -> JSON | None:
    return value if isinstance(value, Mapping) else None


def owner_of(principal: JSON | None, created_by: JSON | None
             ) -> tuple[OwnerKind | None, str | None, str | None]:
    """(owner kind, owner id, note) from ``principal``, else from ``created_by``."""
    note = None
    if principal is not None:
        known = _PRINCIPALS.get(str(principal.get("type") or ""))
        owner_id = principal.get(known[1]) if known else None
        if known and isinstance(owner_id, str) and owner_id:
            return known[0], owner_id, None
        note = f"owner shape {dict(principal)!r:.120} not recognised"
    if created_by is not None:
        creator = created_by.get("id")
        if isinstance(creator, str) and creator:
            kind = (OwnerKind.SERVICE_ACCOUNT if created_by.get("type") == "service_account"
                    else OwnerKind.USER)
            return kind, creator, f"{note}; owner taken from created_by" if note else None
    return None, None, f"{note}; no created_by either: the key has no known owner" if note \
        else None


def api_key(obj: JSON, default_workspace: str | None = None) -> KeyRead:
    """An API key in the classic or the newer shape.

    ``default_workspace``: the default workspace's real id when known, so a classic key (top-
    level ``workspace_id`` null, no ``scope``) points at a real workspace.
    """
    key_id = _require(obj, "id", "api key")
    created_by = _obj(obj.get("created_by"))
    scope_obj = _obj(obj.get("scope"))
    owner_type, owner_id, note = owner_of(_obj(obj.get("principal")), created_by)
    creator = created_by.get("id") if created_by is not None else None
    scope = ScopeType.WORKSPACE
    top = obj.get("workspace_id") if isinstance(obj.get("workspace_id"), str) else None
    workspace_id = top
    revealed = None
    if scope_obj is not None and scope_obj.get("type") == "organization":
        scope, workspace_id = ScopeType.ORGANIZATION, None
    elif scope_obj is not None and isinstance(scope_obj.get("workspace_id"), str):
        workspace_id = scope_obj["workspace_id"] or top
        if top is None and workspace_id:
            revealed = workspace_id
    if scope is ScopeType.WORKSPACE and not workspace_id:
        workspace_id = default_workspace
    credential = Credential(
        external_id=key_id, kind=CredentialKind.API_KEY,
        name=str(obj.get("name") or ""), status=str(obj.get("status") or "active"),
        owner_type=owner_type, owner_id=owner_id,
        creator_id=creator if isinstance(creator, str) and creator else None,
        workspace_id=workspace_id or None, scope=scope,
        partial_hint=obj.get("partial_key_hint") or None, created_at=ts(obj.get("created_at")),
        expires_at=ts(obj.get("expires_at")),
    )
    return KeyRead(credential, f"api key {key_id}: {note}" if note else None, revealed)
