"""Revocation on Anthropic: seats, workspace memberships, org roles and API keys."""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager
from typing import Any

from tenure.actions.plan import Call, ManualTask, Target
from tenure.actions.providers import Planned, VendorAction, providers
from tenure.config import SourceConfig
from tenure.connectors.anthropic import actions as vendor
from tenure.connectors.anthropic import fetch
from tenure.connectors.anthropic.config import AnthropicConfig


def _planned(action: VendorAction, args: dict[str, Any]) -> Planned:
    call = action.call()
    return Planned(action.kind, args, Call(call.method, call.path, call.body))


def _manual(why: str, owner: str, due: str) -> Planned:
    return Planned("manual", {}, None, ManualTask(owner=owner, due=due, why=why))


class AnthropicProvider:
    """Maps targets to the Admin API's revocation calls."""

    def plan(self, target: Target, state: Mapping[str, Any], *, task_owner: str,
             task_due: str) -> Planned:
        """Seat → remove (or downgrade); key → archive; workspace grant → remove member."""
        if target.kind == "account":
            if target.operation == "reduce":
                return _planned(vendor.DowngradeOrgRole(target.subject_id, "user"),
                                {"user_id": target.subject_id, "role": "user"})
            return _planned(vendor.RemoveOrgUser(target.subject_id),
                            {"user_id": target.subject_id})
        if target.kind == "api_key":
            if state.get("kind") == "admin_key":
                return _manual("the Admin API cannot change admin keys: delete it in Console → "
                               "Settings → Admin keys", task_owner, task_due)
            return _planned(vendor.SetKeyStatus(target.subject_id, "archived"),
                            {"api_key_id": target.subject_id, "status": "archived"})
        if target.kind == "grant":
            account_id = str(state.get("account_id", ""))
            if state.get("inherited"):
                return _manual("an inherited workspace role ends with the org role that grants "
                               "it: downgrade or remove the member instead", task_owner,
                               task_due)
            if state.get("scope_type") == "workspace" and target.operation == "revoke":
                workspace_id = str(state.get("scope_id", ""))
                return _planned(vendor.RemoveWorkspaceMember(workspace_id, account_id),
                                {"workspace_id": workspace_id, "user_id": account_id})
            if state.get("scope_type") == "org":
                return _planned(vendor.DowngradeOrgRole(account_id, "user"),
                                {"user_id": account_id, "role": "user"})
            return _manual("reducing a workspace role has no single revocation call: set the "
                           "member's workspace role in Console", task_owner, task_due)
        return _manual(f"no Admin API revocation for a {target.kind}: remove it in Console",
                       task_owner, task_due)

    def action(self, name: str, args: Mapping[str, Any]) -> VendorAction:
        """Rebuild a connector action from a plan step."""
        builders: dict[str, Any] = {
            "anthropic.remove_org_user": lambda: vendor.RemoveOrgUser(str(args["user_id"])),
            "anthropic.remove_workspace_member": lambda: vendor.RemoveWorkspaceMember(
                str(args["workspace_id"]), str(args["user_id"])),
            "anthropic.downgrade_org_role": lambda: vendor.DowngradeOrgRole(
                str(args["user_id"]), str(args["role"])),
            "anthropic.set_key_status": lambda: vendor.SetKeyStatus(
                str(args["api_key_id"]), args["status"]),
        }
        if name not in builders:
            raise KeyError(f"unknown Anthropic action {name!r}")
        action: VendorAction = builders[name]()
        return action

    def client(self, config: SourceConfig, env: Mapping[str, str]
               ) -> AbstractContextManager[Any]:
        """An Admin API client for the source."""
        assert isinstance(config, AnthropicConfig)
        return fetch.make_client(config, fetch.admin_key(config, env))


providers.add("anthropic", AnthropicProvider())
