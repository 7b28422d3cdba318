"""Claude Enterprise access structure, served: RBAC roles and groups, the Compliance directory,
Analytics users (vendor-apis-nhi.md §5), written from the contract (no connector code).

- ``/v1/organizations/rbac_roles`` (+ ``/{id}``, ``/{id}/permissions``) and
  ``/v1/organizations/rbac_groups`` (+ get, create, rename, delete, members list/add/remove):
  the Admin key and the beta header ``ce-user-management-2026-07-13`` (without it: 404); a
  Console org: 404. SCIM-sourced groups refuse rename, delete and member changes.
- ``/v1/compliance/organizations`` (+ ``/{uuid}/users``, ``/roles``, ``/roles/{id}``,
  ``/roles/{id}/permissions``) and ``/v1/compliance/groups`` (+ ``/{id}``, ``/{id}/members``):
  the Compliance Access Key only — the Admin key gets 403.
- ``/v1/organizations/analytics/users``: the analytics key (``read:analytics``); any other key
  is a 404.

Paging: family B (``page``/``next_page``; ``has_more`` is sent too, harmlessly) for the Admin
and Analytics lists, family D for the directory. Three field names differ between vendor
sources (§5.3); :class:`Variant` picks the spelling served (``role_ids``/``roles``,
``rbac_group_id``/``group_id``, ``display_name``(+``name``)/``name``), settable per test.

The plane of an organization is built on first use from ``enterprise.json`` next to the
scenario (written by the generator for Enterprise orgs) and mutated in place: :func:`plane`
is also the state API tests and planting use.
"""

from __future__ import annotations

import json
import threading
import weakref
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from tenure.simulator.anthropic_api import Call, Route, _route, iso_us
from tenure.simulator.ids import random_id
from tenure.simulator.state import ApiError, OrgState, invalid, not_found

BETA = "ce-user-management-2026-07-13"
DEFAULT_ANALYTICS_KEY = "sk-ant-api01-simulator-analytics-key-AAAA"
SCOPES = frozenset({"rbac", "directory", "analytics"})
USER_DATA, ORG_DATA = "read:compliance_user_data", "read:compliance_org_data"
COMPLIANCE_SCOPES = frozenset({"read:compliance_activities", USER_DATA, ORG_DATA,
                               "delete:compliance_user_data"})


@dataclass(slots=True)
class Variant:
    """Which spelling of the three drifting field names is served (vendor-apis-nhi.md §5.3)."""

    group_roles: str = "role_ids"
    """``role_ids`` (SDK) or ``roles`` (docs copies, Compliance groups)."""
    member_group: str = "rbac_group_id"
    """``rbac_group_id`` (SDK) or ``group_id`` (docs copy, samples)."""
    role_name: str = "display_name"
    """``display_name`` (+ the deprecated ``name``) or ``name`` only."""

    @classmethod
    def b(cls) -> Variant:
        """The other spelling of all three."""
        return cls("roles", "group_id", "name")


@dataclass(slots=True)
class RbacRole:
    """A role with its permissions (``{action, resource{type, …}}``)."""

    id: str
    name: str
    created_at: float
    permissions: list[dict[str, Any]] = field(default_factory=list)
    description: str = ""


@dataclass(slots=True)
class RbacGroup:
    """A group; ``role_ids`` None: the role data is (temporarily) unavailable."""

    id: str
    name: str
    source_type: str
    created_at: float
    role_ids: list[str] | None = field(default_factory=list)
    members: dict[str, tuple[str, float]] = field(default_factory=dict)
    """user id → (email, added at)."""


