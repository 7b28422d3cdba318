"""Revocation on OpenAI: org users, project memberships, project keys, service accounts,
invites and admin keys.

A ``reduce`` plans the role change the Admin API has: an org owner → ``reader`` (``POST
/organization/users/{id}``), a project owner → ``member`` (``POST …/projects/{p}/users/{u}``),
or the role the reviewer or the policy chose. Where the Admin API cannot do what a target asks,
the plan says so rather than failing at apply time: a key owned by a service account cannot be
deleted on its own, so revoking it plans the deletion of its service account (which takes its
keys with it) and says why; a key with no known project is a manual task.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager
from typing import Any

from tenure.actions import access
from tenure.actions.plan import Call, ManualTask, Target
from tenure.actions.providers import Planned, VendorAction, providers
from tenure.config import RevocationConfig, SourceConfig
from tenure.connectors.openai import actions as vendor
from tenure.connectors.openai import fetch
from tenure.connectors.openai.config import OpenAIConfig
from tenure.model import ScopeType


def _planned(action: VendorAction, args: dict[str, Any], note: str = "") -> Planned:
    call = action.call()
    if note:  # the reason travels in args (hashed with the plan), never in the vendor call
        args = {**args, "note": note}
    return Planned(action.kind, args, Call(call.method, call.path, call.body))


LEAST_ORG_ROLE = "reader"
"""The least privileged org role that keeps a seat."""
LEAST_PROJECT_ROLE = "member"
"""The least privileged project role that keeps the membership."""


def reduce_role(target: Target, scope: ScopeType, policy: RevocationConfig) -> str:
    """The role a reduce sets: the reviewer's choice, else the policy's, else the least."""
    default = LEAST_ORG_ROLE if scope is ScopeType.ORGANIZATION else LEAST_PROJECT_ROLE
    return target.target_role or policy.reduce_roles.get(f"openai.{scope}", default)


def _opt(value: Any) -> str | None:
    return None if value is None else str(value)


def _manual(why: str, owner: str, due: str) -> Planned:
    return Planned("manual", {}, None, ManualTask(owner=owner, due=due, why=why))


class OpenAIProvider:
    """Maps targets to the OpenAI Admin API's DELETE calls."""

    def plan(self, target: Target, state: Mapping[str, Any], *, task_owner: str,
             task_due: str, policy: RevocationConfig | None = None,
             source: SourceConfig | None = None) -> Planned:
        """Seat → delete user (reduce: owner → reader); service account → delete it; key →
        delete it (a service account's key → delete the service account); project grant →
        remove project user (reduce: owner → member); invite → delete it."""
        policy = policy or RevocationConfig()
        if target.kind in ("account", "service_account"):
            return self._account(target, state, policy, task_owner, task_due)
        if target.kind == "api_key":
            return self._key(target, state, task_owner, task_due)
        if target.kind == "grant":
            return self._grant(target, state, policy)
        if target.kind == "invite":
            return _planned(vendor.DeleteInvite(target.subject_id),
                            {"invite_id": target.subject_id})
        if target.kind == "group_member":
            return access.plan_group_member(target, state, "OpenAI", vendor.RemoveGroupMember,
                                            owner=task_owner, due=task_due)
        if target.kind == "role_assignment":
            return access.plan_openai_assignment(target, state, vendor, owner=task_owner,
                                                 due=task_due)
        return _manual(f"no Admin API revocation for a {target.kind}: remove it in the "
                       "OpenAI dashboard", task_owner, task_due)

    @staticmethod
    def _account(target: Target, state: Mapping[str, Any], policy: RevocationConfig,
                 owner: str, due: str) -> Planned:
        if state.get("kind") == "service_account":
            project_id = str(state.get("project_id") or "")
            if not project_id:
                return _manual("the service account's project is unknown: delete it in the "
                               "project's settings", owner, due)
            return _planned(vendor.DeleteServiceAccount(project_id, target.subject_id),
                            {"project_id": project_id,
                             "service_account_id": target.subject_id})
        if state.get("scim_managed") and target.operation == "revoke":
            # The IdP provisions this seat (is_scim_managed): deleting it here would be undone
            # by the next SCIM push, so the person who can revoke is the IdP's admin.
            return _manual("the seat is SCIM-managed: deprovision the user in the identity "
                           "provider (a deletion through the Admin API would be re-provisioned)",
                           owner, due)
        if target.operation == "reduce":
            role = reduce_role(target, ScopeType.ORGANIZATION, policy)
            return _planned(vendor.SetOrgRole(target.subject_id, role),
                            {"user_id": target.subject_id, "role": role})
        return _planned(vendor.DeleteUser(target.subject_id), {"user_id": target.subject_id})

    @staticmethod
    def _key(target: Target, state: Mapping[str, Any], owner: str, due: str) -> Planned:
        if state.get("kind") == "admin_key":
            return _planned(vendor.DeleteAdminKey(target.subject_id),
                            {"key_id": target.subject_id})
        project_id = str(state.get("workspace_id") or "")
        if not project_id:
            return _manual("the key's project is unknown: delete it in the project's API "
                           "keys page", owner, due)
        if state.get("owner_type") == "service_account":
            sa_id = str(state.get("owner_id") or "")
            if not sa_id:
                return _manual("a service account's key cannot be deleted on its own and its "
                               "service account is unknown: delete the service account in "
                               "the project's settings", owner, due)
            return _planned(
                vendor.DeleteServiceAccount(project_id, sa_id),
                {"project_id": project_id, "service_account_id": sa_id},
                note=f"key {target.subject_id} belongs to service account {sa_id}; OpenAI "
                     "cannot delete a service account's key on its own, so the service "
                     "account is deleted (with all its keys)")
        return _planned(vendor.DeleteProjectKey(project_id, target.subject_id),
                        {"project_id": project_id, "api_key_id": target.subject_id})

    @staticmethod
    def _grant(target: Target, state: Mapping[str, Any], policy: RevocationConfig) -> Planned:
        account_id = str(state.get("account_id", ""))
        scope = ScopeType(str(state.get("scope_type")))
        if scope is ScopeType.ORGANIZATION:
            # The org role is the seat's: revoking the role leaves the seat as a reader
            # (removing the seat is an ``account`` target).
            role = reduce_role(target, scope, policy) if target.operation == "reduce" else (
                LEAST_ORG_ROLE)
            return _planned(vendor.SetOrgRole(account_id, role),
                            {"user_id": account_id, "role": role})
        project_id = str(state.get("scope_id", ""))
        if target.operation == "reduce":
            role = reduce_role(target, scope, policy)
            return _planned(vendor.SetProjectRole(project_id, account_id, role),
                            {"project_id": project_id, "user_id": account_id, "role": role})
        return _planned(vendor.DeleteProjectUser(project_id, account_id),
                        {"project_id": project_id, "user_id": account_id})

    def action(self, name: str, args: Mapping[str, Any]) -> VendorAction:
        """Rebuild a connector action from a plan step."""
        builders: dict[str, Any] = {
            "openai.delete_user": lambda: vendor.DeleteUser(str(args["user_id"])),
            "openai.delete_project_user": lambda: vendor.DeleteProjectUser(
                str(args["project_id"]), str(args["user_id"])),
            "openai.delete_key": lambda: vendor.DeleteProjectKey(
                str(args["project_id"]), str(args["api_key_id"])),
            "openai.delete_service_account": lambda: vendor.DeleteServiceAccount(
                str(args["project_id"]), str(args["service_account_id"])),
            "openai.delete_invite": lambda: vendor.DeleteInvite(str(args["invite_id"])),
            "openai.delete_admin_key": lambda: vendor.DeleteAdminKey(str(args["key_id"])),
            "openai.set_org_role": lambda: vendor.SetOrgRole(str(args["user_id"]),
                                                             str(args["role"])),
            "openai.set_project_role": lambda: vendor.SetProjectRole(
                str(args["project_id"]), str(args["user_id"]), str(args["role"])),
            "openai.remove_group_member": lambda: vendor.RemoveGroupMember(
                str(args["group_id"]), str(args["user_id"])),
            "openai.unassign_user_role": lambda: vendor.UnassignUserRole(
                str(args["user_id"]), str(args["role_id"]), _opt(args.get("project_id"))),
            "openai.unassign_group_role": lambda: vendor.UnassignGroupRole(
                str(args["group_id"]), str(args["role_id"]), _opt(args.get("project_id"))),
            "openai.remove_project_group": lambda: vendor.RemoveProjectGroup(
                str(args["project_id"]), str(args["group_id"])),
        }
        if name not in builders:
            raise KeyError(f"unknown OpenAI action {name!r}")
        action: VendorAction = builders[name]()
        return action

    def client(self, config: SourceConfig, env: Mapping[str, str]
               ) -> AbstractContextManager[Any]:
        """An Admin API client for the source."""
        assert isinstance(config, OpenAIConfig)
        return fetch.make_client(config, fetch.admin_key(config, env))


providers.add("openai", OpenAIProvider())
