"""Anthropic: Admin API (users, invites, workspaces, members, API keys), usage reports,
Claude Code analytics and the Compliance activity feed; revocation actions in ``actions``."""

from __future__ import annotations

from tenure.connectors.anthropic.config import AnthropicConfig
from tenure.connectors.anthropic.connector import AnthropicConnector
from tenure.connectors.base import SourceType, source_types

__all__ = ["AnthropicConfig", "AnthropicConnector"]

source_types.add("anthropic", SourceType(
    name="anthropic", config_model=AnthropicConfig, factory=AnthropicConnector,
    record_types=("account", "invite", "workspace", "grant", "credential", "usage", "activity",
                  "service_account", "federation_issuer", "federation_rule", "agent",
                  "agent_environment", "agent_deployment", "vault", "vault_credential", "role",
                  "group", "group_member", "role_assignment", "analytics_user"),
    description="Anthropic organization: seats and roles, invites, workspaces and members, "
    "API keys, per-key usage, Claude Code analytics, Compliance activity feed; service "
    "accounts and workload identity federation with an OAuth org:admin token; managed agents, "
    "environments, deployments, vaults and credentials with each workspace's API key; Claude "
    "Enterprise RBAC roles, groups and members, the Compliance directory and Analytics users",
))
