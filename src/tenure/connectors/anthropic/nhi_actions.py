"""Containment actions on the Anthropic OAuth plane (vendor-apis-nhi.md §2-3, §3.5): archive a
federation rule, remove or downgrade a service account's workspace membership, archive a
service account, downgrade its organization role. Each runs with the OAuth ``org:admin``
client (never the Admin key), re-reads its target first (already done is success), and
verifies with a fresh read.

The vendor's refusals are not hidden: archiving a service account while a live rule targets
it answers 400 and the step fails with that message (the planner puts the rules first).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tenure.connectors.anthropic.nhi_sync import FEDERATION_RULES, SERVICE_ACCOUNTS
from tenure.connectors.http import HttpClient, page_cursor_pages
from tenure.connectors.vendor_actions import (
    ActionResult,
    Outcome,
    VendorCall,
    read_object,
    send,
)

SA_WORKSPACE_ROLES = frozenset({"workspace_admin", "workspace_developer",
                                "workspace_restricted_developer", "workspace_user"})
"""What a service account's membership can be set to (never ``workspace_billing``)."""
SA_ORG_ROLES = frozenset({"admin", "developer"})


def membership(client: HttpClient, sa_id: str, workspace_id: str) -> dict[str, Any] | None:
    """A service account's membership in one workspace from the SA-side listing (the one that
    shows the implicit default row and works for archived workspaces); None when absent."""
    path = f"{SERVICE_ACCOUNTS}/{sa_id}/workspaces"
    if read_object(client, f"{SERVICE_ACCOUNTS}/{sa_id}") is None:
        return None
    for page in page_cursor_pages(client, path, [("limit", 100)]):
        for row in page.items:
            if isinstance(row, dict) and row.get("workspace_id") == workspace_id:
                return row
    return None


@dataclass(frozen=True, slots=True)
class ArchiveFederationRule:
    """Archive a federation rule: exchange stops at once (tokens already minted run out)."""

    rule_id: str
    kind: str = "anthropic.archive_federation_rule"

    def call(self) -> VendorCall:
        """The POST call."""
        return VendorCall("POST", f"{FEDERATION_RULES}/{self.rule_id}/archive")

    def execute(self, client: HttpClient) -> ActionResult:
        """Archive unless already archived (or gone)."""
        current = read_object(client, f"{FEDERATION_RULES}/{self.rule_id}")
        if current is None or current.get("archived_at"):
            return ActionResult(Outcome.ALREADY_DONE, self.call(), "rule already archived")
        send(client, self.call())
        return ActionResult(Outcome.APPLIED, self.call())

    def verify(self, client: HttpClient) -> bool:
        """The rule reads back archived."""
        current = read_object(client, f"{FEDERATION_RULES}/{self.rule_id}")
        return current is None or bool(current.get("archived_at"))


@dataclass(frozen=True, slots=True)
class ArchiveServiceAccount:
    """Archive a service account (refused by the vendor while a live rule targets it)."""

    service_account_id: str
    kind: str = "anthropic.archive_service_account"

    def call(self) -> VendorCall:
        """The POST call."""
        return VendorCall("POST", f"{SERVICE_ACCOUNTS}/{self.service_account_id}/archive")

    def execute(self, client: HttpClient) -> ActionResult:
        """Archive unless already archived; a 400 (a live rule) propagates as a failure."""
        current = read_object(client, f"{SERVICE_ACCOUNTS}/{self.service_account_id}")
        if current is None or current.get("archived_at"):
            return ActionResult(Outcome.ALREADY_DONE, self.call(),
                                "service account already archived")
        send(client, self.call())
        return ActionResult(Outcome.APPLIED, self.call())

    def verify(self, client: HttpClient) -> bool:
        """The service account reads back archived."""
        current = read_object(client, f"{SERVICE_ACCOUNTS}/{self.service_account_id}")
        return current is None or bool(current.get("archived_at"))


