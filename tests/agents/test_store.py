"""Managed-agent records through the real sync engine into their tables, on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from tenure.config import Settings
from tenure.connectors.base import Batch, StreamComplete, TenantInfo
from tenure.model import (
    Agent,
    AgentDeployment,
    AgentEnvironment,
    AgentTool,
    DeploymentStatus,
    EgressKind,
    RunStatus,
    ToolPermission,
    ToolsetKind,
    Vault,
    VaultAuthKind,
    VaultCredential,
    VaultCredentialStatus,
    vault_credential_status,
)
from tenure.services.context import App
from tenure.services.sync import run_source
from tenure.store import schema

from .. import scripted
from ..conftest import make_app
from ..scripted import ScriptedConfig

T0 = datetime(2026, 11, 1, tzinfo=UTC)
BASH = AgentTool(ToolsetKind.AGENT_TOOLSET, "bash", True, ToolPermission.ALWAYS_ALLOW, True)


@pytest.fixture
def platform(database_url: str) -> Iterator[App]:
    scripted.register()
    application = make_app(database_url, Settings(
        sources=(ScriptedConfig(name="claude", type="scripted"),)))
    yield application
    application.close()


def _records() -> list[object]:
    return [
        Agent("agent_1", "wrkspc_1", "Invoice bot", version=3, model="claude-opus-4-8",
              tools=(BASH,), mcp_servers=({"name": "gh", "type": "url", "url": "https://x"},),
              metadata={"owner": "ana@example.com"}, created_at=T0),
        AgentEnvironment("env_1", "wrkspc_1", "open", config_type="cloud",
                         networking=EgressKind.UNRESTRICTED),
        AgentDeployment("depl_1", "wrkspc_1", "nightly", "agent_1", "env_1",
                        DeploymentStatus.ACTIVE, agent_version=3, vault_ids=("vlt_1",),
                        schedule_expression="0 2 * * *", schedule_timezone="UTC",
                        upcoming_runs_at=(T0,)),
        Vault("vlt_1", "wrkspc_1", "Prod secrets"),
        VaultCredential("vcrd_1", "vlt_1", "wrkspc_1", VaultAuthKind.MCP_OAUTH,
                        VaultCredentialStatus.EXPIRED, mcp_server_url="https://mcp.example",
                        expires_at=T0),
    ]


def test_agent_records_land_in_their_tables_and_retire(platform: App) -> None:
    types = ("agent", "agent_environment", "agent_deployment", "vault", "vault_credential")
    scripted.SCRIPTS["claude"] = [TenantInfo("org"), Batch("agents", _records()),
                                  *(StreamComplete(t) for t in types)]
    assert run_source(platform, "claude").status is RunStatus.COMPLETE
    with platform.engine.connect() as conn:
        agent = conn.execute(sa.select(schema.agents)).mappings().one()
        assert agent["tools"] == [{"toolset": "agent_toolset", "name": "bash", "enabled": True,
                                   "permission_policy": "always_allow",
                                   "changes_things": True, "mcp_server_name": None}]
        assert agent["metadata"] == {"owner": "ana@example.com"}
        dep = conn.execute(sa.select(schema.agent_deployments)).mappings().one()
        assert dep["vault_ids"] == ["vlt_1"]
        assert dep["status"] is DeploymentStatus.ACTIVE
        assert dep["upcoming_runs_at"] == ["2026-11-01T00:00:00Z"]
        env = conn.execute(sa.select(schema.agent_environments)).mappings().one()
        assert env["networking"] is EgressKind.UNRESTRICTED
        cred = conn.execute(sa.select(schema.vault_credentials)).mappings().one()
        assert cred["status"] is VaultCredentialStatus.EXPIRED
        assert cred["expires_at"] == T0
    # A complete listing without them retires every one.
    scripted.SCRIPTS["claude"] = [TenantInfo("org"), *(StreamComplete(t) for t in types)]
    assert run_source(platform, "claude").status is RunStatus.COMPLETE
    with platform.engine.connect() as conn:
        for table in (schema.agents, schema.agent_environments, schema.agent_deployments,
                      schema.vaults, schema.vault_credentials):
            assert conn.execute(sa.select(table.c.removed_at)).scalar_one() is not None


def test_store_refuses_a_status_outside_the_enum(platform: App) -> None:
    with platform.engine.begin() as conn, pytest.raises(sa.exc.IntegrityError):
        conn.execute(sa.text(
            "INSERT INTO agent_deployments (source, tenant, external_id, workspace_id, name, "
            "agent_id, environment_id, vault_ids, upcoming_runs_at, status, metadata, "
            "first_seen_at, last_seen_at, sync_run_id) VALUES ('s', 't', 'd', 'w', 'n', 'a', "
            "'e', '[]', '[]', 'archived', '{}', '2026-11-01', '2026-11-01', 'r')"))


def test_derived_credential_status() -> None:
    now = datetime(2026, 12, 1, tzinfo=UTC)
    oauth = VaultAuthKind.MCP_OAUTH
    assert vault_credential_status(oauth, archived_at=None, expires_at=T0, has_refresh=False,
                                   now=now) is VaultCredentialStatus.EXPIRED
    assert vault_credential_status(oauth, archived_at=None, expires_at=T0, has_refresh=True,
                                   now=now) is VaultCredentialStatus.ACTIVE
    assert vault_credential_status(VaultAuthKind.STATIC_BEARER, archived_at=None,
                                   expires_at=None, has_refresh=False,
                                   now=now) is VaultCredentialStatus.ACTIVE
    assert vault_credential_status(oauth, archived_at=T0, expires_at=None, has_refresh=False,
                                   now=now) is VaultCredentialStatus.ARCHIVED