@dataclass(slots=True)
class LinkedOrg:
    """Another organization under the same parent (seen through the Compliance directory)."""

    uuid: str
    name: str
    created_at: float
    users: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class EnterprisePlane:
    """RBAC, directory and analytics state of one organization (guarded by the org's lock)."""

    state: OrgState
    roles: dict[str, RbacRole] = field(default_factory=dict)
    groups: dict[str, RbacGroup] = field(default_factory=dict)
    linked: list[LinkedOrg] = field(default_factory=list)
    analytics: list[dict[str, Any]] = field(default_factory=list)
    variant: Variant = field(default_factory=Variant)
    counter: int = 0
    compliance_scopes: set[str] = field(default_factory=lambda: set(COMPLIANCE_SCOPES))
    """The Compliance Access Key's scopes: users and group members need
    ``read:compliance_user_data``, organizations, roles and groups
    ``read:compliance_org_data`` (else 403)."""

    # -- state API -------------------------------------------------------------------------
    def add_role(self, name: str, permissions: list[dict[str, Any]], role_id: str = "") -> RbacRole:
        """A role (the API has no create: planting and tests only)."""
        role = RbacRole(role_id or self._id("rbac_role"), name, self.state.elapsed(),
                        list(permissions))
        self.roles[role.id] = role
        return role

    def add_group(self, name: str, source_type: str = "direct",
                  role_ids: list[str] | None = None, group_id: str = "") -> RbacGroup:
        """A group (``source_type`` ``direct`` or ``scim``)."""
        group = RbacGroup(group_id or self._id("rbac_group"), name, source_type,
                          self.state.elapsed(), [] if role_ids is None else list(role_ids))
        self.groups[group.id] = group
        return group

    def _id(self, prefix: str) -> str:
        import random

        self.counter += 1
        return random_id(random.Random(f"{prefix}:{self.counter}:{self.state.as_of}"), prefix)

    def group(self, group_id: str) -> RbacGroup:
        """A group or 404."""
        found = self.groups.get(group_id)
        if found is None:
            raise not_found("rbac group")
        return found

    def role(self, role_id: str) -> RbacRole:
        """A role or 404."""
        found = self.roles.get(role_id)
        if found is None:
            raise not_found("rbac role")
        return found

    def editable(self, group_id: str) -> RbacGroup:
        """A group the API may change: SCIM-managed groups belong to the identity provider."""
        group = self.group(group_id)
        if group.source_type == "scim":
            raise ApiError(400, "invalid_request_error",
                           "This group is managed by SCIM directory sync; change it in your "
                           "identity provider.")
        return group


_PLANES: weakref.WeakKeyDictionary[OrgState, EnterprisePlane] = weakref.WeakKeyDictionary()
_PLANES_LOCK = threading.Lock()


def plane(state: OrgState) -> EnterprisePlane:
    """The organization's Enterprise plane (built from ``enterprise.json`` on first use)."""
    with _PLANES_LOCK:
        found = _PLANES.get(state)
        if found is None:
            found = _load(state)
            _PLANES[state] = found
        return found


def _load(state: OrgState) -> EnterprisePlane:
    built = EnterprisePlane(state)
    path = state.scenario.path / "enterprise.json" if state.scenario.path else None
    if path is None or not path.exists():
        return built
    doc = json.loads(path.read_text(encoding="utf-8"))
    built.variant = Variant(**doc.get("variant", {}))
    for r in doc.get("roles", []):
        built.roles[r["id"]] = RbacRole(r["id"], r["name"], float(r["created_at"]),
                                        list(r.get("permissions", [])), r.get("description", ""))
    for g in doc.get("groups", []):
        built.groups[g["id"]] = RbacGroup(
            g["id"], g["name"], g["source_type"], float(g["created_at"]), g.get("role_ids"),
            {m["user_id"]: (m["email"], float(m["created_at"])) for m in g.get("members", [])})
    built.linked = [LinkedOrg(o["uuid"], o["name"], float(o["created_at"]), list(o["users"]))
                    for o in doc.get("linked_orgs", [])]
    built.analytics = list(doc.get("analytics", []))
    return built


