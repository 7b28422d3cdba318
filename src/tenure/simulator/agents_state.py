"""The managed-agent plane of the simulated organization (vendor-apis-nhi.md §4), from the
contract: agents, environments, deployments and their runs, vaults and credentials, each in one
workspace, each reachable only with that workspace's API key.

Loaded from the scenario's ``managed_agents`` document (``managed_agents.json`` next to
``scenario.json``, or a ``managed_agents`` key in a hand-written file; see
``agents_population`` for the builder the generator uses). Times are offsets in seconds from
the scenario anchor, like every other scenario time. Mutations follow the vendor's rules:
archiving a vault, agent or environment auto-pauses every live deployment that references it
with the matching ``paused_reason.error.type`` (the platform does so at the next scheduled
run; the simulator does it at once), archiving a deployment empties its ``upcoming_runs_at``.
No object carries an owner or creator: the vendor has none.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tenure.simulator.ids import random_id
from tenure.simulator.state import ApiError, invalid


def _not_found(what: str) -> ApiError:
    return ApiError(404, "not_found_error", f"The requested {what} could not be found.")


@dataclass(slots=True)
class SimAgent:
    """An agent: its vendor-shaped definition and its dates."""

    id: str
    workspace_id: str
    name: str
    body: dict[str, Any]
    """``description``, ``system``, ``model``, ``tools``, ``mcp_servers``, ``skills``,
    ``multiagent`` exactly as served."""
    metadata: dict[str, str]
    created_at: float
    updated_at: float
    version: int = 1
    archived_at: float | None = None


@dataclass(slots=True)
class SimEnvironment:
    """An environment and its ``config`` (cloud networking or self-hosted)."""

    id: str
    workspace_id: str
    name: str
    config: dict[str, Any]
    metadata: dict[str, str]
    created_at: float
    updated_at: float
    description: str = ""
    scope: str | None = "organization"
    archived_at: float | None = None


@dataclass(slots=True)
class SimDeployment:
    """A deployment: pinned agent, environment, vaults, schedule and status."""

    id: str
    workspace_id: str
    name: str
    agent_id: str
    agent_version: int
    environment_id: str
    vault_ids: list[str]
    metadata: dict[str, str]
    created_at: float
    updated_at: float
    schedule: dict[str, Any] | None = None
    """``{expression, timezone}`` (a 5-field cron), or None for an unscheduled deployment."""
    status: str = "active"
    paused_reason: dict[str, Any] | None = None
    description: str | None = None
    initial_events: list[dict[str, Any]] = field(default_factory=list)
    archived_at: float | None = None


@dataclass(slots=True)
class SimRun:
    """A deployment run: one session created, or the error that prevented it."""

    id: str
    deployment_id: str
    workspace_id: str
    agent_id: str
    agent_version: int
    created_at: float
    trigger: str = "schedule"
    error: dict[str, str] | None = None
    session_id: str | None = None


@dataclass(slots=True)
class SimVault:
    """A vault."""

    id: str
    workspace_id: str
    display_name: str
    metadata: dict[str, str]
    created_at: float
    updated_at: float
    archived_at: float | None = None


@dataclass(slots=True)
class SimCredential:
    """A vault credential; ``auth`` holds the response fields only (never a secret)."""

    id: str
    vault_id: str
    workspace_id: str
    auth: dict[str, Any]
    metadata: dict[str, str]
    created_at: float
    updated_at: float
    display_name: str | None = None
    expires_at: float | None = None
    """``auth.expires_at`` of an ``mcp_oauth`` credential (an offset, served as RFC 3339)."""
    archived_at: float | None = None


class AgentsState:
    """Every managed-agent object of the organization, guarded by one lock."""

    def __init__(self, doc: dict[str, Any] | None, clock: Callable[[], float],
                 seed: str = "agents") -> None:
        doc = doc or {}
        self.lock = threading.RLock()
        self.clock = clock
        self._rng = random.Random(seed)
        self.keys: dict[str, str] = dict(doc.get("workspace_keys", {}))
        """Workspace API key → the workspace it is bound to."""
        self.agents = {a.id: a for a in (_agent(x) for x in doc.get("agents", []))}
        self.environments = {e.id: e for e in (_environment(x)
                                              for x in doc.get("environments", []))}
        self.deployments = {d.id: d for d in (_deployment(x)
                                             for x in doc.get("deployments", []))}
        self.runs = {r.id: r for r in (_run(x) for x in doc.get("runs", []))}
        self.vaults = {v.id: v for v in (_vault(x) for x in doc.get("vaults", []))}
        self.credentials = {c.id: c for c in (_credential(x)
                                             for x in doc.get("credentials", []))}
        self.admin_key: str | None = None
        """The organization's Admin key (refused here with 403, not 401)."""
        self.validations: list[str] = []
        """Credential ids ``mcp_oauth_validate`` was called for (a sync must never call it)."""

    def workspace_keys(self) -> dict[str, str]:
        """Workspace id → its API key (what a test or ``tenure demo`` configures)."""
        return {ws: key for key, ws in self.keys.items()}

    def new_id(self, prefix: str) -> str:
        """A fresh vendor-looking id."""
        return random_id(self._rng, prefix)

    # -- lookups (workspace-scoped: another workspace's object is not found) ---------------
    def agent(self, workspace: str, ident: str) -> SimAgent:
        """An agent of ``workspace`` or 404."""
        found = self.agents.get(ident)
        if found is None or found.workspace_id != workspace:
            raise _not_found("agent")
        return found

    def environment(self, workspace: str, ident: str) -> SimEnvironment:
        """An environment of ``workspace`` or 404."""
        found = self.environments.get(ident)
        if found is None or found.workspace_id != workspace:
            raise _not_found("environment")
        return found

    def deployment(self, workspace: str, ident: str) -> SimDeployment:
        """A deployment of ``workspace`` or 404."""
        found = self.deployments.get(ident)
        if found is None or found.workspace_id != workspace:
            raise _not_found("deployment")
        return found

    def run(self, workspace: str, ident: str) -> SimRun:
        """A deployment run of ``workspace`` or 404."""
        found = self.runs.get(ident)
        if found is None or found.workspace_id != workspace:
            raise _not_found("deployment run")
        return found

    def vault(self, workspace: str, ident: str) -> SimVault:
        """A vault of ``workspace`` or 404."""
        found = self.vaults.get(ident)
        if found is None or found.workspace_id != workspace:
            raise _not_found("vault")
        return found

    def credential(self, workspace: str, vault_id: str, ident: str) -> SimCredential:
        """A credential of one vault of ``workspace`` or 404."""
        self.vault(workspace, vault_id)
        found = self.credentials.get(ident)
        if found is None or found.vault_id != vault_id:
            raise _not_found("credential")
        return found

    # -- auto-pause ------------------------------------------------------------------------
    def _auto_pause(self, error_type: str, test: Callable[[SimDeployment], bool]) -> None:
        now = self.clock()
        for dep in self.deployments.values():
            if dep.archived_at is None and dep.status == "active" and test(dep):
                dep.status = "paused"
                dep.paused_reason = {"type": "error", "error": {"type": error_type}}
                dep.updated_at = now

    # -- agents ----------------------------------------------------------------------------
    def archive_agent(self, workspace: str, ident: str) -> SimAgent:
        """Archive an agent (idempotent); deployments of it pause with
        ``agent_archived_error``."""
        with self.lock:
            agent = self.agent(workspace, ident)
            if agent.archived_at is None:
                agent.archived_at = agent.updated_at = self.clock()
                self._auto_pause("agent_archived_error", lambda d: d.agent_id == ident)
            return agent

    # -- environments ----------------------------------------------------------------------
    def archive_environment(self, workspace: str, ident: str) -> SimEnvironment:
        """Archive an environment (idempotent); its deployments pause with
        ``environment_archived_error``."""
        with self.lock:
            env = self.environment(workspace, ident)
            if env.archived_at is None:
                env.archived_at = env.updated_at = self.clock()
                self._auto_pause("environment_archived_error",
                                 lambda d: d.environment_id == ident)
            return env

    def delete_environment(self, workspace: str, ident: str) -> None:
        """Delete an environment; its deployments pause with ``environment_not_found_error``."""
        with self.lock:
            self.environment(workspace, ident)
            del self.environments[ident]
            self._auto_pause("environment_not_found_error", lambda d: d.environment_id == ident)

    def update_environment(self, workspace: str, ident: str, body: dict[str, Any]
                           ) -> SimEnvironment:
        """Change name, description, config (whole) or metadata (null/"" deletes a key)."""
        with self.lock:
            env = self.environment(workspace, ident)
            if env.archived_at is not None:
                raise invalid("This environment is archived and cannot be modified.")
            if "config" in body:
                config = body["config"]
                if not isinstance(config, dict) or config.get("type") not in ("cloud",
                                                                             "self_hosted"):
                    raise invalid("config: expected a cloud or self_hosted config")
                env.config = config
            if isinstance(body.get("name"), str):
                env.name = body["name"]
            if isinstance(body.get("description"), str):
                env.description = body["description"]
            _merge_metadata(env.metadata, body.get("metadata"))
            env.updated_at = self.clock()
            return env

    # -- deployments -----------------------------------------------------------------------
    def pause(self, workspace: str, ident: str) -> SimDeployment:
        """Pause (``paused_reason: {type: manual}``); pausing a paused deployment returns it."""
        with self.lock:
            dep = self._live_deployment(workspace, ident)
            if dep.status != "paused":
                dep.status, dep.paused_reason = "paused", {"type": "manual"}
                dep.updated_at = self.clock()
            return dep

    def unpause(self, workspace: str, ident: str) -> SimDeployment:
        """Resume a paused deployment."""
        with self.lock:
            dep = self._live_deployment(workspace, ident)
            if dep.status != "active":
                dep.status, dep.paused_reason = "active", None
                dep.updated_at = self.clock()
            return dep

    def archive_deployment(self, workspace: str, ident: str) -> SimDeployment:
        """Archive for good (idempotent): no upcoming runs any more."""
        with self.lock:
            dep = self.deployment(workspace, ident)
            if dep.archived_at is None:
                dep.archived_at = dep.updated_at = self.clock()
            return dep

    def update_deployment(self, workspace: str, ident: str, body: dict[str, Any]
                          ) -> SimDeployment:
        """Update ``vault_ids`` (full replacement), name, description, metadata, schedule."""
        with self.lock:
            dep = self._live_deployment(workspace, ident)
            for name in ("agent", "environment_id", "name"):
                if name in body and body[name] in (None, ""):
                    raise invalid(f"{name}: cannot be cleared")
            if "vault_ids" in body:
                ids = body["vault_ids"]
                if not isinstance(ids, list) or not all(isinstance(v, str) for v in ids):
                    raise invalid("vault_ids: expected a list of vault ids")
                if len(ids) > 50:
                    raise invalid("vault_ids: at most 50 vaults")
                for vault_id in ids:
                    vault = self.vaults.get(vault_id)
                    if vault is None or vault.workspace_id != workspace:
                        raise invalid(f"vault_ids: vault {vault_id!r} not found")
                    if vault.archived_at is not None:
                        raise invalid(f"vault_ids: vault {vault_id!r} is archived")
                dep.vault_ids = list(ids)
            if isinstance(body.get("name"), str):
                dep.name = body["name"]
            if "description" in body:
                dep.description = body["description"]
            if "schedule" in body:
                dep.schedule = body["schedule"]
            _merge_metadata(dep.metadata, body.get("metadata"))
            dep.updated_at = self.clock()
            return dep

    def run_now(self, workspace: str, ident: str) -> SimRun:
        """``POST /deployments/{id}/run``: a manual run (an error run when it cannot start)."""
        with self.lock:
            dep = self._live_deployment(workspace, ident)
            error = self._blocker(dep)
            run = SimRun(self.new_id("drun"), dep.id, workspace, dep.agent_id,
                         dep.agent_version, self.clock(), "manual",
                         {"type": error, "message": f"The deployment cannot run: {error}."}
                         if error else None, None if error else self.new_id("sesn"))
            self.runs[run.id] = run
            return run

    def _blocker(self, dep: SimDeployment) -> str | None:
        agent = self.agents.get(dep.agent_id)
        if agent is None or agent.archived_at is not None:
            return "agent_archived_error"
        env = self.environments.get(dep.environment_id)
        if env is None:
            return "environment_not_found_error"
        if env.archived_at is not None:
            return "environment_archived_error"
        for vault_id in dep.vault_ids:
            vault = self.vaults.get(vault_id)
            if vault is None:
                return "vault_not_found_error"
            if vault.archived_at is not None:
                return "vault_archived_error"
        return None

    def _live_deployment(self, workspace: str, ident: str) -> SimDeployment:
        dep = self.deployment(workspace, ident)
        if dep.archived_at is not None:
            raise invalid("This deployment is archived and cannot be modified.")
        return dep

    # -- vaults and credentials ------------------------------------------------------------
    def archive_vault(self, workspace: str, ident: str) -> SimVault:
        """Archive a vault (idempotent); deployments using it pause with
        ``vault_archived_error``."""
        with self.lock:
            vault = self.vault(workspace, ident)
            if vault.archived_at is None:
                vault.archived_at = vault.updated_at = self.clock()
                self._auto_pause("vault_archived_error", lambda d: ident in d.vault_ids)
            return vault

    def delete_vault(self, workspace: str, ident: str) -> None:
        """Delete a vault and its credentials; deployments using it pause with
        ``vault_not_found_error``."""
        with self.lock:
            self.vault(workspace, ident)
            del self.vaults[ident]
            for cred in [c for c in self.credentials.values() if c.vault_id == ident]:
                del self.credentials[cred.id]
            self._auto_pause("vault_not_found_error", lambda d: ident in d.vault_ids)

    def archive_credential(self, workspace: str, vault_id: str, ident: str) -> SimCredential:
        """Archive a credential (idempotent)."""
        with self.lock:
            cred = self.credential(workspace, vault_id, ident)
            if cred.archived_at is None:
                cred.archived_at = cred.updated_at = self.clock()
            return cred

    def delete_credential(self, workspace: str, vault_id: str, ident: str) -> None:
        """Delete a credential."""
        with self.lock:
            self.credential(workspace, vault_id, ident)
            del self.credentials[ident]