@dataclass(frozen=True, slots=True)
class SetServiceAccountRole:
    """Set a service account's organization role (downgrade to ``developer``: its
    ``org:admin`` rules then fail at exchange)."""

    service_account_id: str
    role: str = "developer"
    kind: str = "anthropic.set_service_account_role"

    def __post_init__(self) -> None:
        if self.role not in SA_ORG_ROLES:
            raise ValueError(f"organization_role must be admin or developer, not {self.role!r}")

    def call(self) -> VendorCall:
        """The POST call."""
        return VendorCall("POST", f"{SERVICE_ACCOUNTS}/{self.service_account_id}",
                          {"organization_role": self.role})

    def execute(self, client: HttpClient) -> ActionResult:
        """Change the role unless it already is (or the account is archived or gone)."""
        current = read_object(client, self.call().path)
        if current is None or current.get("archived_at"):
            return ActionResult(Outcome.ALREADY_DONE, self.call(), "service account archived")
        if current.get("organization_role") == self.role:
            return ActionResult(Outcome.ALREADY_DONE, self.call(), f"role is already {self.role}")
        send(client, self.call())
        return ActionResult(Outcome.APPLIED, self.call(),
                            f"{current.get('organization_role')} -> {self.role}")

    def verify(self, client: HttpClient) -> bool:
        """The service account reads back with the role (or archived, which is stronger)."""
        current = read_object(client, self.call().path)
        return current is None or bool(current.get("archived_at")) or (
            current.get("organization_role") == self.role)


@dataclass(frozen=True, slots=True)
class RemoveServiceAccountWorkspace:
    """Remove a service account's explicit membership of one workspace. The implicit
    default-workspace membership cannot be removed (the vendor answers 200 and keeps it): the
    planner never plans that; only archiving the service account ends it."""

    service_account_id: str
    workspace_id: str
    kind: str = "anthropic.remove_service_account_workspace"

    def call(self) -> VendorCall:
        """The DELETE call."""
        return VendorCall("DELETE", f"{SERVICE_ACCOUNTS}/{self.service_account_id}/workspaces/"
                          f"{self.workspace_id}")

    def execute(self, client: HttpClient) -> ActionResult:
        """Remove the explicit membership unless it is already gone."""
        row = membership(client, self.service_account_id, self.workspace_id)
        if row is None or row.get("implicit") is True:
            return ActionResult(Outcome.ALREADY_DONE, self.call(), "no explicit membership")
        send(client, self.call())
        return ActionResult(Outcome.APPLIED, self.call())

    def verify(self, client: HttpClient) -> bool:
        """No explicit membership reads back (an implicit default row may remain)."""
        row = membership(client, self.service_account_id, self.workspace_id)
        return row is None or row.get("implicit") is True


@dataclass(frozen=True, slots=True)
class SetServiceAccountWorkspaceRole:
    """Set a service account's workspace role (an upsert on the SA side: on the default
    workspace it adds an explicit row over the implicit one)."""

    service_account_id: str
    workspace_id: str
    role: str
    kind: str = "anthropic.set_service_account_workspace_role"

    def __post_init__(self) -> None:
        if self.role not in SA_WORKSPACE_ROLES:
            raise ValueError(f"a service account's workspace role cannot be {self.role!r} "
                             f"(assignable: {', '.join(sorted(SA_WORKSPACE_ROLES))})")

    def call(self) -> VendorCall:
        """The POST call."""
        return VendorCall("POST", f"{SERVICE_ACCOUNTS}/{self.service_account_id}/workspaces",
                          {"workspace_id": self.workspace_id, "workspace_role": self.role})

    def execute(self, client: HttpClient) -> ActionResult:
        """Set the role unless it already is (or the membership is gone)."""
        row = membership(client, self.service_account_id, self.workspace_id)
        if row is None:
            return ActionResult(Outcome.ALREADY_DONE, self.call(), "not a member")
        if row.get("workspace_role") == self.role:
            return ActionResult(Outcome.ALREADY_DONE, self.call(),
                                f"workspace role is already {self.role}")
        send(client, self.call())
        return ActionResult(Outcome.APPLIED, self.call(),
                            f"{row.get('workspace_role')} -> {self.role}")

    def verify(self, client: HttpClient) -> bool:
        """The membership reads back with the role (or is gone, which is stronger)."""
        row = membership(client, self.service_account_id, self.workspace_id)
        return row is None or row.get("workspace_role") == self.role
