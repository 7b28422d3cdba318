"""NHI fixtures written through the real writers, in one sync run per call."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from tenure.model import (
    Account,
    AccountKind,
    Agent,
    AgentDeployment,
    AgentEnvironment,
    AgentTool,
    DeploymentStatus,
    EgressKind,
    FederationIssuer,
    FederationRule,
    RunStatus,
    ToolPermission,
    ToolsetKind,
    VaultAuthKind,
    VaultCredential,
    VaultCredentialStatus,
)
from tenure.services.context import App
from tenure.store import agent_rows, writers
from tests.checks.builder import ago

ROWS = {FederationIssuer: ("federation_issuer", writers.federation_issuer_row),
        FederationRule: ("federation_rule", writers.federation_rule_row)}


def write(app: App, records: Sequence[Any], *, source: str = "anthropic") -> None:
    """Upsert NHI records (rules, issuers, agents, deployments, …) in one run of ``source``
    (nothing retired: other fixtures of the source stay)."""
    now = ago(0.4)
    run_id = uuid.uuid4().hex
    by_type: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        if type(record) in ROWS:
            name, row = ROWS[type(record)]
        else:
            name = {Agent: "agent", AgentEnvironment: "agent_environment",
                    AgentDeployment: "agent_deployment",
                    VaultCredential: "vault_credential"}[type(record)]
            row = agent_rows.ROWS[type(record)]
        by_type.setdefault(name, []).append(row(record))
    with app.engine.begin() as conn:
        writers.start_run(conn, run_id=run_id, source=source, source_type="test-platform",
                          now=now)
        for name, rows in by_type.items():
            writers.upsert_snapshot(conn, writers.SNAPSHOT_TABLES[name], rows, source=source,
                                    tenant=source, run_id=run_id, now=now)
        writers.finish_run(conn, run_id=run_id, tenant=source, status=RunStatus.COMPLETE,
                           complete_types=list(by_type), stats={}, error=None, now=now)


def service_account(sid: str, *, creator: str | None = None, description: str = "",
                    status: str = "active") -> Account:
    """An Anthropic service account created a year ago."""
    return Account(external_id=sid, kind=AccountKind.SERVICE_ACCOUNT, email=None, name=sid,
                   role="developer", created_at=ago(365), status=status,
                   attributes={"description": description, "created_by_actor_id": creator})


def issuer(iid: str, *, check_jti: bool = True, failures: int = 0) -> FederationIssuer:
    """A federation issuer."""
    return FederationIssuer(external_id=iid, name=iid, issuer_url=f"https://{iid}.example",
                            check_jti=check_jti, consecutive_failures=failures,
                            created_at=ago(200))


def rule(rid: str, target: str, *, prefix: str | None = "repo:acme/app:ref:refs/heads/main",
         scope: str = "workspace:developer", all_workspaces: bool = False,
         creator: str | None = None, claims: dict[str, str] | None = None) -> FederationRule:
    """A federation rule on issuer ``fdis_1``."""
    return FederationRule(external_id=rid, name=rid, issuer_id="fdis_1",
                          target_service_account_id=target, oauth_scope=scope,
                          subject_prefix=prefix, claims=claims or {},
                          applies_to_all_workspaces=all_workspaces,
                          workspace_ids=("wrk_1",), created_at=ago(100),
                          created_by_actor_id=creator)


def tool(name: str, policy: ToolPermission = ToolPermission.ALWAYS_ASK,
         changes: bool = True) -> AgentTool:
    """A sandbox tool with its effective policy."""
    return AgentTool(ToolsetKind.AGENT_TOOLSET, name, True, str(policy), changes)


def agent(aid: str, *, tools: Sequence[AgentTool] = (), owner: str | None = None) -> Agent:
    """A managed agent (``owner`` in its metadata names its sponsor by convention)."""
    return Agent(external_id=aid, workspace_id="wrk_1", name=aid, tools=tuple(tools),
                 metadata={"owner": owner} if owner else {}, created_at=ago(50))


def environment(eid: str, egress: EgressKind = EgressKind.LIMITED) -> AgentEnvironment:
    """An agent environment."""
    return AgentEnvironment(external_id=eid, workspace_id="wrk_1", name=eid, networking=egress,
                            allowed_hosts=("api.acme.test",) if egress is EgressKind.LIMITED
                            else ())


def deployment(did: str, agent_id: str, env: str, *, vaults: Sequence[str] = (),
               status: DeploymentStatus = DeploymentStatus.ACTIVE,
               owner: str | None = None) -> AgentDeployment:
    """A scheduled deployment."""
    return AgentDeployment(external_id=did, workspace_id="wrk_1", name=did, agent_id=agent_id,
                           environment_id=env, status=status, vault_ids=tuple(vaults),
                           schedule_expression="0 * * * *", schedule_timezone="UTC",
                           last_run_at=ago(0.5), metadata={"owner": owner} if owner else {},
                           created_at=ago(40))


def credential(cid: str, vault: str, *, expired: bool = False, age_days: float = 30,
               expires: bool = True) -> VaultCredential:
    """An MCP OAuth credential (expired, or expiring in 30 days; ``expires=False``: none)."""
    return VaultCredential(
        external_id=cid, vault_id=vault, workspace_id="wrk_1",
        auth_kind=VaultAuthKind.MCP_OAUTH if expires else VaultAuthKind.STATIC_BEARER,
        status=VaultCredentialStatus.EXPIRED if expired else VaultCredentialStatus.ACTIVE,
        display_name=cid, expires_at=(ago(2) if expired else ago(-30)) if expires else None,
        created_at=ago(age_days))
