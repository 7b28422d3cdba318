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
from tenure.connectors.vendor_actions import (
    ActionResult,
    Outcome,
    VendorCall,
    read_object,
    remove,
)

__all__ = ["ActionResult", "DeleteAdminKey", "DeleteInvite", "DeleteProjectKey",
           "DeleteProjectUser", "DeleteServiceAccount", "DeleteUser", "Outcome", "VendorCall"]


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
