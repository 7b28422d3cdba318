"""OpenAI: Admin API (users, invites, projects, project users, service accounts, project and
admin API keys), audit logs and per-key usage; revocation actions in ``actions``."""

from __future__ import annotations

from tenure.connectors.base import SourceType, source_types
from tenure.connectors.openai.config import OpenAIConfig
from tenure.connectors.openai.connector import OpenAIConnector

__all__ = ["OpenAIConfig", "OpenAIConnector"]

source_types.add("openai", SourceType(
    name="openai", config_model=OpenAIConfig, factory=OpenAIConnector,
    record_types=("account", "invite", "workspace", "grant", "credential", "usage", "activity",
                  "group", "group_member", "role", "role_assignment"),
    description="OpenAI organization: users and roles, invites, projects (archived included), "
    "project users, service accounts, project and admin API keys, per-key usage, audit logs, "
    "groups and their users, custom org and project roles, role assignments, project groups",
))
