"""managed agents: agents, agent_environments, agent_deployments, vaults, vault_credentials

Anthropic managed-agent snapshot tables (vendor-apis-nhi.md §4). Workspace-scoped; no creator
column (the vendor gives none: ownership comes from sponsors). ``vault_credentials`` holds
metadata only: a secret value is never stored, ``secret_name`` is the name of an
environment-variable secret.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tenure.store.types

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), "postgresql")
_TS = tenure.store.types.UTCDateTime
_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_EGRESS = "'unrestricted', 'limited', 'self_hosted', 'unknown'"


def _snapshot(name: str, *columns: sa.Column[object] | sa.CheckConstraint) -> None:
    op.create_table(
        name,
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("source", sa.String(length=128), nullable=False),
        sa.Column("tenant", sa.String(length=128), nullable=False),
        sa.Column("external_id", sa.String(length=512), nullable=False),
        *columns,
        sa.Column("first_seen_at", _TS(timezone=True), nullable=False),
        sa.Column("last_seen_at", _TS(timezone=True), nullable=False),
        sa.Column("sync_run_id", sa.String(length=64), nullable=False),
        sa.Column("removed_at", _TS(timezone=True), nullable=True),
        sa.Column("removed_run_id", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
        sa.UniqueConstraint("source", "tenant", "external_id",
                            name=op.f(f"uq_{name}_source_tenant_external_id")),
    )


def _dates() -> list[sa.Column[object]]:
    return [sa.Column("metadata", _JSON, nullable=False),
            sa.Column("created_at", _TS(timezone=True), nullable=True),
            sa.Column("updated_at", _TS(timezone=True), nullable=True),
            sa.Column("archived_at", _TS(timezone=True), nullable=True)]


def upgrade() -> None:
    _snapshot(
        "agents",
        sa.Column("workspace_id", sa.String(length=256), nullable=False),
        sa.Column("name", sa.String(length=256), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("model", sa.String(length=128), nullable=True),
        sa.Column("tools", _JSON, nullable=False),
        sa.Column("mcp_servers", _JSON, nullable=False),
        sa.Column("skills", _JSON, nullable=False),
        *_dates(),
    )
    op.create_index(op.f("ix_agents_workspace_id"), "agents", ["workspace_id"], unique=False)
    _snapshot(
        "agent_environments",
        sa.Column("workspace_id", sa.String(length=256), nullable=False),
        sa.Column("name", sa.String(length=256), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("scope", sa.String(length=32), nullable=True),
        sa.Column("config_type", sa.String(length=32), nullable=True),
        sa.Column("networking", sa.String(length=32), nullable=False),
        sa.Column("allowed_hosts", _JSON, nullable=False),
        sa.Column("allow_mcp_servers", sa.Boolean(), nullable=True),
        sa.Column("allow_package_managers", sa.Boolean(), nullable=True),
        *_dates(),
        sa.CheckConstraint(f"networking IN ({_EGRESS})",
                           name=op.f("ck_agent_environments_networking_enum")),
    )
    _snapshot(
        "agent_deployments",
        sa.Column("workspace_id", sa.String(length=256), nullable=False),
        sa.Column("name", sa.String(length=256), nullable=False),
        sa.Column("agent_id", sa.String(length=256), nullable=False),
        sa.Column("agent_version", sa.Integer(), nullable=True),
        sa.Column("environment_id", sa.String(length=256), nullable=False),
        sa.Column("vault_ids", _JSON, nullable=False),
        sa.Column("schedule_expression", sa.String(length=128), nullable=True),
        sa.Column("schedule_timezone", sa.String(length=64), nullable=True),
        sa.Column("last_run_at", _TS(timezone=True), nullable=True),
        sa.Column("upcoming_runs_at", _JSON, nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("paused_reason_type", sa.String(length=64), nullable=True),
        sa.Column("paused_error_type", sa.String(length=64), nullable=True),
        sa.Column("last_run_error", sa.String(length=64), nullable=True),
        *_dates(),
        sa.CheckConstraint("status IN ('active', 'paused')",
                           name=op.f("ck_agent_deployments_status_enum")),
    )
    op.create_index(op.f("ix_agent_deployments_agent_id"), "agent_deployments", ["agent_id"],
                    unique=False)
    op.create_index(op.f("ix_agent_deployments_environment_id"), "agent_deployments",
                    ["environment_id"], unique=False)
    _snapshot(
        "vaults",
        sa.Column("workspace_id", sa.String(length=256), nullable=False),
        sa.Column("display_name", sa.String(length=256), nullable=False),
        *_dates(),
    )
    _snapshot(
        "vault_credentials",
        sa.Column("vault_id", sa.String(length=256), nullable=False),
        sa.Column("workspace_id", sa.String(length=256), nullable=False),
        sa.Column("display_name", sa.String(length=256), nullable=True),
        sa.Column("auth_kind", sa.String(length=32), nullable=False),
        sa.Column("mcp_server_url", sa.Text(), nullable=True),
        sa.Column("expires_at", _TS(timezone=True), nullable=True),
        sa.Column("has_refresh", sa.Boolean(), nullable=False),
        sa.Column("secret_name", sa.String(length=256), nullable=True),
        sa.Column("networking", sa.String(length=32), nullable=True),
        sa.Column("allowed_hosts", _JSON, nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        *_dates(),
        sa.CheckConstraint(
            "auth_kind IN ('mcp_oauth', 'static_bearer', 'environment_variable', 'unknown')",
            name=op.f("ck_vault_credentials_auth_kind_enum")),
        sa.CheckConstraint(f"networking IN ({_EGRESS})",
                           name=op.f("ck_vault_credentials_networking_enum")),
        sa.CheckConstraint("status IN ('active', 'expired', 'archived')",
                           name=op.f("ck_vault_credentials_status_enum")),
    )
    op.create_index(op.f("ix_vault_credentials_vault_id"), "vault_credentials", ["vault_id"],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_vault_credentials_vault_id"), table_name="vault_credentials")
    op.drop_table("vault_credentials")
    op.drop_table("vaults")
    op.drop_index(op.f("ix_agent_deployments_environment_id"), table_name="agent_deployments")
    op.drop_index(op.f("ix_agent_deployments_agent_id"), table_name="agent_deployments")
    op.drop_table("agent_deployments")
    op.drop_table("agent_environments")
    op.drop_index(op.f("ix_agents_workspace_id"), table_name="agents")
    op.drop_table("agents")
