"""Column values of the managed-agent snapshot records (tables in ``store.schema``).

Nested values become plain JSON (lists and dicts of strings, numbers, booleans and null);
timestamps inside JSON are RFC 3339 UTC text. Nothing here can carry a secret: the records
have no field for one (``tenure.model.VaultCredential``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from tenure.model import (
    Agent,
    AgentDeployment,
    AgentEnvironment,
    AgentTool,
    Vault,
    VaultCredential,
    plain,
    record_values,
)
from tenure.store import schema


def _tool(tool: AgentTool) -> dict[str, Any]:
    return {"toolset": str(tool.toolset), "name": tool.name, "enabled": tool.enabled,
            "permission_policy": tool.permission_policy, "changes_things": tool.changes_things,
            "mcp_server_name": tool.mcp_server_name}


def _text(when: datetime) -> str:
    return when.isoformat().replace("+00:00", "Z")


def agent_row(record: Agent) -> dict[str, Any]:
    """Column values of an agent (``tools`` is the effective per-tool list)."""
    row = record_values(record)
    row.update(tools=[_tool(t) for t in record.tools], mcp_servers=plain(record.mcp_servers),
               skills=plain(record.skills), metadata=dict(record.metadata))
    return row


def environment_row(record: AgentEnvironment) -> dict[str, Any]:
    """Column values of an agent environment."""
    row = record_values(record)
    row.update(allowed_hosts=list(record.allowed_hosts), metadata=dict(record.metadata))
    return row


def deployment_row(record: AgentDeployment) -> dict[str, Any]:
    """Column values of a deployment (upcoming runs as UTC text)."""
    row = record_values(record)
    row.update(vault_ids=list(record.vault_ids),
               upcoming_runs_at=[_text(t) for t in record.upcoming_runs_at],
               metadata=dict(record.metadata))
    return row


def vault_row(record: Vault) -> dict[str, Any]:
    """Column values of a vault."""
    return {**record_values(record), "metadata": dict(record.metadata)}


def vault_credential_row(record: VaultCredential) -> dict[str, Any]:
    """Column values of a vault credential (metadata only)."""
    row = record_values(record)
    row.update(allowed_hosts=list(record.allowed_hosts), metadata=dict(record.metadata))
    return row


ROWS: Mapping[type[Any], Callable[[Any], dict[str, Any]]] = {
    Agent: agent_row, AgentEnvironment: environment_row, AgentDeployment: deployment_row,
    Vault: vault_row, VaultCredential: vault_credential_row,
}
"""The row function of each managed-agent record class."""

TABLES: Mapping[str, sa.Table] = {
    "agent": schema.agents, "agent_environment": schema.agent_environments,
    "agent_deployment": schema.agent_deployments, "vault": schema.vaults,
    "vault_credential": schema.vault_credentials,
}
"""The table of each managed-agent record type."""