# -- authorization (called by the server for the three scopes) ---------------------------------
def authorize(scope: str, headers: Any, admin_key: str, compliance_key: str | None,
              analytics_key: str) -> None:
    """Answer like the vendor for a request to an Enterprise route of ``scope``."""
    key = headers.get("x-api-key")
    auth = headers.get("authorization") or ""
    bearer = auth[7:].strip() if auth.lower().startswith("bearer ") else None
    if scope == "rbac":
        if key != admin_key:
            raise ApiError(401, "authentication_error", "invalid x-api-key")
        betas = {b.strip() for b in (headers.get("anthropic-beta") or "").split(",")}
        if BETA not in betas:
            raise not_found()
        return
    if scope == "directory":
        if compliance_key and compliance_key in (key, bearer):
            return
        if admin_key in (key, bearer):
            raise ApiError(403, "permission_error",
                           "Admin API keys cannot access the Compliance API; use a Compliance "
                           "Access Key with read:compliance_org_data.")
        raise ApiError(401, "authentication_error", "invalid x-api-key")
    if key != analytics_key:  # a bad key or a key without read:analytics: 404 [V3]
        raise not_found()


# -- paging ------------------------------------------------------------------------------------
def _page(call: Call, items: list[Any], default: int = 20, maximum: int = 1000
          ) -> tuple[list[Any], str | None]:
    raw = call.arg("limit")
    try:
        limit = default if raw is None else int(raw)
    except ValueError:
        raise invalid(f"limit: not an integer: {raw!r}") from None
    if not 1 <= limit <= maximum:
        raise invalid(f"limit: must be between 1 and {maximum}")
    if call.page_cap:
        limit = min(limit, call.page_cap)
    token = call.arg("page")
    start = 0
    if token:
        if not token.startswith("page_") or not token[5:].isdigit():
            raise invalid(f"page: invalid page token {token!r}")
        start = int(token[5:])
    chunk = items[start:start + limit]
    more = start + limit < len(items)
    return chunk, f"page_{start + limit:06d}" if more else None


def _envelope(call: Call, items: list[Any], default: int = 20) -> dict[str, Any]:
    chunk, nxt = _page(call, items, default)
    return {"data": chunk, "has_more": nxt is not None, "next_page": nxt}


def _enterprise(call: Call) -> EnterprisePlane:
    if call.state.scenario.kind != "enterprise":
        raise not_found()
    return plane(call.state)


# -- renderers ---------------------------------------------------------------------------------
def role_json(p: EnterprisePlane, r: RbacRole) -> dict[str, Any]:
    """A ``rbac_role`` in the served spelling."""
    at = iso_us(p.state.at(r.created_at))
    out: dict[str, Any] = {"id": r.id, "type": "rbac_role", "name": r.name,
                           "created_at": at, "updated_at": at}
    if p.variant.role_name == "display_name":
        out["display_name"] = r.name
    return out


def group_json(p: EnterprisePlane, g: RbacGroup) -> dict[str, Any]:
    """A ``rbac_group`` in the served spelling (its role list may be null)."""
    at = iso_us(p.state.at(g.created_at))
    return {"id": g.id, "type": "rbac_group", "name": g.name, "source_type": g.source_type,
            p.variant.group_roles: None if g.role_ids is None else list(g.role_ids),
            "created_at": at, "updated_at": at}


def member_json(p: EnterprisePlane, g: RbacGroup, user_id: str) -> dict[str, Any]:
    """A ``rbac_group_member``."""
    email, added = g.members[user_id]
    return {"type": "rbac_group_member", "user_id": user_id, "email": email,
            p.variant.member_group: g.id, "created_at": iso_us(p.state.at(added))}


# -- RBAC handlers -----------------------------------------------------------------------------
def list_roles(call: Call) -> dict[str, Any]:
    """``GET /v1/organizations/rbac_roles``."""
    p = _enterprise(call)
    with call.state.lock:
        return _envelope(call, [role_json(p, r) for r in p.roles.values()])


def get_role(call: Call) -> dict[str, Any]:
    """``GET /v1/organizations/rbac_roles/{id}``."""
    p = _enterprise(call)
    return role_json(p, p.role(call.params["id"]))


def role_permissions(call: Call) -> dict[str, Any]:
    """``GET /v1/organizations/rbac_roles/{id}/permissions``."""
    p = _enterprise(call)
    role = p.role(call.params["id"])
    return _envelope(call, [{"type": "rbac_role_permission", **perm}
                            for perm in role.permissions])


