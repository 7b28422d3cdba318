"""Containment of Anthropic managed agents (vendor-apis-nhi.md §4.6).

- **Deployment**: revoke → archive it (final: no upcoming runs); reduce → pause it
  (reversible), or, with target role ``without_vaults``, take every vault away from it
  (``vault_ids: []``) so its sessions hold no secret.
- **Agent**: revoke → archive it (its deployments then fail and the vendor pauses them);
  reduce → pause each of its live deployments.
- **Vault credential**: archive it (revoke and reduce alike).

Every call is made with the credential of the object's workspace (``agent_workspaces``: its
API key, or a token federation mints for that workspace); where the source has none for it,
the step is a manual task for the object's sponsor (else the configured task owner) naming
the Console page.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tenure.actions.anthropic_nhi import AnthropicClients
from tenure.actions.plan import Call, ManualTask, Target
from tenure.actions.providers import Planned, VendorAction
from tenure.config import SourceConfig
from tenure.connectors.anthropic import agent_actions as vendor
from tenure.connectors.anthropic.agents_fetch import NoWorkspaceCredential, client_for
from tenure.connectors.anthropic.config import AnthropicConfig
from tenure.connectors.anthropic.fetch import AdminReader, HttpOptions
from tenure.connectors.http import HttpClient
from tenure.errors import TenureError
from tenure.model import NhiKind

CONSOLE_AGENTS = "Claude Console → Managed Agents"
WITHOUT_VAULTS = "without_vaults"
"""The target role of a deployment reduce that removes its vaults instead of pausing it."""


class AgentClients(AnthropicClients):
    """The source's clients at apply time, plus one per workspace (opened on first use)."""

    def __init__(self, config: AnthropicConfig, env: Mapping[str, str]) -> None:
        super().__init__(config, env)
        self._workspaces: dict[str, HttpClient] = {}

    def workspace(self, workspace_id: str) -> HttpClient:
        """The client authenticated with ``workspace_id``'s API key."""
        if workspace_id not in self._workspaces:
            entry = next((w for w in self.config.agent_workspaces
                          if w.workspace_id == workspace_id), None)
            if entry is None:
                raise TenureError(f"source {self.config.name}: no credential is configured "
                                  f"for workspace {workspace_id} (agent_workspaces)")
            org_id = ""
            if entry.federation is not None and entry.federation.organization_id is None:
                org_id = str(AdminReader(self.admin, 1, 1).organization()["id"])
            opened: list[HttpClient] = []
            try:
                client = client_for(self.config, entry, self.env, HttpOptions(),
                                    organization_id=org_id, opened=opened)
            except NoWorkspaceCredential as exc:
                raise TenureError(f"source {self.config.name}, workspace {workspace_id}: "
                                  f"{exc}") from None
            finally:
                for one in opened:
                    self._stack.callback(one.close)
            self._workspaces[workspace_id] = client
        return self._workspaces[workspace_id]


@dataclass(frozen=True, slots=True)
class OnWorkspace:
    """An action run with the API key of its object's workspace."""

    action: Any
    workspace_id: str

    @property
    def kind(self) -> str:
        """The wrapped action's name."""
        return str(self.action.kind)

    def call(self) -> Any:
        """The wrapped action's vendor call."""
        return self.action.call()

    def _client(self, client: Any) -> Any:
        if isinstance(client, AgentClients):
            return client.workspace(self.workspace_id)
        return client  # a bare workspace client handed in directly (tests)

    def execute(self, client: Any) -> Any:
        """Run the action on the workspace's client."""
        return self.action.execute(self._client(client))

    def verify(self, client: Any) -> bool:
        """Verify on the workspace's client."""
        return bool(self.action.verify(self._client(client)))


def _configured(source: SourceConfig | None, workspace_id: str) -> bool:
    return isinstance(source, AnthropicConfig) and any(
        w.workspace_id == workspace_id for w in source.agent_workspaces)


def _planned(action: Any, args: dict[str, Any], workspace_id: str) -> Planned:
    call = action.call()
    return Planned(action.kind, {**args, "workspace_id": workspace_id},
                   Call(call.method, call.path, call.body))


