"""The mutable organization behind the server: real state, and an activity for each change.

A removed user disappears from every list, an archived key reads archived, and every mutation
appends the Compliance activity the real platform would log (actor: the Admin API key that
called). Positions in creation order are kept for removed objects too, so a client paging with
the id of an object deleted mid-sync still gets the next page.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from tenure.simulator.feed import ActivityFeed
from tenure.simulator.ids import random_id
from tenure.simulator.scenario import ApiKey, Invite, Member, Scenario, User, Workspace

CONSOLE_ASSIGNABLE = frozenset({"user", "developer", "billing", "claude_code_user"})
ENTERPRISE_ASSIGNABLE = frozenset({"user", "managed"})
WORKSPACE_ROLES = frozenset({"workspace_user", "workspace_developer", "workspace_admin",
                             "workspace_billing", "workspace_restricted_developer"})
KEY_STATUSES = frozenset({"active", "inactive", "archived"})
INVITE_DAYS = 21


class ApiError(Exception):
    """An error answered in the vendor's envelope."""

    def __init__(self, status: int, type_: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.type = type_
        self.message = message


def not_found(what: str = "resource") -> ApiError:
    """404 in the vendor's words."""
    return ApiError(404, "not_found_error", f"The requested {what} could not be found.")


def invalid(message: str) -> ApiError:
    """400 invalid_request_error."""
    return ApiError(400, "invalid_request_error", message)


class OrgState:
    """Users, invites, workspaces, members and keys of one organization, guarded by a lock."""

    def __init__(self, scenario: Scenario, as_of: datetime) -> None:
        self.scenario = scenario
        self.as_of = as_of
        self.lock = threading.RLock()
        self.feed = ActivityFeed(scenario, as_of, self.lock)
        self._started = time.monotonic()
        self._rng_counter = 0
        self.users = {u.id: u for u in sorted(scenario.users, key=lambda u: (u.added_at, u.id))}
        self.invites = {i.id: i for i in sorted(scenario.invites,
                                                key=lambda i: (i.invited_at, i.id))}
        self.workspaces = {w.id: w for w in sorted(scenario.workspaces,
                                                   key=lambda w: (w.created_at, w.id))}
        self.members: dict[tuple[str, str], Member] = {
            (m.workspace_id, m.user_id): m for m in scenario.members}
        self.keys = {k.id: k for k in sorted(scenario.api_keys,
                                             key=lambda k: (k.created_at, k.id))}
        self.planes: dict[str, Any] = {}
        """Further API planes of the organization, by name, built on first use by their own
        modules (``anthropic_nhi_sa.plane``)."""
        self.position: dict[str, int] = {}
        for ident in [*self.users, *self.invites, *self.workspaces, *self.keys]:
            self.position[ident] = len(self.position)

    # -- time ------------------------------------------------------------------------------
    def elapsed(self) -> float:
        """Seconds of scenario time since the server started (as-of + real elapsed)."""
        return time.monotonic() - self._started

    def now(self) -> datetime:
        """The served "now"."""
        return self.as_of + timedelta(seconds=self.elapsed())

    def at(self, offset: float) -> datetime:
        """The served time of a scenario offset."""
        return self.as_of + timedelta(seconds=offset)

    def _new_id(self, prefix: str) -> str:
        self._rng_counter += 1
        return random_id(random.Random(f"{prefix}:{self._rng_counter}:{self.as_of}"), prefix)

    def _log(self, type_name: str, actor: dict[str, Any], **extra: Any) -> None:
        self.feed.append(type_name, actor, self.elapsed(), **extra)

    # -- users -----------------------------------------------------------------------------
    def user(self, user_id: str) -> User:
        """A current member or 404."""
        found = self.users.get(user_id)
        if found is None:
            raise not_found("user")
        return found

    def update_role(self, user_id: str, role: str, actor: dict[str, Any]) -> User:
        """Change an org role (``admin`` and owner roles cannot be assigned by API)."""
        with self.lock:
            user = self.user(user_id)
            allowed = (ENTERPRISE_ASSIGNABLE if self.scenario.kind == "enterprise"
                       else CONSOLE_ASSIGNABLE)
            if role not in allowed:
                raise invalid(f"role: {role!r} cannot be assigned; expected one of "
                              f"{', '.join(sorted(allowed))}")
            self._guard_privileged(user, "changed")
            previous = user.role
            if previous != role:
                user.role = role
                self._log("claude_user_role_updated", actor, user_id=user.id,
                          user_email=user.email, previous_role=previous, current_role=role)
            return user

    def delete_user(self, user_id: str, actor: dict[str, Any]) -> None:
        """Remove a member: their workspace memberships go, their keys stay."""
        with self.lock:
            user = self.user(user_id)
            self._guard_privileged(user, "removed")
            del self.users[user_id]
            for key in [k for k in self.members if k[1] == user_id]:
                del self.members[key]
            self._log("org_user_deleted", actor, deleted_user_id=user.id,
                      deleted_user_email=user.email)

    def _guard_privileged(self, user: User, verb: str) -> None:
        if user.role == "primary_owner":
            raise invalid(f"The primary owner cannot be {verb} through the API.")
        if self.scenario.admin_protection and user.role in ("admin", "owner"):
            raise invalid(f"Organization admins cannot be {verb} through the API.")

    # -- invites ---------------------------------------------------------------------------
    def invite_status(self, invite: Invite) -> str:
        """``pending`` turns ``expired`` once its expiry passes."""
        if invite.status == "pending" and invite.expires_at <= self.elapsed():
            return "expired"
        return invite.status

    def invite(self, invite_id: str) -> Invite:
        """A listed invite or 404."""
        found = self.invites.get(invite_id)
        if found is None or found.status == "deleted":
            raise not_found("invite")
        return found

    def create_invite(self, email: str, role: str, actor: dict[str, Any]) -> Invite:
        """Invite someone; the role rules of updates apply."""
        with self.lock:
            allowed = (ENTERPRISE_ASSIGNABLE if self.scenario.kind == "enterprise"
                       else CONSOLE_ASSIGNABLE)
            if role not in allowed:
                raise invalid(f"role: {role!r} cannot be assigned by invite")
            if "@" not in email:
                raise invalid("email: not a valid email address")
            now = self.elapsed()
            invite = Invite(self._new_id("invite"), email, role, now,
                            now + INVITE_DAYS * 86400, "pending")
            self.invites[invite.id] = invite
            self.position[invite.id] = len(self.position)
            self._log("org_user_invite_sent", actor, invited_email=email, invited_role=role)
            return invite

    def delete_invite(self, invite_id: str, actor: dict[str, Any]) -> None:
        """Delete an invite (it leaves the list)."""
        with self.lock:
            invite = self.invite(invite_id)
            invite.status = "deleted"
            self._log("org_user_invite_deleted", actor, invite_id=invite.id,
                      email_address=invite.email)

    # -- workspaces ------------------------------------------------------------------------
    def workspace(self, workspace_id: str) -> Workspace:
        """A workspace (archived included; the default workspace too) or 404."""
        found = self.workspaces.get(workspace_id)
        if found is None and workspace_id == self.scenario.default_workspace_id:
            return self.default_workspace()
        if found is None:
            raise not_found("workspace")
        return found

    def default_workspace(self) -> Workspace:
        """The organization's default workspace: real id, listed with ``include_default``."""
        return Workspace(self.scenario.default_workspace_id, "Default Workspace",
                         min((w.created_at for w in self.workspaces.values()), default=0))

    def create_workspace(self, name: str, actor: dict[str, Any]) -> Workspace:
        """Create a workspace."""
        with self.lock:
            if not name or len(name) > 40:
                raise invalid("name: must be 1 to 40 characters")
            ws = Workspace(self._new_id("wrkspc"), name, self.elapsed())
            self.workspaces[ws.id] = ws
            self.position[ws.id] = len(self.position)
            self._log("platform_workspace_created", actor, workspace_id=ws.id,
                      workspace_name=name)
            return ws

    def rename_workspace(self, workspace_id: str, name: str, actor: dict[str, Any]) -> Workspace:
        """Rename a workspace."""
        with self.lock:
            ws = self._active_workspace(workspace_id)
            if not name or len(name) > 40:
                raise invalid("name: must be 1 to 40 characters")
            previous, ws.name = ws.name, name
            self._log("platform_workspace_updated", actor, workspace_id=ws.id,
                      updates=[{"type": "name", "previous_value": previous,
                                "current_value": name}])
            return ws

    def archive_workspace(self, workspace_id: str, actor: dict[str, Any]) -> Workspace:
        """Archive a workspace; its keys keep their own status."""
        with self.lock:
            ws = self._active_workspace(workspace_id)
            ws.archived_at = self.elapsed()
            self._log("platform_workspace_archived", actor, workspace_id=ws.id)
            return ws

    def _active_workspace(self, workspace_id: str) -> Workspace:
        ws = self.workspace(workspace_id)
        if ws.archived_at is not None:
            raise invalid("This workspace is archived and cannot be modified.")
        return ws

    # -- workspace members -----------------------------------------------------------------
    def workspace_members(self, workspace_id: str) -> list[Member]:
        """Explicit members plus the implicit admin/billing ones, in user order."""
        self.workspace(workspace_id)
        implicit = {"admin": "workspace_admin", "billing": "workspace_billing"}
        out = {uid: m for (wid, uid), m in self.members.items() if wid == workspace_id}
        for user in self.users.values():
            if user.role in implicit:
                out[user.id] = Member(user.id, workspace_id, implicit[user.role])
        return sorted(out.values(), key=lambda m: self.position.get(m.user_id, 0))

    def workspace_member(self, workspace_id: str, user_id: str) -> Member:
        """One member (implicit included) or 404."""
        for member in self.workspace_members(workspace_id):
            if member.user_id == user_id:
                return member
        raise not_found("workspace member")

    def _assignable(self, workspace_id: str, user_id: str, role: str) -> User:
        self._active_workspace(workspace_id)
        user = self.user(user_id)
        if role not in WORKSPACE_ROLES:
            raise invalid(f"workspace_role: unknown role {role!r}")
        if role == "workspace_billing":
            raise invalid("workspace_role: workspace_billing cannot be assigned")
        if user.role in ("admin", "billing"):
            raise invalid(f"Organization {user.role}s have an implicit workspace role that "
                          "cannot be changed.")
        return user

    def add_member(self, workspace_id: str, user_id: str, role: str,
                   actor: dict[str, Any]) -> Member:
        """Add a user to a workspace."""
        with self.lock:
            self._assignable(workspace_id, user_id, role)
            if (workspace_id, user_id) in self.members:
                raise invalid("This user is already a member of the workspace.")
            member = Member(user_id, workspace_id, role)
            self.members[(workspace_id, user_id)] = member
            self._log("platform_workspace_member_added", actor, workspace_id=workspace_id,
                      user_id=user_id, workspace_role=role)
            return member

    def update_member(self, workspace_id: str, user_id: str, role: str,
                      actor: dict[str, Any]) -> Member:
        """Change a member's workspace role."""
        with self.lock:
            self._assignable(workspace_id, user_id, role)
            member = self.members.get((workspace_id, user_id))
            if member is None:
                raise not_found("workspace member")
            previous = member.workspace_role
            member.workspace_role = role
            self._log("platform_workspace_member_updated", actor, workspace_id=workspace_id,
                      user_id=user_id, updates=[{"type": "workspace_role",
                                                 "previous_value": previous,
                                                 "current_value": role}])
            return member

    def remove_member(self, workspace_id: str, user_id: str, actor: dict[str, Any]) -> None:
        """Remove an explicit member (implicit admin/billing roles cannot be removed)."""
        with self.lock:
            self.workspace(workspace_id)
            member = self.members.get((workspace_id, user_id))
            if member is None:
                user = self.users.get(user_id)
                if user is not None and user.role in ("admin", "billing"):
                    raise invalid("Organization admins and billing members cannot be removed "
                                  "from a workspace.")
                raise not_found("workspace member")
            del self.members[(workspace_id, user_id)]
            self._log("platform_workspace_member_removed", actor, workspace_id=workspace_id,
                      user_id=user_id, workspace_role=member.workspace_role)

    # -- api keys --------------------------------------------------------------------------
    def key(self, key_id: str) -> ApiKey:
        """An API key or 404."""
        found = self.keys.get(key_id)
        if found is None:
            raise not_found("API key")
        return found

    def key_status(self, key: ApiKey) -> str:
        """The stored status, or ``expired`` once ``expires_at`` has passed."""
        if key.status == "active" and key.expires_at is not None \
                and key.expires_at <= self.elapsed():
            return "expired"
        return key.status

    def update_key(self, key_id: str, name: str | None, status: str | None,
                   actor: dict[str, Any]) -> ApiKey:
        """Rename a key or change its status; archiving is final."""
        with self.lock:
            key = self.key(key_id)
            if status is not None and status not in KEY_STATUSES:
                raise invalid(f"status: expected one of active, inactive, archived; "
                              f"got {status!r}")
            if name is not None and not (1 <= len(name) <= 500):
                raise invalid("name: must be 1 to 500 characters")
            if key.status == "archived" and status not in (None, "archived"):
                raise invalid("An archived API key cannot be modified.")
            updates = []
            before = replace(key)
            if name is not None and name != key.name:
                key.name = name
                updates.append({"type": "name", "previous_value": before.name,
                                 "current_value": name})
            if status is not None and status != key.status:
                key.status = status
                updates.append({"type": "activation_state", "previous_value": before.status,
                                "current_value": status})
            if updates:
                self._log("scoped_api_key_updated", actor, api_key_id=key.id, updates=updates)
            return key
