"""Builder of the managed-agent plane a scenario serves (``managed_agents.json``), and the
standard population with its planted problems.

The generator calls :func:`populate`; tests and other generators can build their own plane
with :class:`AgentPlanter` (every method returns the new object's id). Times are offsets in
seconds from the scenario anchor (negative = before). Ownership follows a metadata
convention: an agent's ``metadata["owner"]`` names the accountable person's email (the vendor
has no owner field; Tenure's sponsors read the convention). The returned planted entries say
which object should be found by which check.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from typing import Any

from tenure.simulator.ids import b58, random_id

DAY = 86400
OWNER_KEY = "owner"
"""The metadata key the population uses to name an agent's accountable person."""

SUPERVISED_TOOLS: list[dict[str, Any]] = [
    {"type": "agent_toolset_20260401",
     "default_config": {"enabled": True, "permission_policy": {"type": "always_ask"}},
     "configs": [{"name": "read", "enabled": True,
                  "permission_policy": {"type": "always_allow"}},
                 {"name": "grep", "enabled": True,
                  "permission_policy": {"type": "always_allow"}}]},
]
"""Sandbox tools that ask before changing anything (reads run freely)."""
UNSUPERVISED_TOOLS: list[dict[str, Any]] = [
    {"type": "agent_toolset_20260401"},  # default: every tool enabled, always_allow
    {"type": "mcp_toolset", "mcp_server_name": "github",
     "default_config": {"permission_policy": {"type": "always_allow"}}},
]
"""bash, write and edit with no confirmation, plus a GitHub MCP server on always_allow."""


def workspace_key(workspace_id: str, seed: int | str = 0) -> str:
    """The simulated standard API key bound to ``workspace_id`` (deterministic)."""
    digest = int.from_bytes(hashlib.sha256(f"{seed}:{workspace_id}".encode()).digest()[:24],
                            "big")
    return f"sk-ant-api03-sim-{b58(digest, 32)}-AA"


