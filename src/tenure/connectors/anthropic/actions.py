"""Revocation actions on an Anthropic organization, each a typed description of one vendor call.

Every action

- describes the exact call it makes (``call()`` → method, path, body), for the plan,
- ``execute(client)`` re-reads the target first and performs the call only when needed: an
  already-removed user or already-archived key is a success (``already_done``), never an error,
- ``verify(client)`` re-reads the target and says whether the post-state holds.

The plan/apply runner (approval, plan hash, guards, ledger) is not here; these stay small.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from tenure.connectors.anthropic.fetch import API_KEYS, INVITES, USERS, WORKSPACES
from tenure.connectors.anthropic.rbac_actions import RemoveGroupMember
from tenure.connectors.http import HttpClient
from tenure.connectors.vendor_actions import (
    Action,
    ActionResult,
    Outcome,
    VendorCall,
    read_object,
    send,
)

__all__ = ["Action", "ActionResult", "DeleteInvite", "DowngradeOrgRole", "Outcome",
           "RemoveGroupMember", "RemoveOrgUser", "RemoveWorkspaceMember", "SetKeyStatus",
           "SetWorkspaceRole", "VendorCall"]

ASSIGNABLE_ORG_ROLES = frozenset({"user", "developer", "billing", "claude_code_user", "managed"})
"""Roles the Update-user endpoint accepts (Console: user/developer/billing/claude_code_user;
Enterprise: user/managed). ``admin`` cannot be assigned through the API (vendor-apis.md §1.6)."""

KeyStatus = Literal["inactive", "archived"]

ASSIGNABLE_WORKSPACE_ROLES = frozenset({"workspace_user", "workspace_developer",
                                        "workspace_restricted_developer", "workspace_admin"})
"""Roles the member update accepts; ``workspace_billing`` is never assignable (§1.8)."""


@dataclass(frozen=True, slots=True)
class RemoveOrgUser:
    """Remove a member from the organization (``DELETE /v1/organizations/users/{id}``)."""

    user_id: str
    kind: str = "anthropic.remove_org_user"

    def call(self) -> VendorCall:
        """The DELETE call."""
        return VendorCall("DELETE", f"{USERS}/{self.user_id}")

    def execute(self, client: HttpClient) -> ActionResult:
        """Delete the user unless already gone."""
        if read_object(client, self.call().path) is None or not send(client, self.call()):
            return ActionResult(Outcome.ALREADY_DONE, self.call(), "user not in organization")
        return ActionResult(Outcome.APPLIED, self.call())

    def verify(self, client: HttpClient) -> bool:
        """The user no longer reads back."""
        return read_object(client, self.call().path) is None


@dataclass(frozen=True, slots=True)
class RemoveWorkspaceMember:
    """Remove a user from a workspace (``DELETE .../workspaces/{ws}/members/{user}``)."""

    workspace_id: str
    user_id: str
    kind: str = "anthropic.remove_workspace_member"

    def call(self) -> VendorCall:
        """The DELETE call."""
        return VendorCall("DELETE", f"{WORKSPACES}/{self.workspace_id}/members/{self.user_id}")

    def execute(self, client: HttpClient) -> ActionResult:
        """Remove the membership unless already gone."""
        if read_object(client, self.call().path) is None or not send(client, self.call()):
            return ActionResult(Outcome.ALREADY_DONE, self.call(), "not a member")
        return ActionResult(Outcome.APPLIED, self.call())

    def verify(self, client: HttpClient) -> bool:
        """The membership no longer reads back."""
        return read_object(client, self.call().path) is None


@dataclass(frozen=True, slots=True)
class DowngradeOrgRole:
    """Set a member's org role to a lesser one (``POST /v1/organizations/users/{id}``)."""

    user_id: str
    role: str
    kind: str = "anthropic.downgrade_org_role"

    def __post_init__(self) -> None:
        if self.role not in ASSIGNABLE_ORG_ROLES:
            raise ValueError(f"role {self.role!r} cannot be assigned through the Admin API "
                             f"(assignable: {', '.join(sorted(ASSIGNABLE_ORG_ROLES))})")

    def call(self) -> VendorCall:
        """The POST call."""
        return VendorCall("POST", f"{USERS}/{self.user_id}", {"role": self.role})

    def execute(self, client: HttpClient) -> ActionResult:
        """Change the role unless it already is the target role (or the user is gone)."""
        current = read_object(client, self.call().path)
        if current is None:
            return ActionResult(Outcome.ALREADY_DONE, self.call(), "user not in organization")
        if current.get("role") == self.role:
            return ActionResult(Outcome.ALREADY_DONE, self.call(), f"role is already {self.role}")
        if not send(client, self.call()):
            return ActionResult(Outcome.ALREADY_DONE, self.call(), "user not in organization")
        return ActionResult(Outcome.APPLIED, self.call(), f"{current.get('role')} -> {self.role}")

    def verify(self, client: HttpClient) -> bool:
        """The user reads back with the target role (or is gone, which is stronger)."""
        current = read_object(client, self.call().path)
        return current is None or current.get("role") == self.role


