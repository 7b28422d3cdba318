"""Vaults and vault credentials (vendor-apis-nhi.md §4.4) as typed records: metadata only.

Pure. The ``auth`` union is read field by field from the documented response fields; no
write-only field (``token``, ``access_token``, ``refresh_token``, ``client_secret``,
``secret_value``) is ever looked at, so a vendor page that carried one by mistake cannot put it
in a record. Status is derived (``tenure.model.vault_credential_status``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from tenure.connectors.anthropic.agent_shapes import (
    JSON,
    Notes,
    egress,
    mapping,
    metadata,
    require_id,
    strings,
    text,
    when,
)
from tenure.model import EgressKind, Vault, VaultAuthKind, VaultCredential, vault_credential_status

WRITE_ONLY_FIELDS = frozenset({"token", "access_token", "refresh_token", "client_secret",
                               "secret_value"})
"""Fields a client sends on create and the vendor never echoes (§4.4); removed from raw pages
too, should a page carry one anyway."""


def vault(obj: JSON, workspace_id: str) -> Vault:
    """A ``BetaManagedAgentsVault`` of ``workspace_id``."""
    return Vault(external_id=require_id(obj, "vault"), workspace_id=workspace_id,
                 display_name=text(obj, "display_name") or "", metadata=metadata(obj),
                 created_at=when(obj, "created_at"), updated_at=when(obj, "updated_at"),
                 archived_at=when(obj, "archived_at"))


def credential(obj: JSON, vault_id: str, workspace_id: str, now: datetime,
               notes: Notes) -> VaultCredential:
    """A ``BetaManagedAgentsCredential`` listed under ``vault_id``."""
    ident = require_id(obj, "vault credential")
    auth = mapping(obj.get("auth"))
    kind_text = auth.get("type")
    if isinstance(kind_text, str) and kind_text in VaultAuthKind.__members__.values() \
            and kind_text != "unknown":
        kind = VaultAuthKind(kind_text)
    else:
        notes.unknown("credential auth type", ident, kind_text)
        kind = VaultAuthKind.UNKNOWN
    expires_at = when(auth, "expires_at") if kind is VaultAuthKind.MCP_OAUTH else None
    has_refresh = isinstance(auth.get("refresh"), Mapping)
    networking: EgressKind | None = None
    hosts: tuple[str, ...] = ()
    if kind is VaultAuthKind.ENVIRONMENT_VARIABLE:
        networking, hosts, _, _ = egress(auth.get("networking"), ident, notes) \
            if auth.get("networking") is not None else (None, (), None, None)
    archived_at = when(obj, "archived_at")
    return VaultCredential(
        external_id=ident, vault_id=text(obj, "vault_id") or vault_id,
        workspace_id=workspace_id, auth_kind=kind,
        status=vault_credential_status(kind, archived_at=archived_at, expires_at=expires_at,
                                       has_refresh=has_refresh, now=now),
        display_name=text(obj, "display_name"), mcp_server_url=text(auth, "mcp_server_url"),
        expires_at=expires_at, has_refresh=has_refresh,
        secret_name=text(auth, "secret_name") if kind is VaultAuthKind.ENVIRONMENT_VARIABLE
        else None,
        networking=networking, allowed_hosts=hosts or strings(auth.get("allowed_hosts")),
        metadata=metadata(obj), created_at=when(obj, "created_at"),
        updated_at=when(obj, "updated_at"), archived_at=archived_at)