def list_groups(call: Call) -> dict[str, Any]:
    """``GET /v1/organizations/rbac_groups``."""
    p = _enterprise(call)
    with call.state.lock:
        return _envelope(call, [group_json(p, g) for g in p.groups.values()])


def get_group(call: Call) -> dict[str, Any]:
    """``GET /v1/organizations/rbac_groups/{id}``."""
    p = _enterprise(call)
    return group_json(p, p.group(call.params["id"]))


def create_group(call: Call) -> dict[str, Any]:
    """``POST /v1/organizations/rbac_groups`` ``{name}``: always ``source_type: direct``."""
    p = _enterprise(call)
    name = call.field("name")
    if not isinstance(name, str) or not name:
        raise invalid("name: must be a non-empty string")
    with call.state.lock:
        group = p.add_group(name)
        call.state._log("group_created", call.actor, group_id=group.id, group_name=name)
        return group_json(p, group)


def rename_group(call: Call) -> dict[str, Any]:
    """``POST /v1/organizations/rbac_groups/{id}`` ``{name}``."""
    p = _enterprise(call)
    name = call.field("name")
    if not isinstance(name, str) or not name:
        raise invalid("name: must be a non-empty string")
    with call.state.lock:
        group = p.editable(call.params["id"])
        group.name = name
        call.state._log("group_updated", call.actor, group_id=group.id)
        return group_json(p, group)


def delete_group(call: Call) -> dict[str, Any]:
    """``DELETE /v1/organizations/rbac_groups/{id}``."""
    p = _enterprise(call)
    with call.state.lock:
        group = p.editable(call.params["id"])
        del p.groups[group.id]
        call.state._log("group_deleted", call.actor, group_id=group.id)
    return {"id": group.id, "type": "rbac_group_deleted"}


def list_group_members(call: Call) -> dict[str, Any]:
    """``GET /v1/organizations/rbac_groups/{id}/members``."""
    p = _enterprise(call)
    with call.state.lock:
        group = p.group(call.params["id"])
        return _envelope(call, [member_json(p, group, u) for u in sorted(group.members)])


def add_group_member(call: Call) -> dict[str, Any]:
    """``POST /v1/organizations/rbac_groups/{id}/members`` ``{user_id}``."""
    p = _enterprise(call)
    user_id = call.field("user_id")
    if not isinstance(user_id, str):
        raise invalid("user_id: must be a string")
    with call.state.lock:
        group = p.editable(call.params["id"])
        user = call.state.user(user_id)
        if user_id not in group.members:
            group.members[user_id] = (user.email, call.state.elapsed())
            call.state._log("group_member_added", call.actor, group_id=group.id,
                            member_ids=[user_id])
        return member_json(p, group, user_id)


def remove_group_member(call: Call) -> dict[str, Any]:
    """``DELETE /v1/organizations/rbac_groups/{id}/members/{user_id}``."""
    p = _enterprise(call)
    user_id = call.params["user_id"]
    with call.state.lock:
        group = p.editable(call.params["id"])
        if user_id not in group.members:
            raise not_found("rbac group member")
        del group.members[user_id]
        call.state._log("group_member_removed", call.actor, group_id=group.id,
                        member_ids=[user_id])
    return {"type": "rbac_group_member_deleted", p.variant.member_group: group.id,
            "user_id": user_id}


# -- Compliance directory ----------------------------------------------------------------------
def _scope(call: Call, scope: str) -> None:
    if scope not in plane(call.state).compliance_scopes:
        raise ApiError(403, "permission_error",
                       f"This Compliance Access Key does not have the {scope} scope.")


def _org_doc(call: Call) -> dict[str, Any]:
    org = call.state.scenario.org
    return {"uuid": org["id"], "name": org["name"],
            "created_at": iso_us(call.state.at(-400 * 86_400))}


def directory_orgs(call: Call) -> dict[str, Any]:
    """``GET /v1/compliance/organizations``."""
    _scope(call, ORG_DATA)
    p = plane(call.state)
    orgs = [_org_doc(call)] + [{"uuid": o.uuid, "name": o.name,
                                "created_at": iso_us(call.state.at(o.created_at))}
                               for o in p.linked]
    return _envelope(call, orgs, default=500)


