"""Containment of managed agents (vendor-apis-nhi.md §4.6), each a typed description of one
workspace-plane call: pause or archive a deployment, take its vaults away, archive an agent,
archive a vault credential.

Like the Admin API actions (``actions.py``) every action re-reads its target first and calls
only when still needed (already paused / archived / gone is ``already_done``), and ``verify``
re-reads it. The client is the workspace's own (``agents_fetch.workspace_client``: it sends
``anthropic-beta: managed-agents-2026-04-01`` on every call).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tenure.connectors.anthropic.agents_fetch import AGENTS, DEPLOYMENTS, VAULTS
from tenure.connectors.http import HttpClient
from tenure.connectors.vendor_actions import (
    ActionResult,
    Outcome,
    VendorCall,
    read_object,
    send,
)


def _done(call: VendorCall, detail: str) -> ActionResult:
    return ActionResult(Outcome.ALREADY_DONE, call, detail)


def _archived(obj: dict[str, Any] | None) -> bool:
    return obj is not None and bool(obj.get("archived_at"))


@dataclass(frozen=True, slots=True)
class PauseDeployment:
    """Stop a deployment's scheduled runs, reversibly (``POST /v1/deployments/{id}/pause``)."""

    deployment_id: str
    kind: str = "anthropic.pause_deployment"

    def call(self) -> VendorCall:
        """The POST call."""
        return VendorCall("POST", f"{DEPLOYMENTS}/{self.deployment_id}/pause")

    def _path(self) -> str:
        return f"{DEPLOYMENTS}/{self.deployment_id}"

    def execute(self, client: HttpClient) -> ActionResult:
        """Pause unless it is gone, archived or already paused."""
        current = read_object(client, self._path())
        if current is None:
            return _done(self.call(), "deployment not found")
        if _archived(current):
            return _done(self.call(), "deployment is archived")
        if current.get("status") == "paused":
            return _done(self.call(), "deployment is already paused")
        if not send(client, self.call()):
            return _done(self.call(), "deployment not found")
        return ActionResult(Outcome.APPLIED, self.call(), "active -> paused")

    def verify(self, client: HttpClient) -> bool:
        """The deployment reads back paused (or archived, or gone: stronger)."""
        current = read_object(client, self._path())
        return current is None or _archived(current) or current.get("status") == "paused"


@dataclass(frozen=True, slots=True)
class ArchiveDeployment:
    """Stop a deployment for good (``POST /v1/deployments/{id}/archive``): no upcoming runs."""

    deployment_id: str
    kind: str = "anthropic.archive_deployment"

    def call(self) -> VendorCall:
        """The POST call."""
        return VendorCall("POST", f"{DEPLOYMENTS}/{self.deployment_id}/archive")

    def _path(self) -> str:
        return f"{DEPLOYMENTS}/{self.deployment_id}"

    def execute(self, client: HttpClient) -> ActionResult:
        """Archive unless it is gone or archived already."""
        current = read_object(client, self._path())
        if current is None or _archived(current):
            return _done(self.call(), "deployment not found" if current is None
                         else "deployment is already archived")
        if not send(client, self.call()):
            return _done(self.call(), "deployment not found")
        return ActionResult(Outcome.APPLIED, self.call())

    def verify(self, client: HttpClient) -> bool:
        """The deployment reads back archived with no upcoming run (or is gone)."""
        current = read_object(client, self._path())
        if current is None:
            return True
        schedule = current.get("schedule")
        upcoming = schedule.get("upcoming_runs_at") if isinstance(schedule, dict) else None
        return _archived(current) and not upcoming


@dataclass(frozen=True, slots=True)
class RemoveDeploymentVaults:
    """Take every vault away from a deployment (``POST /v1/deployments/{id}``
    ``{"vault_ids": []}``: a full replacement), so its sessions hold no secret."""

    deployment_id: str
    kind: str = "anthropic.remove_deployment_vaults"

    def call(self) -> VendorCall:
        """The POST call."""
        return VendorCall("POST", f"{DEPLOYMENTS}/{self.deployment_id}", {"vault_ids": []})

    def execute(self, client: HttpClient) -> ActionResult:
        """Empty ``vault_ids`` unless it is empty, or the deployment archived or gone."""
        current = read_object(client, self.call().path)
        if current is None or _archived(current):
            return _done(self.call(), "deployment not found" if current is None
                         else "deployment is archived")
        vaults = current.get("vault_ids") or []
        if not vaults:
            return _done(self.call(), "deployment uses no vault")
        if not send(client, self.call()):
            return _done(self.call(), "deployment not found")
        return ActionResult(Outcome.APPLIED, self.call(), f"removed {', '.join(vaults)}")

    def verify(self, client: HttpClient) -> bool:
        """The deployment reads back with no vault (or archived, or gone)."""
        current = read_object(client, self.call().path)
        return current is None or _archived(current) or not current.get("vault_ids")


@dataclass(frozen=True, slots=True)
class ArchiveAgent:
    """Disable an agent everywhere (``POST /v1/agents/{id}/archive``); its deployments then
    fail with ``agent_archived_error`` (the vendor pauses them)."""

    agent_id: str
    kind: str = "anthropic.archive_agent"

    def call(self) -> VendorCall:
        """The POST call."""
        return VendorCall("POST", f"{AGENTS}/{self.agent_id}/archive")

    def _path(self) -> str:
        return f"{AGENTS}/{self.agent_id}"

    def execute(self, client: HttpClient) -> ActionResult:
        """Archive unless it is gone or archived already."""
        current = read_object(client, self._path())
        if current is None or _archived(current):
            return _done(self.call(), "agent not found" if current is None
                         else "agent is already archived")
        if not send(client, self.call()):
            return _done(self.call(), "agent not found")
        return ActionResult(Outcome.APPLIED, self.call())

    def verify(self, client: HttpClient) -> bool:
        """The agent reads back archived (or is gone)."""
        current = read_object(client, self._path())
        return current is None or _archived(current)


@dataclass(frozen=True, slots=True)
class ArchiveVaultCredential:
    """Pull one secret (``POST /v1/vaults/{v}/credentials/{c}/archive``)."""

    vault_id: str
    credential_id: str
    kind: str = "anthropic.archive_vault_credential"

    def _path(self) -> str:
        return f"{VAULTS}/{self.vault_id}/credentials/{self.credential_id}"

    def call(self) -> VendorCall:
        """The POST call."""
        return VendorCall("POST", f"{self._path()}/archive")

    def execute(self, client: HttpClient) -> ActionResult:
        """Archive unless it is gone or archived already."""
        current = read_object(client, self._path())
        if current is None or _archived(current):
            return _done(self.call(), "credential not found" if current is None
                         else "credential is already archived")
        if not send(client, self.call()):
            return _done(self.call(), "credential not found")
        return ActionResult(Outcome.APPLIED, self.call())

    def verify(self, client: HttpClient) -> bool:
        """The credential reads back archived (or is gone)."""
        current = read_object(client, self._path())
        return current is None or _archived(current)