@dataclass(frozen=True, slots=True)
class SetWorkspaceRole:
    """Set a member's workspace role (``POST .../workspaces/{ws}/members/{user}``)."""

    workspace_id: str
    user_id: str
    role: str
    kind: str = "anthropic.set_workspace_role"

    def __post_init__(self) -> None:
        if self.role not in ASSIGNABLE_WORKSPACE_ROLES:
            raise ValueError(f"workspace role {self.role!r} cannot be assigned through the "
                             f"Admin API (assignable: "
                             f"{', '.join(sorted(ASSIGNABLE_WORKSPACE_ROLES))})")

    def call(self) -> VendorCall:
        """The POST call."""
        return VendorCall("POST", f"{WORKSPACES}/{self.workspace_id}/members/{self.user_id}",
                          {"workspace_role": self.role})

    def execute(self, client: HttpClient) -> ActionResult:
        """Change the role unless it already is the target (or the member is gone)."""
        current = read_object(client, self.call().path)
        if current is None:
            return ActionResult(Outcome.ALREADY_DONE, self.call(), "not a member")
        if current.get("workspace_role") == self.role:
            return ActionResult(Outcome.ALREADY_DONE, self.call(),
                                f"workspace role is already {self.role}")
        if not send(client, self.call()):
            return ActionResult(Outcome.ALREADY_DONE, self.call(), "not a member")
        return ActionResult(Outcome.APPLIED, self.call(),
                            f"{current.get('workspace_role')} -> {self.role}")

    def verify(self, client: HttpClient) -> bool:
        """The membership reads back with the target role (or is gone, which is stronger)."""
        current = read_object(client, self.call().path)
        return current is None or current.get("workspace_role") == self.role


@dataclass(frozen=True, slots=True)
class DeleteInvite:
    """Withdraw an invitation (``DELETE /v1/organizations/invites/{id}``)."""

    invite_id: str
    kind: str = "anthropic.delete_invite"

    def call(self) -> VendorCall:
        """The DELETE call."""
        return VendorCall("DELETE", f"{INVITES}/{self.invite_id}")

    def execute(self, client: HttpClient) -> ActionResult:
        """Delete the invite unless it is gone or can no longer be accepted."""
        current = read_object(client, self.call().path)
        if current is None or current.get("status") in _DEAD_INVITE:
            return ActionResult(Outcome.ALREADY_DONE, self.call(),
                                f"invite is {current.get('status') if current else 'gone'}")
        if not send(client, self.call()):
            return ActionResult(Outcome.ALREADY_DONE, self.call(), "invite gone")
        return ActionResult(Outcome.APPLIED, self.call())

    def verify(self, client: HttpClient) -> bool:
        """The invite no longer reads back as one that can be accepted."""
        current = read_object(client, self.call().path)
        return current is None or current.get("status") in _DEAD_INVITE


_DEAD_INVITE = frozenset({"deleted", "expired"})
"""Invite statuses that grant nothing any more (an accepted invite became a seat, which is
revoked as a seat)."""


# An archived key cannot be re-activated, so it already satisfies "inactive".
_SATISFIES: dict[str, frozenset[str]] = {
    "inactive": frozenset({"inactive", "archived", "expired"}),
    "archived": frozenset({"archived"}),
}


@dataclass(frozen=True, slots=True)
class SetKeyStatus:
    """Deactivate or archive an API key (``POST /v1/organizations/api_keys/{id}``).

    The Admin API has no key deletion: ``inactive`` is reversible, ``archived`` is not.
    """

    api_key_id: str
    status: KeyStatus
    kind: str = "anthropic.set_key_status"

    def __post_init__(self) -> None:
        if self.status not in _SATISFIES:
            raise ValueError(f"status must be inactive or archived, not {self.status!r}")

    def call(self) -> VendorCall:
        """The POST call."""
        return VendorCall("POST", f"{API_KEYS}/{self.api_key_id}", {"status": self.status})

    def execute(self, client: HttpClient) -> ActionResult:
        """Change the status unless the key already is (at least) there or is gone."""
        current = read_object(client, self.call().path)
        if current is None:
            return ActionResult(Outcome.ALREADY_DONE, self.call(), "key not found")
        if current.get("status") in _SATISFIES[self.status]:
            return ActionResult(Outcome.ALREADY_DONE, self.call(),
                                f"key is already {current.get('status')}")
        if not send(client, self.call()):
            return ActionResult(Outcome.ALREADY_DONE, self.call(), "key not found")
        return ActionResult(Outcome.APPLIED, self.call(),
                            f"{current.get('status')} -> {self.status}")

    def verify(self, client: HttpClient) -> bool:
        """The key reads back with a status that satisfies the target (or is gone)."""
        current = read_object(client, self.call().path)
        return current is None or current.get("status") in _SATISFIES[self.status]