def _linked(call: Call) -> LinkedOrg | None:
    """The linked org of the path, None for this org itself (404 for an unknown one)."""
    uuid = call.params["uuid"]
    if uuid == call.state.scenario.org["id"]:
        return None
    for org in plane(call.state).linked:
        if org.uuid == uuid:
            return org
    raise not_found("organization")


def directory_users(call: Call) -> dict[str, Any]:
    """``GET /v1/compliance/organizations/{uuid}/users``: active members only."""
    _scope(call, USER_DATA)
    org = _linked(call)
    st = call.state
    with st.lock:
        if org is None:
            users = [{"id": u.id, "full_name": u.name, "email": u.email,
                      "organization_role": u.role, "created_at": iso_us(st.at(u.added_at))}
                     for u in st.users.values()]
        else:
            users = [{**u, "created_at": iso_us(st.at(float(u["created_at"])))}
                     for u in org.users]
    return _envelope(call, users, default=500)


def _directory_roles(call: Call) -> list[RbacRole]:
    return list(plane(call.state).roles.values()) if _linked(call) is None else []


def directory_roles(call: Call) -> dict[str, Any]:
    """``GET /v1/compliance/organizations/{uuid}/roles``."""
    _scope(call, ORG_DATA)
    st = call.state
    return _envelope(call, [{"id": r.id, "name": r.name, "description": r.description,
                             "created_at": iso_us(st.at(r.created_at)),
                             "updated_at": iso_us(st.at(r.created_at))}
                            for r in _directory_roles(call)], default=500)


def _directory_role(call: Call) -> RbacRole:
    for role in _directory_roles(call):
        if role.id == call.params["role_id"]:
            return role
    raise not_found("role")


def directory_role(call: Call) -> dict[str, Any]:
    """``GET /v1/compliance/organizations/{uuid}/roles/{role_id}``."""
    _scope(call, ORG_DATA)
    r = _directory_role(call)
    at = iso_us(call.state.at(r.created_at))
    return {"id": r.id, "name": r.name, "description": r.description, "created_at": at,
            "updated_at": at}


def directory_role_permissions(call: Call) -> dict[str, Any]:
    """``GET …/roles/{role_id}/permissions``: flat ``{action, resource_id, resource_type}``."""
    _scope(call, ORG_DATA)
    role = _directory_role(call)
    flat = []
    for perm in role.permissions:
        resource = perm.get("resource") or {}
        ids = [str(v) for k, v in resource.items() if k != "type" and v]
        flat.append({"action": perm["action"], "resource_type": resource.get("type", ""),
                     "resource_id": "/".join(ids) or None})
    return _envelope(call, flat, default=500)


def _directory_group_json(call: Call, g: RbacGroup) -> dict[str, Any]:
    at = iso_us(call.state.at(g.created_at))
    roles = None if g.role_ids is None else [{"id": r, "name": plane(call.state).roles[r].name}
                                             for r in g.role_ids if r in plane(call.state).roles]
    return {"id": g.id, "name": g.name, "description": "", "source_type": g.source_type,
            "roles": roles, "created_at": at, "updated_at": at}


def directory_groups(call: Call) -> dict[str, Any]:
    """``GET /v1/compliance/groups`` (``name_prefix``)."""
    _scope(call, ORG_DATA)
    prefix = (call.arg("name_prefix") or "").lower()
    with call.state.lock:
        groups = [_directory_group_json(call, g) for g in plane(call.state).groups.values()
                  if g.name.lower().startswith(prefix)]
    return _envelope(call, groups, default=500)


def directory_group(call: Call) -> dict[str, Any]:
    """``GET /v1/compliance/groups/{id}``."""
    _scope(call, ORG_DATA)
    return _directory_group_json(call, plane(call.state).group(call.params["id"]))


