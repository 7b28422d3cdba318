"""Revocation verb for Claude Enterprise RBAC groups (vendor-apis-nhi.md §5.2).

``DELETE /v1/organizations/rbac_groups/{g}/members/{u}`` with the
``anthropic-beta: ce-user-management-2026-07-13`` header (without it the call 404s). There is no
read of a single member: the target is re-read by listing the group's members (page cursor,
family B: stop on ``next_page`` alone) before and after the call. A ``source_type: scim`` group
refuses member changes through the API while SCIM provisions the tenant; the provider plans a
manual task for the identity provider's owner instead of this call.
"""

from __future__ import annotations

from dataclasses import dataclass

from tenure.connectors.http import ApiError, HttpClient, MalformedResponse, PaginationError
from tenure.connectors.vendor_actions import ActionResult, Outcome, VendorCall

RBAC_GROUPS = "/v1/organizations/rbac_groups"
RBAC_BETA = {"anthropic-beta": "ce-user-management-2026-07-13"}


def _member_ids(client: HttpClient, group_id: str) -> set[str] | None:
    """The group's member user ids; None when the group itself is gone (404)."""
    out: set[str] = set()
    seen: set[str] = set()
    cursor: str | None = None
    path = f"{RBAC_GROUPS}/{group_id}/members"
    while True:
        params: list[tuple[str, str | int | bool]] = [("limit", 1000)]
        if cursor is not None:
            params.append(("page", cursor))
        try:
            data = client.request("GET", path, params=params, headers=RBAC_BETA).data
        except ApiError as exc:
            if exc.status == 404:
                return None
            raise
        if not isinstance(data, dict) or not isinstance(data.get("data"), list):
            raise MalformedResponse(f"GET {path}: expected a JSON object with a 'data' list")
        out.update(str(m.get("user_id")) for m in data["data"] if isinstance(m, dict))
        nxt = data.get("next_page")
        if not isinstance(nxt, str) or not nxt:
            return out  # family B: the page without next_page is the last
        if nxt in seen:
            raise PaginationError(f"GET {path}: repeated cursor {nxt!r}")
        seen.add(nxt)
        cursor = nxt


@dataclass(frozen=True, slots=True)
class RemoveGroupMember:
    """Remove a member from a direct RBAC group."""

    group_id: str
    user_id: str
    kind: str = "anthropic.remove_group_member"

    def call(self) -> VendorCall:
        """The DELETE call (sent with the RBAC beta header)."""
        return VendorCall("DELETE", f"{RBAC_GROUPS}/{self.group_id}/members/{self.user_id}")

    def execute(self, client: HttpClient) -> ActionResult:
        """Remove the membership unless it is already gone."""
        members = _member_ids(client, self.group_id)
        if members is None or self.user_id not in members:
            return ActionResult(Outcome.ALREADY_DONE, self.call(), "not a member")
        try:
            client.request("DELETE", self.call().path, headers=RBAC_BETA)
        except ApiError as exc:
            if exc.status != 404:
                raise
            return ActionResult(Outcome.ALREADY_DONE, self.call(), "not a member")
        return ActionResult(Outcome.APPLIED, self.call())

    def verify(self, client: HttpClient) -> bool:
        """The user is no longer listed among the group's members."""
        members = _member_ids(client, self.group_id)
        return members is None or self.user_id not in members
