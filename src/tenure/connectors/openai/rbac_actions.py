"""Revocation verbs for OpenAI groups and role assignments (vendor-apis-nhi.md §7.6).

Each action describes its exact call, re-reads its target first (already gone is
``already_done``) and re-reads it afterwards (``verify``). Unassigning a role removes the
assignment the principal holds *directly*: a user's role list also shows roles inherited
through groups (``assignment_sources`` naming only the groups), which an unassign does not
touch and verification does not count — that path is revoked on the group (membership, or the
group's own assignment). A SCIM-managed group refuses member edits; the provider plans a manual
task for the identity provider's owner instead of this call.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tenure.connectors.http import HttpClient
from tenure.connectors.vendor_actions import (
    ActionResult,
    Outcome,
    VendorCall,
    read_object,
    remove,
    send,
)

ORG = "/v1/organization"


def _held_directly(item: dict[str, Any] | None, principal_id: str) -> bool:
    if item is None:
        return False
    sources = item.get("assignment_sources")
    if not isinstance(sources, list) or not sources:
        return True
    return any(isinstance(s, dict) and s.get("principal_id") == principal_id for s in sources)


@dataclass(frozen=True, slots=True)
class RemoveGroupMember:
    """Remove a user from a group (``DELETE /v1/organization/groups/{g}/users/{u}``)."""

    group_id: str
    user_id: str
    kind: str = "openai.remove_group_member"

    def call(self) -> VendorCall:
        """The DELETE call."""
        return VendorCall("DELETE", f"{ORG}/groups/{self.group_id}/users/{self.user_id}")

    def execute(self, client: HttpClient) -> ActionResult:
        """Remove the membership unless already gone."""
        return remove(client, self.call(), "group member")

    def verify(self, client: HttpClient) -> bool:
        """The membership no longer reads back."""
        return read_object(client, self.call().path) is None


def _role_path(principal: str, principal_id: str, role_id: str, project_id: str | None
               ) -> str:
    base = ORG if project_id is None else f"/v1/projects/{project_id}"
    return f"{base}/{principal}/{principal_id}/roles/{role_id}"


def _unassign(client: HttpClient, call: VendorCall, principal_id: str) -> ActionResult:
    if not _held_directly(read_object(client, call.path), principal_id) or not send(
            client, call):
        return ActionResult(Outcome.ALREADY_DONE, call, "role not assigned directly")
    return ActionResult(Outcome.APPLIED, call)


@dataclass(frozen=True, slots=True)
class UnassignUserRole:
    """Unassign a role from a user, at the org (``DELETE /v1/organization/users/{u}/roles/{r}``)
    or in a project (``DELETE /v1/projects/{p}/users/{u}/roles/{r}``)."""

    user_id: str
    role_id: str
    project_id: str | None = None
    kind: str = "openai.unassign_user_role"

    def call(self) -> VendorCall:
        """The DELETE call."""
        return VendorCall("DELETE", _role_path("users", self.user_id, self.role_id,
                                               self.project_id))

    def execute(self, client: HttpClient) -> ActionResult:
        """Unassign unless the user no longer holds the role directly."""
        return _unassign(client, self.call(), self.user_id)

    def verify(self, client: HttpClient) -> bool:
        """The user no longer holds the role directly (an inherited row may remain)."""
        return not _held_directly(read_object(client, self.call().path), self.user_id)


@dataclass(frozen=True, slots=True)
class UnassignGroupRole:
    """Unassign a role from a group, at the org or in a project."""

    group_id: str
    role_id: str
    project_id: str | None = None
    kind: str = "openai.unassign_group_role"

    def call(self) -> VendorCall:
        """The DELETE call."""
        return VendorCall("DELETE", _role_path("groups", self.group_id, self.role_id,
                                               self.project_id))

    def execute(self, client: HttpClient) -> ActionResult:
        """Unassign unless the group no longer holds the role."""
        return _unassign(client, self.call(), self.group_id)

    def verify(self, client: HttpClient) -> bool:
        """The group's role no longer reads back."""
        return not _held_directly(read_object(client, self.call().path), self.group_id)


@dataclass(frozen=True, slots=True)
class RemoveProjectGroup:
    """Remove a group's access to a project, with its project roles
    (``DELETE /v1/organization/projects/{p}/groups/{g}``)."""

    project_id: str
    group_id: str
    kind: str = "openai.remove_project_group"

    def call(self) -> VendorCall:
        """The DELETE call."""
        return VendorCall("DELETE", f"{ORG}/projects/{self.project_id}/groups/{self.group_id}")

    def execute(self, client: HttpClient) -> ActionResult:
        """Remove the access unless already gone."""
        return remove(client, self.call(), "project group")

    def verify(self, client: HttpClient) -> bool:
        """The group's project access no longer reads back."""
        return read_object(client, self.call().path) is None