def directory_group_members(call: Call) -> dict[str, Any]:
    """``GET /v1/compliance/groups/{id}/members``."""
    _scope(call, USER_DATA)
    st = call.state
    with st.lock:
        group = plane(st).group(call.params["id"])
        rows = [{"user_id": u, "email": e, "created_at": iso_us(st.at(a)),
                 "updated_at": iso_us(st.at(a))} for u, (e, a) in sorted(group.members.items())]
    return _envelope(call, rows, default=500)


# -- Analytics ---------------------------------------------------------------------------------
def _day(call: Call, name: str) -> date | None:
    raw = call.arg(name)
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise invalid(f"{name}: expected YYYY-MM-DD, got {raw!r}") from None


def analytics_users(call: Call) -> dict[str, Any]:
    """``GET /v1/organizations/analytics/users``: one row per seat active in the window,
    ``last_activity_date`` the latest active day inside it; rows sorted by email."""
    p = _enterprise(call)
    today = call.state.now().date()
    single = _day(call, "date")
    start = single or _day(call, "starting_date") or today
    end = (single + timedelta(days=1)) if single else (_day(call, "ending_date")
                                                       or today + timedelta(days=1))
    if (end - start).days > 366 or end <= start:
        raise invalid("starting_date/ending_date: the window must be 1..366 days")
    anchor: datetime = call.state.as_of
    rows = []
    for row in sorted(p.analytics, key=lambda r: str(r["email"]).lower()):
        last = (anchor + timedelta(days=int(row["last_active_day"]))).date()
        if not start <= last < end:
            continue
        metrics = {k: v for k, v in row.items()
                   if k not in ("user_id", "email", "last_active_day")}
        rows.append({"user": {"id": row["user_id"], "email_address": row["email"],
                              "type": "user"},
                     "last_activity_date": last.isoformat(), **metrics})
    return _envelope(call, rows, default=100)


_O = "/v1/organizations"
_C = "/v1/compliance"
ROUTES: tuple[Route, ...] = tuple(
    Route(r.method, r.pattern, r.handler, scope, r.feature, versioned)
    for scope, versioned, routes in (
        ("rbac", True, (
            _route("GET", f"{_O}/rbac_roles", list_roles),
            _route("GET", f"{_O}/rbac_roles/{{id}}", get_role),
            _route("GET", f"{_O}/rbac_roles/{{id}}/permissions", role_permissions),
            _route("GET", f"{_O}/rbac_groups", list_groups),
            _route("POST", f"{_O}/rbac_groups", create_group),
            _route("GET", f"{_O}/rbac_groups/{{id}}", get_group),
            _route("POST", f"{_O}/rbac_groups/{{id}}", rename_group),
            _route("DELETE", f"{_O}/rbac_groups/{{id}}", delete_group),
            _route("GET", f"{_O}/rbac_groups/{{id}}/members", list_group_members),
            _route("POST", f"{_O}/rbac_groups/{{id}}/members", add_group_member),
            _route("DELETE", f"{_O}/rbac_groups/{{id}}/members/{{user_id}}",
                   remove_group_member))),
        ("directory", False, (
            _route("GET", f"{_C}/organizations", directory_orgs, feature="compliance"),
            _route("GET", f"{_C}/organizations/{{uuid}}/users", directory_users,
                   feature="compliance"),
            _route("GET", f"{_C}/organizations/{{uuid}}/roles", directory_roles,
                   feature="compliance"),
            _route("GET", f"{_C}/organizations/{{uuid}}/roles/{{role_id}}", directory_role,
                   feature="compliance"),
            _route("GET", f"{_C}/organizations/{{uuid}}/roles/{{role_id}}/permissions",
                   directory_role_permissions, feature="compliance"),
            _route("GET", f"{_C}/groups", directory_groups, feature="compliance"),
            _route("GET", f"{_C}/groups/{{id}}", directory_group, feature="compliance"),
            _route("GET", f"{_C}/groups/{{id}}/members", directory_group_members,
                   feature="compliance"))),
        ("analytics", True, (
            _route("GET", f"{_O}/analytics/users", analytics_users),)),
    )
    for r in routes)
"""The Enterprise routes (scopes ``rbac``, ``directory``, ``analytics``)."""