def _merge_metadata(target: dict[str, str], change: Any) -> None:
    if change is None:
        return
    if not isinstance(change, dict):
        raise invalid("metadata: expected an object")
    for key, value in change.items():
        if value in (None, ""):
            target.pop(key, None)
        else:
            target[str(key)] = str(value)


# -- loading the scenario document -----------------------------------------------------------
def _t(value: Any) -> float:
    return float(value)


def _ot(value: Any) -> float | None:
    return None if value is None else float(value)


def _agent(x: dict[str, Any]) -> SimAgent:
    names = ("description", "system", "model", "tools", "mcp_servers", "skills", "multiagent")
    body: dict[str, Any] = {k: x[k] for k in names if k in x}
    body.setdefault("tools", [])
    body.setdefault("mcp_servers", [])
    body.setdefault("skills", [])
    return SimAgent(x["id"], x["workspace_id"], x["name"], body, dict(x.get("metadata", {})),
                    _t(x["created_at"]), _t(x.get("updated_at", x["created_at"])),
                    int(x.get("version", 1)), _ot(x.get("archived_at")))


def _environment(x: dict[str, Any]) -> SimEnvironment:
    return SimEnvironment(x["id"], x["workspace_id"], x["name"], dict(x["config"]),
                          dict(x.get("metadata", {})), _t(x["created_at"]),
                          _t(x.get("updated_at", x["created_at"])), x.get("description", ""),
                          x.get("scope", "organization"), _ot(x.get("archived_at")))