class AgentPlanter:
    """Accumulates a ``managed_agents`` document."""

    def __init__(self, seed: int | str = 0) -> None:
        self.seed = seed
        self._rng = random.Random(f"agents:{seed}")
        self.doc: dict[str, Any] = {"workspace_keys": {}, "agents": [], "environments": [],
                                    "deployments": [], "runs": [], "vaults": [],
                                    "credentials": []}

    def _id(self, prefix: str) -> str:
        return random_id(self._rng, prefix)

    def key(self, workspace_id: str) -> str:
        """Bind a standard API key to ``workspace_id`` (and return it)."""
        key = workspace_key(workspace_id, self.seed)
        self.doc["workspace_keys"][key] = workspace_id
        return key

    def environment(self, workspace_id: str, name: str, *, networking: str = "limited",
                    allowed_hosts: Sequence[str] = ("api.github.com",),
                    created_at: float = -90 * DAY, archived_at: float | None = None) -> str:
        """An environment: ``networking`` is ``limited``, ``unrestricted`` or
        ``self_hosted``."""
        if networking == "self_hosted":
            config: dict[str, Any] = {"type": "self_hosted"}
        elif networking == "unrestricted":
            config = {"type": "cloud", "networking": {"type": "unrestricted"},
                      "packages": {"pip": [], "npm": []}}
        else:
            config = {"type": "cloud", "packages": {"pip": ["requests"]},
                      "networking": {"type": "limited", "allowed_hosts": list(allowed_hosts),
                                     "allow_mcp_servers": True,
                                     "allow_package_managers": False}}
        ident = self._id("env")
        self.doc["environments"].append({
            "id": ident, "workspace_id": workspace_id, "name": name, "config": config,
            "description": "", "scope": "organization", "metadata": {},
            "created_at": created_at, "archived_at": archived_at})
        return ident

    def agent(self, workspace_id: str, name: str, *, tools: list[dict[str, Any]] | None = None,
              owner: str | None = None, created_at: float = -60 * DAY,
              archived_at: float | None = None, version: int = 1) -> str:
        """An agent; ``owner`` goes into ``metadata["owner"]`` (None: no owner named)."""
        ident = self._id("agent")
        tool_list = SUPERVISED_TOOLS if tools is None else tools
        servers = [{"name": "github", "type": "url", "url": "https://api.githubcopilot.com/mcp/"}
                   ] if any(t.get("type") == "mcp_toolset" for t in tool_list) else []
        self.doc["agents"].append({
            "id": ident, "workspace_id": workspace_id, "name": name,
            "description": f"{name} (simulated)", "system": "You are a careful assistant.",
            "model": {"id": "claude-opus-4-8", "speed": "standard"}, "tools": tool_list,
            "mcp_servers": servers, "skills": [],
            "metadata": {OWNER_KEY: owner} if owner else {}, "version": version,
            "created_at": created_at, "updated_at": created_at + DAY,
            "archived_at": archived_at})
        return ident

    def vault(self, workspace_id: str, name: str, *, created_at: float = -60 * DAY) -> str:
        """A vault."""
        ident = self._id("vlt")
        self.doc["vaults"].append({"id": ident, "workspace_id": workspace_id,
                                   "display_name": name, "metadata": {},
                                   "created_at": created_at})
        return ident

    def credential(self, vault_id: str, *, kind: str = "mcp_oauth", name: str = "",
                   expires_at: float | None = 30 * DAY, refresh: bool = True,
                   created_at: float = -30 * DAY, variable: str = "API_TOKEN",
                   archived_at: float | None = None) -> str:
        """A credential (response fields only: a simulated vault holds no secret either)."""
        vault = next(v for v in self.doc["vaults"] if v["id"] == vault_id)
        if kind == "mcp_oauth":
            auth: dict[str, Any] = {"type": "mcp_oauth",
                                    "mcp_server_url": "https://mcp.linear.app/sse"}
            if refresh:
                auth["refresh"] = {"client_id": "tenure-sim", "token_endpoint":
                                   "https://mcp.linear.app/token",
                                   "token_endpoint_auth": {"type": "none"}, "scope": "read"}
        elif kind == "static_bearer":
            auth = {"type": "static_bearer", "mcp_server_url": "https://mcp.example.com/mcp"}
            expires_at = None
        else:
            auth = {"type": "environment_variable", "secret_name": variable,
                    "injection_location": {"header": True, "body": False},
                    "networking": {"type": "limited", "allowed_hosts": ["api.stripe.com"]}}
            expires_at = None
        ident = self._id("vcrd")
        self.doc["credentials"].append({
            "id": ident, "vault_id": vault_id, "workspace_id": vault["workspace_id"],
            "display_name": name or kind, "auth": auth, "metadata": {},
            "created_at": created_at, "updated_at": created_at,
            "expires_at": expires_at if kind == "mcp_oauth" else None,
            "archived_at": archived_at})
        return ident

    def deployment(self, workspace_id: str, name: str, agent_id: str, environment_id: str, *,
                   vault_ids: Sequence[str] = (), cron: str | None = "0 2 * * *",
                   timezone: str = "UTC", status: str = "active",
                   created_at: float = -45 * DAY, runs: int = 3,
                   run_error: str | None = None) -> str:
        """A deployment, scheduled on ``cron`` (None: run on demand), with ``runs`` past
        runs one day apart (the newest failing with ``run_error`` when given)."""
        ident = self._id("depl")
        self.doc["deployments"].append({
            "id": ident, "workspace_id": workspace_id, "name": name, "agent_id": agent_id,
            "agent_version": 1, "environment_id": environment_id,
            "vault_ids": list(vault_ids), "metadata": {},
            "schedule": {"expression": cron, "timezone": timezone} if cron else None,
            "status": status,
            "paused_reason": {"type": "manual"} if status == "paused" else None,
            "initial_events": [{"type": "user.message",
                                "content": [{"type": "text", "text": "Run the job."}]}],
            "created_at": created_at})
        for n in range(runs):
            error = {"type": run_error, "message": "The run could not start."} \
                if run_error and n == 0 else None
            self.doc["runs"].append({
                "id": self._id("drun"), "deployment_id": ident, "workspace_id": workspace_id,
                "agent_id": agent_id, "agent_version": 1,
                "created_at": -(n + 1) * DAY + 2 * 3600,
                "trigger": "schedule" if cron else "manual", "error": error,
                "session_id": None if error else self._id("sesn")})
        return ident


