"""Revocation actions on an OpenAI organization, each a typed description of one vendor call.

Every action describes its exact call (``call()``), re-reads its target before acting
(``execute``: an already-deleted target is ``already_done``, never an error) and re-reads it
afterwards (``verify``). Everything OpenAI revokes is a DELETE: users, project memberships,
project keys, service accounts (with their keys), invites and admin keys. A key owned by a
service account cannot be deleted on its own (vendor-apis.md §4.7): the provider plans the
service account's deletion, or a manual task, instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from tenure.connectors.http import HttpClient
from tenure.connectors.openai.fetch import ADMIN_KEYS, INVITES, PROJECTS, USERS
from tenure.connectors.openai.rbac_actions import (
    RemoveGroupMember,
    RemoveProjectGroup,
    UnassignGroupRole,
    UnassignUserRole,
)
from tenure.connectors.vendor_actions import (
    ActionResult,
    Outcome,
    VendorCall,
    read_object,
    remove,
    send,
)

__all__ = ["ActionResult", "DeleteAdminKey", "DeleteInvite", "DeleteProjectKey",
           "DeleteProjectUser", "DeleteServiceAccount", "DeleteUser", "Outcome",
           "RemoveGroupMember", "RemoveProjectGroup", "SetOrgRole", "SetProjectRole",
           "UnassignGroupRole", "UnassignUserRole", "VendorCall"]

ORG_ROLES = frozenset({"owner", "reader"})
"""The legacy org role the Admin API sets (custom roles are role assignments)."""
PROJECT_ROLES = frozenset({"owner", "member"})
"""Project roles the project-user update accepts."""


@dataclass(frozen=True, slots=True)
class DeleteUser:
    """Remove a user from the organization (``DELETE /v1/organization/users/{id}``)."""

    user_id: str
    kind: str = "openai.delete_user"

    def call(self) -> VendorCall:
        """The DELETE call."""
        return VendorCall("DELETE", f"{USERS}/{self.user_id}")

    def execute(self, client: HttpClient) -> ActionResult:
        """Delete the user unless already gone."""
        return remove(client, self.call(), "user")

    def verify(self, client: HttpClient) -> bool:
        """The user no longer reads back."""
        return read_object(client, self.call().path) is None


@dataclass(frozen=True, slots=True)
class DeleteProjectUser:
    """Remove a user from a project (``DELETE .../projects/{p}/users/{u}``)."""

    project_id: str
    user_id: str
    kind: str = "openai.delete_project_user"

    def call(self) -> VendorCall:
        """The DELETE call."""
        return VendorCall("DELETE", f"{PROJECTS}/{self.project_id}/users/{self.user_id}")

    def execute(self, client: HttpClient) -> ActionResult:
        """Remove the membership unless already gone."""
        return remove(client, self.call(), "project member")

    def verify(self, client: HttpClient) -> bool:
        """The membership no longer reads back."""
        return read_object(client, self.call().path) is None


@dataclass(frozen=True, slots=True)
class DeleteProjectKey:
    """Delete a user-owned project API key (``DELETE .../projects/{p}/api_keys/{k}``)."""

    project_id: str
    api_key_id: str
    kind: str = "openai.delete_key"

    def call(self) -> VendorCall:
        """The DELETE call."""
        return VendorCall("DELETE", f"{PROJECTS}/{self.project_id}/api_keys/{self.api_key_id}")

    def execute(self, client: HttpClient) -> ActionResult:
        """Delete the key unless already gone."""
        return remove(client, self.call(), "key")

    def verify(self, client: HttpClient) -> bool:
        """The key no longer reads back."""
        return read_object(client, self.call().path) is None


@dataclass(frozen=True, slots=True)
class DeleteServiceAccount:
    """Delete a project service account and with it its keys
    (``DELETE .../projects/{p}/service_accounts/{id}``)."""

    project_id: str
    service_account_id: str
    kind: str = "openai.delete_service_account"

    def call(self) -> VendorCall:
        """The DELETE call."""
        return VendorCall("DELETE", f"{PROJECTS}/{self.project_id}/service_accounts/"
                                    f"{self.service_account_id}")

    def execute(self, client: HttpClient) -> ActionResult:
        """Delete the service account unless already gone."""
        return remove(client, self.call(), "service account")

    def verify(self, client: HttpClient) -> bool:
        """The service account no longer reads back."""
        return read_object(client, self.call().path) is None


@dataclass(frozen=True, slots=True)
class DeleteInvite:
    """Delete a pending invite (``DELETE /v1/organization/invites/{id}``).

    An accepted invite cannot be deleted; it is not access either, so an accepted invite
    counts as done (the seat, if any, is revoked through ``DeleteUser``).
    """

    invite_id: str
    kind: str = "openai.delete_invite"

    def call(self) -> VendorCall:
        """The DELETE call."""
        return VendorCall("DELETE", f"{INVITES}/{self.invite_id}")

    def execute(self, client: HttpClient) -> ActionResult:
        """Delete the invite unless gone or accepted."""
        current = read_object(client, self.call().path)
        if current is not None and current.get("status") == "accepted":
            return ActionResult(Outcome.ALREADY_DONE, self.call(), "invite already accepted")
        return remove(client, self.call(), "invite")

    def verify(self, client: HttpClient) -> bool:
        """The invite is gone or can no longer be accepted."""
        current = read_object(client, self.call().path)
        return current is None or current.get("status") in ("accepted", "expired")


@dataclass(frozen=True, slots=True)
class DeleteAdminKey:
    """Delete an Admin API key (``DELETE /v1/organization/admin_api_keys/{id}``)."""

    key_id: str
    kind: str = "openai.delete_admin_key"

    def call(self) -> VendorCall:
        """The DELETE call."""
        return VendorCall("DELETE", f"{ADMIN_KEYS}/{self.key_id}")

    def execute(self, client: HttpClient) -> ActionResult:
        """Delete the admin key unless already gone."""
        return remove(client, self.call(), "admin key")

    def verify(self, client: HttpClient) -> bool:
        """The admin key no longer reads back."""
        return read_object(client, self.call().path) is None


def _set_role(client: HttpClient, call: VendorCall, role: str, what: str) -> ActionResult:
    current = read_object(client, call.path)
    if current is None:
        return ActionResult(Outcome.ALREADY_DONE, call, f"{what} gone")
    if current.get("role") == role:
        return ActionResult(Outcome.ALREADY_DONE, call, f"role is already {role}")
    if not send(client, call):
        return ActionResult(Outcome.ALREADY_DONE, call, f"{what} gone")
    return ActionResult(Outcome.APPLIED, call, f"{current.get('role')} -> {role}")


def _has_role(client: HttpClient, path: str, role: str) -> bool:
    current = read_object(client, path)
    return current is None or current.get("role") == role


@dataclass(frozen=True, slots=True)
class SetOrgRole:
    """Set a user's org role, e.g. owner → reader (``POST /v1/organization/users/{id}``)."""

    user_id: str
    role: str
    kind: str = "openai.set_org_role"

    def __post_init__(self) -> None:
        if self.role not in ORG_ROLES:
            raise ValueError(f"org role must be one of {sorted(ORG_ROLES)}, not {self.role!r}")

    def call(self) -> VendorCall:
        """The POST call."""
        return VendorCall("POST", f"{USERS}/{self.user_id}", {"role": self.role})

    def execute(self, client: HttpClient) -> ActionResult:
        """Change the role unless it already is the target (or the user is gone)."""
        return _set_role(client, self.call(), self.role, "user")

    def verify(self, client: HttpClient) -> bool:
        """The user reads back with the target role (or is gone)."""
        return _has_role(client, self.call().path, self.role)


@dataclass(frozen=True, slots=True)
class SetProjectRole:
    """Set a project member's role, e.g. owner → member
    (``POST /v1/organization/projects/{p}/users/{u}``)."""

    project_id: str
    user_id: str
    role: str
    kind: str = "openai.set_project_role"

    def __post_init__(self) -> None:
        if self.role not in PROJECT_ROLES:
            raise ValueError(f"project role must be one of {sorted(PROJECT_ROLES)}, "
                             f"not {self.role!r}")

    def call(self) -> VendorCall:
        """The POST call."""
        return VendorCall("POST", f"{PROJECTS}/{self.project_id}/users/{self.user_id}",
                          {"role": self.role})

    def execute(self, client: HttpClient) -> ActionResult:
        """Change the role unless it already is the target (or the member is gone)."""
        return _set_role(client, self.call(), self.role, "project member")

    def verify(self, client: HttpClient) -> bool:
        """The membership reads back with the target role (or is gone)."""
        return _has_role(client, self.call().path, self.role)