def _manual(what: str, page: str, state: Mapping[str, Any], source: SourceConfig | None,
            owner: str, due: str) -> Planned:
    ws = str(state.get("workspace_id") or "?")
    name = source.name if source is not None else "this source"
    sponsor = state.get("sponsor")
    who = f" Accountable: {sponsor}." if sponsor else " No sponsor is recorded for it."
    why = (f"{what} in {CONSOLE_AGENTS} → {page} (workspace {ws}): Tenure has no credential "
           f"for that workspace in {name} (agent_workspaces), so it cannot do this through the "
           f"API.{who}")
    return Planned("manual", {}, None, ManualTask(owner=str(sponsor or owner), due=due,
                                                  why=why))


def _chain(steps: list[Planned]) -> Planned:
    first, *rest = steps
    return Planned(first.action, first.args, first.call, first.manual, then=tuple(rest))


def plan_agent_target(target: Target, state: Mapping[str, Any], *,
                      source: SourceConfig | None, task_owner: str,
                      task_due: str) -> Planned | None:
    """The steps for a managed-agent target, or None when ``target`` is not one."""
    ws = str(state.get("workspace_id") or "")
    can = _configured(source, ws)
    subject = target.subject_id
    name = str(state.get("name") or subject)

    def manual(what: str, page: str) -> Planned:
        return _manual(what, page, state, source, task_owner, task_due)

    if target.kind == str(NhiKind.DEPLOYMENT):
        if target.operation == "reduce" and target.target_role == WITHOUT_VAULTS:
            if not can:
                return manual(f"remove every vault from deployment {name} ({subject})",
                              "Deployments")
            return _planned(vendor.RemoveDeploymentVaults(subject),
                            {"deployment_id": subject, "vault_ids": state.get("vault_ids", []),
                             "why": "vault_ids is a full replacement: its sessions then hold "
                                    "no secret"}, ws)
        if target.operation == "reduce":
            if not can:
                return manual(f"pause deployment {name} ({subject})", "Deployments")
            return _planned(vendor.PauseDeployment(subject),
                            {"deployment_id": subject, "reversible": True}, ws)
        if not can:
            return manual(f"archive deployment {name} ({subject})", "Deployments")
        return _planned(vendor.ArchiveDeployment(subject),
                        {"deployment_id": subject, "reversible": False,
                         "why": "stops it for good: no upcoming runs"}, ws)
    if target.kind == str(NhiKind.AGENT):
        if target.operation == "reduce":
            live = [str(d) for d in state.get("live_deployments", [])]
            if not live:
                return Planned("manual", {}, None, ManualTask(
                    owner=str(state.get("sponsor") or task_owner), due=task_due,
                    why=f"agent {name} ({subject}) has no active deployment to pause; "
                        "archive it to disable it everywhere"))
            if not can:
                return manual(f"pause the deployments of agent {name} ({', '.join(live)})",
                              "Deployments")
            return _chain([_planned(vendor.PauseDeployment(d),
                                    {"deployment_id": d, "agent_id": subject,
                                     "reversible": True}, ws) for d in live])
        if not can:
            return manual(f"archive agent {name} ({subject})", "Agents")
        return _planned(vendor.ArchiveAgent(subject),
                        {"agent_id": subject, "reversible": False,
                         "why": "its deployments then fail with agent_archived_error and "
                                "are paused by the platform"}, ws)
    if target.kind == str(NhiKind.VAULT_CREDENTIAL):
        vault_id = str(state.get("vault_id") or "")
        if not can:
            return manual(f"archive credential {name} ({subject}) of vault {vault_id}",
                          "Vaults")
        return _planned(vendor.ArchiveVaultCredential(vault_id, subject),
                        {"vault_id": vault_id, "credential_id": subject,
                         "reversible": False}, ws)
    return None


def agent_action(name: str, args: Mapping[str, Any]) -> VendorAction | None:
    """Rebuild a managed-agent action from a plan step (None when ``name`` is not one)."""
    builders: dict[str, Any] = {
        "anthropic.pause_deployment": lambda: vendor.PauseDeployment(
            str(args["deployment_id"])),
        "anthropic.archive_deployment": lambda: vendor.ArchiveDeployment(
            str(args["deployment_id"])),
        "anthropic.remove_deployment_vaults": lambda: vendor.RemoveDeploymentVaults(
            str(args["deployment_id"])),
        "anthropic.archive_agent": lambda: vendor.ArchiveAgent(str(args["agent_id"])),
        "anthropic.archive_vault_credential": lambda: vendor.ArchiveVaultCredential(
            str(args["vault_id"]), str(args["credential_id"])),
    }
    if name not in builders:
        return None
    action: VendorAction = OnWorkspace(builders[name](), str(args["workspace_id"]))
    return action