def populate(workspaces: Sequence[str], owners: Sequence[str], *, seed: int | str = 0,
             agents: int = 6) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """The standard plane: ``agents`` agents (at least the four planted) across
    ``workspaces``, each with one deployment; returns (document, planted entries).

    Planted (first workspace): an unsupervised agent (bash on always_allow) with unrestricted
    egress and a vault; a scheduled deployment whose agent names no owner; an expired
    ``mcp_oauth`` credential (no refresh) and a long-lived static bearer, each in a vault an
    active deployment uses. Every other agent is clean: tools that ask, limited egress, an
    owner, a refreshable credential."""
    if not workspaces:
        return AgentPlanter(seed).doc, []
    p = AgentPlanter(seed)
    for ws in workspaces:
        p.key(ws)
    owner = list(owners) or ["owner@example.com"]
    ws0 = workspaces[0]
    planted: list[dict[str, str]] = []
    env_open = p.environment(ws0, "open-sandbox", networking="unrestricted")
    env_closed = p.environment(ws0, "locked-sandbox")

    wild = p.agent(ws0, "Ops autopilot", tools=UNSUPERVISED_TOOLS, owner=owner[0])
    secrets = p.vault(ws0, "ops-secrets")
    p.credential(secrets, kind="environment_variable", variable="STRIPE_API_KEY")
    wild_dep = p.deployment(ws0, "ops-autopilot-nightly", wild, env_open, vault_ids=[secrets])
    planted += [
        {"check": "agent-unsupervised-tools", "subject_type": "agent", "subject_id": wild,
         "note": "bash, write, edit and a GitHub MCP server on always_allow"},
        {"check": "agent-open-egress-with-secrets", "subject_type": "agent_deployment",
         "subject_id": wild_dep, "note": "unrestricted networking with a vault"}]

    orphan = p.agent(ws0, "Report mailer", owner=None)
    orphan_dep = p.deployment(ws0, "weekly-report", orphan, env_closed, cron="0 9 * * 1")
    planted.append({"check": "agent-running-unowned", "subject_type": "agent_deployment",
                    "subject_id": orphan_dep,
                    "note": "scheduled weekly; its agent names no owner"})

    syncer = p.agent(ws0, "Ticket syncer", owner=owner[1 % len(owner)])
    tickets = p.vault(ws0, "ticketing")
    expired = p.credential(tickets, kind="mcp_oauth", name="Linear (expired)",
                           expires_at=-10 * DAY, refresh=False)
    bearer = p.credential(tickets, kind="static_bearer", name="Legacy MCP token",
                          created_at=-400 * DAY)
    p.deployment(ws0, "ticket-sync-hourly", syncer, env_closed, vault_ids=[tickets],
                 cron="0 * * * *", run_error="session_rate_limited_error")
    planted += [
        {"check": "vault-credential-expired-in-use", "subject_type": "vault_credential",
         "subject_id": expired, "note": "mcp_oauth expired 10 days ago, no refresh"},
        {"check": "vault-credential-expired-in-use", "subject_type": "vault_credential",
         "subject_id": bearer, "note": "static bearer created 400 days ago"}]

    clean_envs = {ws: p.environment(ws, "sandbox") for ws in workspaces}
    for n in range(max(0, agents - 3)):
        ws = workspaces[n % len(workspaces)]
        ident = p.agent(ws, f"Assistant {n + 1}", owner=owner[(n + 2) % len(owner)])
        vault = p.vault(ws, f"assistant-{n + 1}")
        p.credential(vault, kind="mcp_oauth", name="Notion", expires_at=7 * DAY)
        p.deployment(ws, f"assistant-{n + 1}-daily", ident, clean_envs[ws], vault_ids=[vault],
                     cron=f"{n % 60} {n % 24} * * *")
    p.doc["planted"] = sorted(planted, key=lambda e: (e["check"], e["subject_id"]))
    return p.doc, p.doc["planted"]
