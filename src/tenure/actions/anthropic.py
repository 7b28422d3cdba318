"""Revocation on Anthropic: seats, org and workspace roles, invites and API keys.

Every target plans the Admin API call that really exists (vendor-apis.md §1.6-1.9) rather
than a manual task: remove a seat (``DELETE /users/{id}``), downgrade its org role (``POST
/users/{id}``), remove a workspace member or downgrade its workspace role (``DELETE``/``POST
…/workspaces/{ws}/members/{user}``), withdraw a pending invite (``DELETE /invites/{id}``).
Keys have no delete: they are set ``inactive`` (reversible) and, when the policy says so, then
``archived`` as a second step of the same plan. What the API cannot do stays a manual task:
Admin keys (Console only), inherited workspace roles (they end with the org role). Service
accounts, their memberships and federation rules are planned by ``anthropic_nhi`` (OAuth
plane); managed agents, deployments and vault credentials by ``anthropic_agents`` (each
workspace's own key).
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager
from typing import Any

from tenure.actions import access
from tenure.actions.anthropic_agents import AgentClients, agent_action, plan_agent_target
from tenure.actions.anthropic_nhi import OnPlane, nhi_action, plan_nhi
from tenure.actions.plan import Call, ManualTask, Target
from tenure.actions.providers import Planned, VendorAction, providers
from tenure.config import RevocationConfig, SourceConfig
from tenure.connectors.anthropic import actions as vendor
from tenure.connectors.anthropic.config import AnthropicConfig
from tenure.model import ScopeType

LEAST_ORG_ROLE = "user"
"""The least privileged org role that keeps a seat (Workbench only; valid on Console and
Enterprise orgs alike)."""
LEAST_WORKSPACE_ROLE = "workspace_user"
"""The least privileged workspace role that keeps the membership."""


def _planned(action: VendorAction, args: dict[str, Any],
             then: tuple[Planned, ...] = ()) -> Planned:
    call = action.call()
    return Planned(action.kind, args, Call(call.method, call.path, call.body), then=then)


def _manual(why: str, owner: str, due: str) -> Planned:
    return Planned("manual", {}, None, ManualTask(owner=owner, due=due, why=why))


def reduce_role(target: Target, scope: ScopeType, policy: RevocationConfig) -> str:
    """The role a reduce sets: the reviewer's choice, else the policy's, else the least."""
    default = LEAST_ORG_ROLE if scope is ScopeType.ORGANIZATION else LEAST_WORKSPACE_ROLE
    return target.target_role or policy.reduce_roles.get(f"anthropic.{scope}", default)


class AnthropicProvider:
    """Maps targets to the Admin API's revocation calls."""

    def plan(self, target: Target, state: Mapping[str, Any], *, task_owner: str,
             task_due: str, policy: RevocationConfig | None = None,
             source: SourceConfig | None = None) -> Planned:
        """Seat → remove (or downgrade); key → deactivate (then archive, if configured);
        workspace grant → remove member (or downgrade); org grant → downgrade; invite →
        delete."""
        policy = policy or RevocationConfig()
        nhi = plan_nhi(target, state, source=source, task_owner=task_owner, task_due=task_due,
                       policy=policy) or plan_agent_target(
            target, state, source=source, task_owner=task_owner, task_due=task_due)
        if nhi is not None:
            return nhi
        if target.kind == "account":
            if target.operation == "reduce":
                role = reduce_role(target, ScopeType.ORGANIZATION, policy)
                return _planned(vendor.DowngradeOrgRole(target.subject_id, role),
                                {"user_id": target.subject_id, "role": role})
            return _planned(vendor.RemoveOrgUser(target.subject_id),
                            {"user_id": target.subject_id})
        if target.kind == "api_key":
            return self._key(target, state, policy, task_owner, task_due)
        if target.kind == "invite":
            return _planned(vendor.DeleteInvite(target.subject_id),
                            {"invite_id": target.subject_id})
        if target.kind == "grant":
            return self._grant(target, state, policy, task_owner, task_due)
        if target.kind == "group_member":
            return access.plan_group_member(target, state, "Claude", vendor.RemoveGroupMember,
                                            owner=task_owner, due=task_due)
        if target.kind == "role_assignment":
            return _manual("the Admin API has no call that unassigns an RBAC role (roles are "
                           "bound to groups in claude.ai admin settings): remove the "
                           f"assignment {target.subject_id} there, or remove the member from "
                           "the group", task_owner, task_due)
        return _manual(f"no Admin API revocation for a {target.kind}: remove it in Console",
                       task_owner, task_due)

    @staticmethod
    def _key(target: Target, state: Mapping[str, Any], policy: RevocationConfig, owner: str,
             due: str) -> Planned:
        if state.get("kind") == "admin_key":
            return _manual("the Admin API cannot change admin keys: delete it in Console → "
                           "Settings → Admin keys", owner, due)
        key_id = target.subject_id
        archive: tuple[Planned, ...] = ()
        if policy.anthropic_archive_keys:
            archive = (_planned(vendor.SetKeyStatus(key_id, "archived"),
                                {"api_key_id": key_id, "status": "archived",
                                 "reversible": False,
                                 "why": "second step ([revocation] anthropic_archive_keys): "
                                        "an archived key can never be re-activated"}),)
        return _planned(vendor.SetKeyStatus(key_id, "inactive"),
                        {"api_key_id": key_id, "status": "inactive", "reversible": True,
                         "then": "archived" if archive else None}, then=archive)

    @staticmethod
    def _grant(target: Target, state: Mapping[str, Any], policy: RevocationConfig, owner: str,
               due: str) -> Planned:
        account_id = str(state.get("account_id", ""))
        if state.get("inherited"):
            return _manual("an inherited workspace role ends with the org role that grants "
                           "it: downgrade or remove the member instead", owner, due)
        scope = ScopeType(str(state.get("scope_type")))
        if scope is ScopeType.ORGANIZATION:
            # The org role is the seat's: revoking the role leaves the seat with the least
            # role (removing the seat is an ``account`` target).
            role = reduce_role(target, scope, policy) if target.operation == "reduce" else (
                LEAST_ORG_ROLE)
            return _planned(vendor.DowngradeOrgRole(account_id, role),
                            {"user_id": account_id, "role": role})
        workspace_id = str(state.get("scope_id", ""))
        if target.operation == "reduce":
            role = reduce_role(target, scope, policy)
            return _planned(vendor.SetWorkspaceRole(workspace_id, account_id, role),
                            {"workspace_id": workspace_id, "user_id": account_id,
                             "role": role})
        return _planned(vendor.RemoveWorkspaceMember(workspace_id, account_id),
                        {"workspace_id": workspace_id, "user_id": account_id})

    def action(self, name: str, args: Mapping[str, Any]) -> VendorAction:
        """Rebuild a connector action from a plan step."""
        builders: dict[str, Any] = {
            "anthropic.remove_org_user": lambda: vendor.RemoveOrgUser(str(args["user_id"])),
            "anthropic.remove_group_member": lambda: vendor.RemoveGroupMember(
                str(args["group_id"]), str(args["user_id"])),
            "anthropic.remove_workspace_member": lambda: vendor.RemoveWorkspaceMember(
                str(args["workspace_id"]), str(args["user_id"])),
            "anthropic.set_workspace_role": lambda: vendor.SetWorkspaceRole(
                str(args["workspace_id"]), str(args["user_id"]), str(args["role"])),
            "anthropic.downgrade_org_role": lambda: vendor.DowngradeOrgRole(
                str(args["user_id"]), str(args["role"])),
            "anthropic.set_key_status": lambda: vendor.SetKeyStatus(
                str(args["api_key_id"]), args["status"]),
            "anthropic.delete_invite": lambda: vendor.DeleteInvite(str(args["invite_id"])),
        }
        nhi = nhi_action(name, args) or agent_action(name, args)
        if nhi is not None:
            return nhi
        if name not in builders:
            raise KeyError(f"unknown Anthropic action {name!r}")
        action: VendorAction = OnPlane(builders[name]())
        return action

    def client(self, config: SourceConfig, env: Mapping[str, str]
               ) -> AbstractContextManager[Any]:
        """The source's clients: the Admin API one, and the OAuth one when a step needs it."""
        assert isinstance(config, AnthropicConfig)
        return AgentClients(config, env)


providers.add("anthropic", AnthropicProvider())
