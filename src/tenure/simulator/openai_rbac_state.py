"""The OpenAI organization's groups, custom roles and role assignments (vendor-apis-nhi.md §7).

Loaded from ``openai.json`` next to the seats (offsets in seconds from the anchor), served by
``openai_rbac``. Written from the contract, independently of the connector.

Document keys (all optional):

- ``groups``: ``{id, name, created_at, is_scim_managed, group_type}``;
- ``group_users``: ``{group_id, user_id, added_at}``;
- ``roles``: ``{id, name, description, permissions[], resource_type, project_id,
  predefined_role}`` (``project_id`` null with ``resource_type: api.project`` = a predefined
  project role listed in every project);
- ``role_assignments``: ``{principal_type: user|group, principal_id, role_id, project_id,
  created_at}`` (``project_id`` null = organization level);
- ``project_groups``: ``{project_id, group_id, role, created_at}`` (``role`` = a project role
  id; granting a group a project also assigns it that project role).

Behaviour switches (``rbac_options`` in the document, or set on the object by tests):
``scim_locked`` (default true) refuses renames, deletes and member edits of SCIM-managed groups
with 400, because the spec does not say (unverified) and Anthropic documents exactly that rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tenure.simulator.ids import b58

if TYPE_CHECKING:
    from tenure.simulator.openai_state import OpenAIState

ORG_LEVEL = ""


def _err(status: int, message: str, code: str) -> Exception:
    from tenure.simulator.openai_state import oai_error

    return oai_error(status, message, code)


@dataclass
class OpenAIRBAC:
    """Groups, members, roles, role assignments and project groups of one OpenAI org."""

    state: OpenAIState
    scim_locked: bool = True
    groups: dict[str, dict[str, Any]] = field(default_factory=dict)
    members: dict[str, dict[str, int]] = field(default_factory=dict)
    """group id → user id → added_at."""
    roles: dict[str, dict[str, Any]] = field(default_factory=dict)
    assignments: dict[tuple[str, str, str, str], int] = field(default_factory=dict)
    """(principal_type, principal_id, scope (project id or ORG_LEVEL), role id) → created_at."""
    project_groups: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    """project id → group id → {created_at, role}."""
    _seq: int = 0

    @classmethod
    def load(cls, state: OpenAIState, doc: dict[str, Any]) -> OpenAIRBAC:
        """Build from the document's RBAC keys."""
        base = state.base
        options = doc.get("rbac_options") or {}
        rbac = cls(state, scim_locked=bool(options.get("scim_locked", True)))
        for g in doc.get("groups", []):
            rbac.groups[g["id"]] = {**g, "created_at": base + int(g.get("created_at", 0)),
                                    "is_scim_managed": bool(g.get("is_scim_managed", False)),
                                    "group_type": g.get("group_type", "group")}
            rbac.members[g["id"]] = {}
        for m in doc.get("group_users", []):
            rbac.members[m["group_id"]][m["user_id"]] = base + int(m.get("added_at", 0))
        for r in doc.get("roles", []):
            rbac.roles[r["id"]] = {"description": None, "project_id": None,
                                   "predefined_role": False, **r}
        for a in doc.get("role_assignments", []):
            key = (a["principal_type"], a["principal_id"], a.get("project_id") or ORG_LEVEL,
                   a["role_id"])
            rbac.assignments[key] = base + int(a.get("created_at", 0))
        for p in doc.get("project_groups", []):
            rbac.project_groups.setdefault(p["project_id"], {})[p["group_id"]] = {
                "created_at": base + int(p.get("created_at", 0)), "role": p["role"]}
            rbac.assignments.setdefault(("group", p["group_id"], p["project_id"], p["role"]),
                                        base + int(p.get("created_at", 0)))
        return rbac

    def _mint(self, prefix: str) -> str:
        self._seq += 1
        return f"{prefix}{b58(self._seq * 104_729 + 7, 20)}"

    # -- reads -----------------------------------------------------------------------------
    def group(self, group_id: str) -> dict[str, Any]:
        """A group or 404."""
        if group_id not in self.groups:
            raise _err(404, f"No such group: {group_id}", "not_found")
        return self.groups[group_id]

    def role(self, role_id: str, project_id: str | None = None) -> dict[str, Any]:
        """An organization role (``project_id`` None) or a role of that project, or 404."""
        r = self.roles.get(role_id)
        if r is None or not self._in_scope(r, project_id):
            raise _err(404, f"No such role: {role_id}", "not_found")
        return r

    @staticmethod
    def _in_scope(r: dict[str, Any], project_id: str | None) -> bool:
        if project_id is None:
            return bool(r.get("resource_type") == "api.organization")
        return bool(r.get("resource_type") == "api.project"
                    and r.get("project_id") in (None, project_id))

    def org_roles(self) -> list[dict[str, Any]]:
        """Organization roles (predefined first, as created)."""
        return [r for r in self.roles.values() if self._in_scope(r, None)]

    def project_roles(self, project_id: str) -> list[dict[str, Any]]:
        """The roles that can be assigned in one project."""
        self.state.project(project_id)
        return [r for r in self.roles.values() if self._in_scope(r, project_id)]

    def groups_of(self, user_id: str) -> list[str]:
        """The groups a user is a member of."""
        return [g for g, m in self.members.items() if user_id in m]

    def assigned(self, principal_type: str, principal_id: str, scope: str
                 ) -> list[tuple[str, int, list[dict[str, str]]]]:
        """``(role id, created_at, assignment_sources)`` a principal holds at a scope; a user's
        list includes what it inherits from its groups (sources name them, and the user itself
        when it also holds the role directly)."""
        out: dict[str, tuple[int, list[dict[str, str]]]] = {}
        for (ptype, pid, sc, role_id), at in self.assignments.items():
            if ptype == principal_type and pid == principal_id and sc == scope:
                out[role_id] = (at, [])
        if principal_type == "user":
            for group_id in self.groups_of(principal_id):
                for (ptype, pid, sc, role_id), at in self.assignments.items():
                    if ptype != "group" or pid != group_id or sc != scope:
                        continue
                    if role_id not in out:
                        out[role_id] = (at, [{"principal_id": group_id,
                                              "principal_type": "group"}])
                    elif out[role_id][1]:
                        out[role_id][1].append({"principal_id": group_id,
                                                "principal_type": "group"})
                    else:
                        out[role_id] = (out[role_id][0], [
                            {"principal_id": principal_id, "principal_type": "user"},
                            {"principal_id": group_id, "principal_type": "group"}])
        return [(r, at, src) for r, (at, src) in out.items()]

    # -- mutations -------------------------------------------------------------------------
    def _editable(self, group: dict[str, Any]) -> None:
        if group["is_scim_managed"] and self.scim_locked:
            raise _err(400, f"Group {group['id']} is managed by SCIM: change it in your "
                       "identity provider.", "scim_managed_group")

    def create_group(self, name: str) -> dict[str, Any]:
        """A new direct group."""
        if not isinstance(name, str) or not 1 <= len(name) <= 255:
            raise _err(400, "Invalid 'name': must be 1 to 255 characters", "invalid_value")
        with self.state.lock:
            group_id = self._mint("group_")
            self.groups[group_id] = {"id": group_id, "name": name,
                                     "created_at": self.state.now(),
                                     "is_scim_managed": False, "group_type": "group"}
            self.members[group_id] = {}
            self.state.log("group.created", group_id, data={"group_name": name})
            return self.groups[group_id]

    def rename_group(self, group_id: str, name: str) -> dict[str, Any]:
        """Rename a direct group."""
        if not isinstance(name, str) or not 1 <= len(name) <= 255:
            raise _err(400, "Invalid 'name': must be 1 to 255 characters", "invalid_value")
        with self.state.lock:
            group = self.group(group_id)
            self._editable(group)
            group["name"] = name
            self.state.log("group.updated", group_id, changes_requested={"group_name": name})
            return group

    def delete_group(self, group_id: str) -> None:
        """Delete a direct group with its memberships, role bindings and project access."""
        with self.state.lock:
            self._editable(self.group(group_id))
            del self.groups[group_id]
            del self.members[group_id]
            for key in [k for k in self.assignments if k[:2] == ("group", group_id)]:
                del self.assignments[key]
            for grants in self.project_groups.values():
                grants.pop(group_id, None)
            self.state.log("group.deleted", group_id)

    def add_member(self, group_id: str, user_id: str) -> None:
        """Add an org user to a direct group (already a member: no change)."""
        with self.state.lock:
            group = self.group(group_id)
            self._editable(group)
            self.state.user(user_id)
            if user_id not in self.members[group_id]:
                self.members[group_id][user_id] = self.state.now()
                self.state.log("tenant.group.member.added", self._mint("tenant_evt_"),
                               group_id=group_id, member_ids=[user_id])

    def remove_member(self, group_id: str, user_id: str) -> None:
        """Remove a member from a direct group (404 when not a member)."""
        with self.state.lock:
            group = self.group(group_id)
            self._editable(group)
            if user_id not in self.members[group_id]:
                raise _err(404, f"User {user_id} is not a member of group {group_id}",
                           "not_found")
            del self.members[group_id][user_id]
            self.state.log("tenant.group.member.removed", self._mint("tenant_evt_"),
                           group_id=group_id, member_ids=[user_id])

    def forget_user(self, user_id: str) -> None:
        """A user left the org: their memberships and own assignments go with them."""
        for members in self.members.values():
            members.pop(user_id, None)
        for key in [k for k in self.assignments if k[:2] == ("user", user_id)]:
            del self.assignments[key]

    def create_role(self, project_id: str | None, body: Any) -> dict[str, Any]:
        """A custom role at the organization (``project_id`` None) or in a project."""
        if not isinstance(body, dict) or not isinstance(body.get("role_name"), str) \
                or not isinstance(body.get("permissions"), list):
            raise _err(400, "role_name and permissions[] are required", "invalid_value")
        with self.state.lock:
            if project_id is not None:
                self.state.project(project_id)
            role_id = self._mint("role_")
            self.roles[role_id] = {
                "id": role_id, "name": body["role_name"],
                "description": body.get("description"),
                "permissions": [str(p) for p in body["permissions"]],
                "resource_type": "api.organization" if project_id is None else "api.project",
                "project_id": project_id, "predefined_role": False}
            self.state.log("role.created", role_id, role_name=body["role_name"],
                           permissions=self.roles[role_id]["permissions"],
                           resource_type=self.roles[role_id]["resource_type"],
                           resource_id=project_id or self.state.org["id"])
            return self.roles[role_id]

    def update_role(self, project_id: str | None, role_id: str, body: Any) -> dict[str, Any]:
        """Rename a custom role or replace its permissions (predefined roles: 400)."""
        with self.state.lock:
            role = self.role(role_id, project_id)
            if role["predefined_role"]:
                raise _err(400, "Predefined roles cannot be changed.", "invalid_request")
            body = body if isinstance(body, dict) else {}
            if isinstance(body.get("role_name"), str):
                role["name"] = body["role_name"]
            if isinstance(body.get("permissions"), list):
                role["permissions"] = [str(p) for p in body["permissions"]]
            if "description" in body:
                role["description"] = body["description"]
            self.state.log("role.updated", role_id, changes_requested=body)
            return role

    def delete_role(self, project_id: str | None, role_id: str) -> None:
        """Delete a custom role (its assignments go with it: the spec does not say)."""
        with self.state.lock:
            role = self.role(role_id, project_id)
            if role["predefined_role"]:
                raise _err(400, "Predefined roles cannot be deleted.", "invalid_request")
            del self.roles[role_id]
            for key in [k for k in self.assignments if k[3] == role_id]:
                del self.assignments[key]
            self.state.log("role.deleted", role_id)

    def principal(self, principal_type: str, principal_id: str) -> dict[str, Any]:
        """The user or group a role is assigned to, or 404."""
        if principal_type == "group":
            return self.group(principal_id)
        return self.state.user(principal_id)

    def assign(self, principal_type: str, principal_id: str, project_id: str | None,
               role_id: Any) -> dict[str, Any]:
        """Assign a role (already assigned: no change); the role must fit the level."""
        if not isinstance(role_id, str):
            raise _err(400, "role_id is required", "invalid_value")
        with self.state.lock:
            self.principal(principal_type, principal_id)
            role = self.role(role_id, project_id)
            if project_id is not None and principal_type == "user" \
                    and principal_id not in self.state.members.get(project_id, {}):
                raise _err(400, f"User {principal_id} is not a member of project "
                           f"{project_id}", "invalid_request")
            key = (principal_type, principal_id, project_id or ORG_LEVEL, role_id)
            if key not in self.assignments:
                self.assignments[key] = self.state.now()
                self.state.log("role.assignment.created", role_id,
                               principal_id=principal_id, principal_type=principal_type,
                               resource_id=project_id or self.state.org["id"],
                               resource_type=role["resource_type"])
            return role

    def unassign(self, principal_type: str, principal_id: str, project_id: str | None,
                 role_id: str) -> None:
        """Remove a role assignment (404 when the principal does not hold it directly)."""
        with self.state.lock:
            self.principal(principal_type, principal_id)
            key = (principal_type, principal_id, project_id or ORG_LEVEL, role_id)
            if key not in self.assignments:
                raise _err(404, f"No such role assignment: {role_id}", "not_found")
            del self.assignments[key]
            role = self.roles.get(role_id, {})
            self.state.log("role.assignment.deleted", role_id, principal_id=principal_id,
                           principal_type=principal_type,
                           resource_id=project_id or self.state.org["id"],
                           resource_type=role.get("resource_type", ""))

    def grant_project(self, project_id: str, body: Any) -> dict[str, Any]:
        """Give a group access to a project with a project role."""
        if not isinstance(body, dict) or not isinstance(body.get("group_id"), str) \
                or not isinstance(body.get("role"), str):
            raise _err(400, "group_id and role are required", "invalid_value")
        with self.state.lock:
            self.state.project(project_id)
            self.group(body["group_id"])
            self.role(body["role"], project_id)
            grants = self.project_groups.setdefault(project_id, {})
            if body["group_id"] not in grants:
                grants[body["group_id"]] = {"created_at": self.state.now(),
                                            "role": body["role"]}
                self.assignments.setdefault(("group", body["group_id"], project_id,
                                             body["role"]), self.state.now())
                self.state.log("tenant.resource_access.updated", self._mint("tenant_evt_"),
                               group_id=body["group_id"], project_id=project_id)
            return {"group_id": body["group_id"], **grants[body["group_id"]]}

    def revoke_project(self, project_id: str, group_id: str) -> None:
        """Remove a group's access to a project, with its project roles."""
        with self.state.lock:
            self.state.project(project_id)
            grants = self.project_groups.get(project_id, {})
            if group_id not in grants:
                raise _err(404, f"Group {group_id} has no access to project {project_id}",
                           "not_found")
            del grants[group_id]
            for key in [k for k in self.assignments
                        if k[:3] == ("group", group_id, project_id)]:
                del self.assignments[key]
            self.state.log("tenant.resource_access.deleted", self._mint("tenant_evt_"),
                           group_id=group_id, project_id=project_id)
