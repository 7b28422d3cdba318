"""Managed-agent transforms from recorded pages in every documented shape
(tests/data/anthropic/agents): SDK shapes, CART's flattened ones, optional fields absent,
unknown fields present, unknown shapes kept with a note."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tenure.connectors.anthropic import agents, deployments, vaults
from tenure.connectors.anthropic.agent_shapes import Notes
from tenure.connectors.base import UnusableRecord
from tenure.model import (
    DeploymentStatus,
    EgressKind,
    ToolPermission,
    ToolsetKind,
    VaultAuthKind,
    VaultCredentialStatus,
)

DATA = Path(__file__).parent.parent / "data" / "anthropic" / "agents"
WS = "wrkspc_01Prod"
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def page(name: str) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads((DATA / f"{name}.json").read_text())["data"]
    return data


def tools_of(obj: dict[str, Any], notes: Notes | None = None) -> dict[tuple[str, str], Any]:
    agent = agents.agent(obj, WS, notes if notes is not None else Notes())
    return {(str(t.toolset), t.name): t for t in agent.tools}


def test_sdk_agent_effective_policies() -> None:
    obj = page("agents")[0]
    notes = Notes()
    agent = agents.agent(obj, WS, notes)
    assert (agent.external_id, agent.workspace_id, agent.version) == (obj["id"], WS, 4)
    assert agent.model == "claude-opus-4-8"
    assert agent.metadata == {"owner": "ana@acme.test", "team": "release"}
    assert agent.mcp_servers == ({"name": "github", "type": "url",
                                  "url": "https://api.githubcopilot.com/mcp/"},)
    assert agent.skills == ({"type": "anthropic", "skill_id": "xlsx", "version": "latest"},)
    tools = {(str(t.toolset), t.name): t for t in agent.tools}
    bash = tools[("agent_toolset", "bash")]
    assert (bash.permission_policy, bash.enabled, bash.changes_things) == (
        ToolPermission.ALWAYS_ALLOW, True, True)
    # Not in configs[]: the toolset's default_config applies.
    write = tools[("agent_toolset", "write")]
    assert (write.permission_policy, write.changes_things) == (ToolPermission.ALWAYS_ASK, True)
    assert tools[("agent_toolset", "read")].changes_things is False
    assert tools[("agent_toolset", "web_search")].enabled is False
    # MCP: named tools judged by name, every other tool of the server as '*' (changes things).
    assert tools[("mcp_toolset", "get_issue")].changes_things is False
    pr = tools[("mcp_toolset", "create_pull_request")]
    assert (pr.permission_policy, pr.changes_things, pr.mcp_server_name) == (
        ToolPermission.ALWAYS_ALLOW, True, "github")
    assert tools[("mcp_toolset", "*")].permission_policy == ToolPermission.ALWAYS_ASK
    custom = tools[("custom", "deploy_to_prod")]
    assert (custom.permission_policy, custom.changes_things) == (None, True)
    assert not notes


def test_defaults_when_configs_are_absent() -> None:
    tools = tools_of(page("agents")[1])
    assert agents.agent(page("agents")[1], WS, Notes()).model == "claude-sonnet-4-6"
    # Agent toolset default: enabled, always_allow; MCP toolset default: always_ask.
    assert tools[("agent_toolset", "bash")].permission_policy == ToolPermission.ALWAYS_ALLOW
    assert tools[("agent_toolset", "bash")].enabled is True
    assert len([k for k in tools if k[0] == "agent_toolset"]) == len(agents.AGENT_TOOLS)
    mcp = tools[("mcp_toolset", "*")]
    assert (mcp.permission_policy, mcp.mcp_server_name) == (ToolPermission.ALWAYS_ASK,
                                                              "linear")


def test_cart_flattened_tools_and_string_effort() -> None:
    obj = page("agents")[2]
    agent = agents.agent(obj, WS, Notes())
    assert agent.model == "claude-opus-4-7"
    assert agent.archived_at == datetime(2026, 11, 1, tzinfo=UTC)
    tools = {t.name: t for t in agent.tools}
    assert tools["bash"].permission_policy == ToolPermission.ALWAYS_ALLOW
    assert tools["bash"].toolset is ToolsetKind.AGENT_TOOLSET
    assert tools["read"].permission_policy == ToolPermission.ALWAYS_ASK


def test_unknown_tool_shapes_are_kept_with_a_note_not_guessed() -> None:
    notes = Notes()
    tools = tools_of(page("agents")[3], notes)
    unknown = tools[("unknown", "computer_use_20270101")]
    assert (unknown.enabled, unknown.permission_policy, unknown.changes_things) == (
        None, None, None)
    assert tools[("agent_toolset", "bash")].permission_policy == "auto"  # vendor's own word
    assert any("computer_use_20270101" in n for n in notes)
    assert any("permission_policy" in n for n in notes)


def test_an_agent_without_id_is_unusable() -> None:
    with pytest.raises(UnusableRecord):
        agents.agent(page("agents")[4], WS, Notes())


@pytest.mark.parametrize(("name", "start"), [("get_issue", False), ("listRepos", False),
                                             ("search-code", False), ("create_issue", True),
                                             ("merge", True), ("getaway_car", True)])
def test_mcp_read_only_names(name: str, start: bool) -> None:
    assert agents.mcp_tool_changes_things(name) is start


def test_environments_every_networking_shape() -> None:
    notes = Notes()
    envs = {e.external_id: e for e in (agents.environment(o, WS, notes)
                                       for o in page("environments"))}
    assert envs["env_01Open00000000000000000001"].networking is EgressKind.UNRESTRICTED
    limited = envs["env_02Limited000000000000000002"]
    assert (limited.networking, limited.allowed_hosts, limited.allow_mcp_servers,
            limited.allow_package_managers) == (EgressKind.LIMITED,
                                                ("api.github.com", "*.acme.test"), True, False)
    assert envs["env_03Bare00000000000000000003"].networking is EgressKind.UNRESTRICTED
    on_prem = envs["env_04Self00000000000000000004"]
    assert (on_prem.networking, on_prem.scope) == (EgressKind.SELF_HOSTED, "account")
    assert envs["env_05Odd000000000000000000005"].networking is EgressKind.UNKNOWN
    assert len(notes) == 1
    assert "proxy_only" in notes[0]


def test_deployments_schedule_pause_reason_and_last_run() -> None:
    items = page("deployments")
    newest = deployments.newest_run(page("runs"))
    assert newest is not None
    assert newest.error_type == "vault_archived_error"
    by_id = {"depl_02Paused000000000000000002": newest}
    notes = Notes()
    sched = deployments.listed_deployment(items[0], WS, by_id, notes)
    assert (sched.agent_id, sched.agent_version, sched.vault_ids) == (
        "agent_01SdkShape00000000000001", 4, ("vlt_01Prod000000000000000000001",))
    assert (sched.schedule_expression, sched.schedule_timezone) == ("0 2 * * *",
                                                                    "Europe/Paris")
    assert sched.last_run_at == datetime(2026, 11, 24, 1, tzinfo=UTC)  # schedule.last_run_at
    assert sched.upcoming_runs_at == (datetime(2026, 11, 26, 1, tzinfo=UTC),
                                      datetime(2026, 11, 27, 1, tzinfo=UTC))
    assert sched.status is DeploymentStatus.ACTIVE
    assert sched.metadata == {"owner": "ana@acme.test"}
    paused = deployments.listed_deployment(items[1], WS, by_id, notes)
    assert paused.agent_id == "agent_02Defaults00000000000002"  # agent as a bare id string
    assert (paused.status, paused.paused_reason_type, paused.paused_error_type) == (
        DeploymentStatus.PAUSED, "error", "vault_archived_error")
    # Unscheduled: the newest run read is the last run, its error the last run error.
    assert paused.last_run_at == datetime(2026, 11, 23, tzinfo=UTC)
    assert paused.last_run_error == "vault_archived_error"
    manual = deployments.listed_deployment(items[2], WS, by_id, notes)
    assert (manual.paused_reason_type, manual.paused_error_type) == ("manual", None)
    assert manual.archived_at == datetime(2026, 11, 2, tzinfo=UTC)
    assert manual.last_run_at is None
    assert not notes
    for broken in items[3:]:
        with pytest.raises(UnusableRecord):
            deployments.listed_deployment(broken, WS, by_id, notes)


def test_credentials_metadata_only_and_derived_status() -> None:
    notes = Notes()
    creds = {c.external_id: c for c in (vaults.credential(o, "vlt_x", WS, NOW, notes)
                                        for o in page("credentials"))}
    expired = creds["vcrd_01Expired0000000000000001"]
    assert (expired.auth_kind, expired.status, expired.has_refresh) == (
        VaultAuthKind.MCP_OAUTH, VaultCredentialStatus.EXPIRED, False)
    assert expired.vault_id == "vlt_01Prod000000000000000000001"  # the object's own vault_id
    refreshable = creds["vcrd_02Refresh0000000000000002"]
    assert (refreshable.status, refreshable.has_refresh) == (VaultCredentialStatus.ACTIVE, True)
    bearer = creds["vcrd_03Bearer00000000000000003"]
    assert (bearer.auth_kind, bearer.status, bearer.expires_at) == (
        VaultAuthKind.STATIC_BEARER, VaultCredentialStatus.ACTIVE, None)
    env = creds["vcrd_04EnvVar00000000000000004"]
    assert (env.secret_name, env.networking, env.allowed_hosts) == (
        "STRIPE_KEY", EgressKind.LIMITED, ("api.stripe.com",))
    archived = creds["vcrd_05Archived000000000000005"]
    assert (archived.status, archived.networking) == (VaultCredentialStatus.ARCHIVED,
                                                      EgressKind.UNRESTRICTED)
    assert creds["vcrd_06Future00000000000000006"].auth_kind is VaultAuthKind.UNKNOWN
    assert any("aws_role" in n for n in notes)
    # No record field holds any of the write-only values the page carried.
    text = repr(list(creds.values()))
    assert "LEAKED" not in text


def test_vaults() -> None:
    vault = vaults.vault(page("vaults")[1], WS)
    assert (vault.display_name, vault.archived_at) == ("Old", datetime(2026, 6, 1, tzinfo=UTC))
    assert vaults.vault(page("vaults")[0], WS).metadata == {"team": "ops"}