def _deployment(x: dict[str, Any]) -> SimDeployment:
    return SimDeployment(x["id"], x["workspace_id"], x["name"], x["agent_id"],
                         int(x.get("agent_version", 1)), x["environment_id"],
                         list(x.get("vault_ids", [])), dict(x.get("metadata", {})),
                         _t(x["created_at"]), _t(x.get("updated_at", x["created_at"])),
                         x.get("schedule"), x.get("status", "active"), x.get("paused_reason"),
                         x.get("description"), list(x.get("initial_events", [])),
                         _ot(x.get("archived_at")))


def _run(x: dict[str, Any]) -> SimRun:
    return SimRun(x["id"], x["deployment_id"], x["workspace_id"], x["agent_id"],
                  int(x.get("agent_version", 1)), _t(x["created_at"]),
                  x.get("trigger", "schedule"), x.get("error"), x.get("session_id"))


def _vault(x: dict[str, Any]) -> SimVault:
    return SimVault(x["id"], x["workspace_id"], x["display_name"], dict(x.get("metadata", {})),
                    _t(x["created_at"]), _t(x.get("updated_at", x["created_at"])),
                    _ot(x.get("archived_at")))


def _credential(x: dict[str, Any]) -> SimCredential:
    return SimCredential(x["id"], x["vault_id"], x["workspace_id"], dict(x["auth"]),
                         dict(x.get("metadata", {})), _t(x["created_at"]),
                         _t(x.get("updated_at", x["created_at"])), x.get("display_name"),
                         _ot(x.get("expires_at")), _ot(x.get("archived_at")))
