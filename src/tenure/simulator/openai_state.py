"""The mutable OpenAI organization behind the server: real state, an audit log per change.

Loaded from ``openai.json`` (offsets in seconds from the scenario's anchor) and served at the
simulator's "now". Timestamps go out as Unix seconds. ``owner_project_access`` is computed
live: a user's key reads ``inactive`` once its owner is no longer a member of its project.
Every mutation appends the audit-log event the real platform would record, attributed to the
Admin key that called and to the default project (vendor-apis.md §4.9).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tenure.simulator.ids import b58
from tenure.simulator.openai_rbac_state import OpenAIRBAC
from tenure.simulator.state import ApiError


def oai_error(status: int, message: str, code: str | None = None,
              type_: str = "invalid_request_error") -> ApiError:
    """An error the server renders in the OpenAI envelope."""
    return ApiError(status, type_ if code is None else f"{type_}:{code}", message)


def not_found(what: str, ident: str) -> ApiError:
    """404 in OpenAI's words."""
    return oai_error(404, f"No such {what}: {ident}", "not_found")


@dataclass
class OpenAIState:
    """Users, invites, projects, members, service accounts and keys of one OpenAI org."""

    doc: dict[str, Any]
    as_of: datetime
    admin_key_id: str
    lock: threading.RLock = field(default_factory=threading.RLock)
    _started: float = field(default_factory=time.monotonic)
    disabled: set[str] = field(default_factory=set)
    """Features this org or key lacks (``audit_logs``, ``usage``, ``admin_keys``, ``rbac``):
    403."""
    bracket_filter: bool = True
    """False: refuse ``effective_at[...]`` with 400, as a server reading the other
    serialisation would (vendor-apis.md §4.9 marks the bracket form unverified)."""
    quirks: set[str] = field(default_factory=set)
    """Shapes real servers are reported to send, switched on by tests:
    ``admin_keys_list_project_keys`` (the admin-key listing also returns every project key,
    labelled ``organization.admin_api_key``; vendor-apis-nhi.md §7.8) and
    ``user_without_id`` (the first listed user lacks its ``id``), and
    ``refuse_owner_project_access`` (an older server that rejects the parameter: 400)."""
    _views: dict[bool, tuple[int, tuple[list[dict[str, Any]], list[int], dict[str, int]]]] = (
        field(default_factory=dict))

    def __post_init__(self) -> None:
        base = int(self.as_of.timestamp())
        self.base = base

        def at(offset: Any) -> int | None:
            return None if offset is None else base + int(offset)

        d = self.doc
        self.org = dict(d["org"])
        self.users = {u["id"]: {**u, "added_at": at(u["added_at"]),
                                "api_key_last_used_at": at(u.get("api_key_last_used_at"))}
                      for u in d.get("users", [])}
        self.invites = {i["id"]: {**i, "created_at": at(i["created_at"]),
                                  "expires_at": at(i["expires_at"]),
                                  "accepted_at": at(i.get("accepted_at"))}
                        for i in d.get("invites", [])}
        self.projects = {p["id"]: {**p, "created_at": at(p["created_at"]),
                                   "archived_at": at(p.get("archived_at"))}
                         for p in d.get("projects", [])}
        self.members: dict[str, dict[str, dict[str, Any]]] = {p: {} for p in self.projects}
        for m in d.get("project_users", []):
            self.members[m["project_id"]][m["user_id"]] = {"role": m["role"],
                                                           "added_at": at(m["added_at"])}
        self.service_accounts = {s["id"]: {**s, "created_at": at(s["created_at"])}
                                 for s in d.get("service_accounts", [])}
        self.keys = {k["id"]: {**k, "created_at": at(k["created_at"]),
                               "last_used_at": at(k.get("last_used_at"))}
                     for k in d.get("api_keys", [])}
        self.admin_keys = {k["id"]: {**k, "created_at": at(k["created_at"]),
                                     "expires_at": at(k.get("expires_at")),
                                     "last_used_at": at(k.get("last_used_at"))}
                           for k in d.get("admin_keys", [])}
        self.audit: list[dict[str, Any]] = [
            {**e, "effective_at": base + int(e["offset"])} for e in d.get("audit_logs", [])]
        self.usage: list[tuple[int, str, str, str | None, int, int, int, str]] = [
            (base // 86_400 * 86_400 + int(r[0]) * 86_400, r[1], r[2], r[3], int(r[4]),
             int(r[5]), int(r[6]), str(r[7])) for r in d.get("usage", [])]
        self.default_project = next(iter(self.projects), None)
        self.admin_owner = d.get("admin_key_owner")
        self.rbac = OpenAIRBAC.load(self, d)

    # -- time and audit ------------------------------------------------------------------
    def now(self) -> int:
        """Served "now" in Unix seconds: the anchor plus real time elapsed since start."""
        return self.base + int(time.monotonic() - self._started)

    def log(self, type_name: str, target: str | None, **details: Any) -> None:
        """Append the audit-log event of a mutation made with the Admin key."""
        owner = self.users.get(self.admin_owner or "")
        user = {"id": owner["id"], "email": owner["email"]} if owner else {}
        seq = len(self.audit) + 1
        self.audit.append({
            "id": f"audit_log-{b58(seq, 6)}{b58(seq * 7_919 + 13, 16)}", "type": type_name,
            "effective_at": self.now(),
            "actor": {"type": "api_key", "api_key": {"id": self.admin_key_id,
                                                      "type": "user", "user": user}},
            "project_id": self.default_project,
            "details": {"id": target, **details} if target else details})

    def require(self, feature: str) -> None:
        """403 when the feature is switched off."""
        if feature in self.disabled:
            raise oai_error(403, f"You have insufficient permissions for this operation "
                            f"({feature}).", "insufficient_permissions")

    def audit_view(self, *, tenant: bool = False
                   ) -> tuple[list[dict[str, Any]], list[int], dict[str, int]]:
        """The audit log newest first, its negated times (ascending, for bisection) and each
        id's position; rebuilt only when events were appended since the last call.

        ``tenant``: the tenant-scoped events (``tenant.*``) instead of the others: the two
        are never served together."""
        with self.lock:
            cached = self._views.get(tenant)
            if cached is None or cached[0] != len(self.audit):
                ordered = sorted((e for e in self.audit
                                  if e["type"].startswith("tenant.") == tenant),
                                 key=lambda e: (e["effective_at"], e["id"]), reverse=True)
                cached = (len(self.audit), (ordered, [-e["effective_at"] for e in ordered],
                                            {e["id"]: n for n, e in enumerate(ordered)}))
                self._views[tenant] = cached
            return cached[1]

    # -- reads ---------------------------------------------------------------------------
    def user(self, user_id: str) -> dict[str, Any]:
        """An org user or 404."""
        if user_id not in self.users:
            raise not_found("user", user_id)
        return self.users[user_id]

    def project(self, project_id: str) -> dict[str, Any]:
        """A project or 404."""
        if project_id not in self.projects:
            raise not_found("project", project_id)
        return self.projects[project_id]

    def key(self, project_id: str, key_id: str) -> dict[str, Any]:
        """A project key or 404."""
        self.project(project_id)
        key = self.keys.get(key_id)
        if key is None or key["project_id"] != project_id:
            raise not_found("API key", key_id)
        return key

    def service_account(self, project_id: str, sa_id: str) -> dict[str, Any]:
        """A project service account or 404."""
        self.project(project_id)
        sa = self.service_accounts.get(sa_id)
        if sa is None or sa["project_id"] != project_id:
            raise not_found("service account", sa_id)
        return sa

    def owner_access(self, key: dict[str, Any]) -> str:
        """``active`` while the key's owner still belongs to the key's project."""
        if key["owner_type"] == "service_account":
            return "active" if key["owner_id"] in self.service_accounts else "inactive"
        return "active" if key["owner_id"] in self.members.get(key["project_id"], {}) \
            else "inactive"

    # -- mutations -----------------------------------------------------------------------
    def delete_user(self, user_id: str) -> None:
        """Remove a user from the org and from every project (their keys lose access)."""
        with self.lock:
            user = self.user(user_id)
            del self.users[user_id]
            for members in self.members.values():
                members.pop(user_id, None)
            self.rbac.forget_user(user_id)
            self.log("user.deleted", user_id, data={"email": user["email"]})

    def update_role(self, user_id: str, role: str) -> dict[str, Any]:
        """Set a user's org role (``owner`` or ``reader``)."""
        if role not in ("owner", "reader"):
            raise oai_error(400, f"Invalid role: {role!r}; expected owner or reader",
                            "invalid_value")
        with self.lock:
            user = self.user(user_id)
            user["role"] = role
            self.log("user.updated", user_id, changes_requested={"role": role})
            return user

    def update_project_role(self, project_id: str, user_id: str, role: str) -> None:
        """Set a project member's role (``owner`` or ``member``)."""
        if role not in ("owner", "member"):
            raise oai_error(400, f"Invalid role: {role!r}; expected owner or member",
                            "invalid_value")
        with self.lock:
            self.project(project_id)
            if user_id not in self.members[project_id]:
                raise not_found("project user", user_id)
            self.members[project_id][user_id]["role"] = role
            self.log("role.assignment.created", None, principal_id=user_id,
                     principal_type="user", resource_id=project_id,
                     resource_type="api.project")

    def delete_project_user(self, project_id: str, user_id: str) -> None:
        """Remove a user from a project."""
        with self.lock:
            self.project(project_id)
            if user_id not in self.members[project_id]:
                raise not_found("project user", user_id)
            del self.members[project_id][user_id]
            self.log("role.assignment.deleted", None, principal_id=user_id,
                     principal_type="user", resource_id=project_id,
                     resource_type="api.project")

    def delete_key(self, project_id: str, key_id: str) -> None:
        """Delete a user-owned project key; a service account's key cannot be deleted."""
        with self.lock:
            key = self.key(project_id, key_id)
            if key["owner_type"] == "service_account":
                raise oai_error(400, "API keys owned by a service account cannot be deleted; "
                                "delete the service account instead.", "invalid_request")
            del self.keys[key_id]
            self.log("api_key.deleted", key_id)

    def delete_service_account(self, project_id: str, sa_id: str) -> None:
        """Delete a service account and every key it owns."""
        with self.lock:
            self.service_account(project_id, sa_id)
            del self.service_accounts[sa_id]
            for key_id in [k for k, v in self.keys.items() if v["owner_id"] == sa_id]:
                del self.keys[key_id]
            self.log("service_account.deleted", sa_id)

    def delete_invite(self, invite_id: str) -> None:
        """Delete a pending invite (an accepted one cannot be deleted)."""
        with self.lock:
            invite = self.invites.get(invite_id)
            if invite is None:
                raise not_found("invite", invite_id)
            if invite["status"] == "accepted":
                raise oai_error(400, "An accepted invite cannot be deleted.", "invalid_request")
            del self.invites[invite_id]
            self.log("invite.deleted", invite_id)

    def delete_admin_key(self, key_id: str) -> None:
        """Delete an Admin API key."""
        with self.lock:
            if key_id not in self.admin_keys:
                raise not_found("admin API key", key_id)
            del self.admin_keys[key_id]
            self.log("api_key.deleted", key_id)

    def archive_project(self, project_id: str) -> dict[str, Any]:
        """Archive a project (projects are never deleted)."""
        with self.lock:
            proj = self.project(project_id)
            if proj["archived_at"] is None:
                proj["archived_at"] = self.now()
                self.log("project.archived", project_id)
            return proj
