"""The OpenAI groups, roles, role assignments and project groups endpoints (vendor-apis-nhi.md
§7.1-7.6), mounted next to ``openai_api``'s routes.

Every list here is the ``next``-cursor family: ``{object: list, data, has_more, next}`` with
``limit``, ``after`` and ``order`` (by creation time). ``next`` is the last item's id (for
project groups, which have no ``id``, the last ``group_id``), so a client sending ``after`` =
``next`` (the SDK) and one sending "the last ID" (the spec's wording) both page correctly.
Limits: groups and group users 0..1000 default 100 (group users newest first by default);
roles default 1000; role-assignment lists 0..1000 (no default stated: 100 here); project
groups 0..100 default 20. ``limit=0`` is answered as the default (the spec allows 0 without
saying what it means). Role paths inside a project have no ``/organization`` prefix.

``GroupResponse`` says ``is_scim_managed``; the ``Group`` embedded in a ``group.role`` answer
says ``scim_managed`` and carries ``object: group`` — exactly as the spec has them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from tenure.simulator.anthropic_api import Call, Route
from tenure.simulator.openai_api import _state, _user
from tenure.simulator.openai_rbac_state import ORG_LEVEL, OpenAIRBAC
from tenure.simulator.openai_state import oai_error


def _rbac(call: Call) -> OpenAIRBAC:
    state = _state(call)
    state.require("rbac")
    return state.rbac


def next_listing(call: Call, items: Sequence[dict[str, Any]],
                 render: Callable[[dict[str, Any]], dict[str, Any]], *, default: int,
                 maximum: int, id_key: str = "id", order: str = "asc") -> dict[str, Any]:
    """The ``next``-cursor envelope over ``items`` (in creation order)."""
    raw = call.arg("limit")
    try:
        limit = default if raw is None else int(raw)
    except ValueError:
        raise oai_error(400, f"Invalid 'limit': {raw!r} is not an integer",
                        "invalid_value") from None
    if not 0 <= limit <= maximum:
        raise oai_error(400, f"Invalid 'limit': must be between 0 and {maximum}",
                        "invalid_value")
    limit = limit or default
    if call.page_cap:
        limit = min(limit, call.page_cap)
    direction = call.arg("order") or order
    if direction not in ("asc", "desc"):
        raise oai_error(400, f"Invalid 'order': {direction!r}", "invalid_value")
    ordered = sorted(items, key=lambda i: (i.get("created_at") or 0, str(i[id_key])),
                     reverse=direction == "desc")
    start = 0
    after = call.arg("after")
    if after is not None:
        ids = [str(i[id_key]) for i in ordered]
        if after not in ids:
            raise oai_error(400, f"Invalid 'after': no object {after!r} in this list",
                            "invalid_value")
        start = ids.index(after) + 1
    page = ordered[start:start + limit]
    more = len(ordered) > start + limit
    return {"object": "list", "data": [render(i) for i in page], "has_more": more,
            "next": str(page[-1][id_key]) if more and page else None}


def _deleted(kind: str, ident: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"object": f"{kind}.deleted", "deleted": True}
    if ident is not None:
        out["id"] = ident
    return out


def _body(call: Call) -> dict[str, Any]:
    return call.body if isinstance(call.body, dict) else {}


# -- renderers -----------------------------------------------------------------------------


def group_response(g: dict[str, Any]) -> dict[str, Any]:
    """``GroupResponse``: ``is_scim_managed``, ``group_type``."""
    return {"id": g["id"], "name": g["name"], "created_at": g["created_at"],
            "is_scim_managed": g["is_scim_managed"], "group_type": g["group_type"]}


def embedded_group(g: dict[str, Any]) -> dict[str, Any]:
    """``Group`` as embedded in role-assignment answers: ``object: group``, ``scim_managed``."""
    return {"object": "group", "id": g["id"], "name": g["name"],
            "created_at": g["created_at"], "scim_managed": g["is_scim_managed"]}


def role_json(r: dict[str, Any]) -> dict[str, Any]:
    """``Role``."""
    return {"object": "role", "id": r["id"], "name": r["name"],
            "description": r.get("description"), "permissions": list(r["permissions"]),
            "resource_type": r["resource_type"], "predefined_role": bool(r["predefined_role"])}


def _assigned(rbac: OpenAIRBAC, role_id: str, at: int, sources: list[dict[str, str]]
              ) -> dict[str, Any]:
    """``AssignedRoleDetails``; ``assignment_sources`` only on inherited assignments."""
    r = rbac.roles[role_id]
    out: dict[str, Any] = {
        "id": r["id"], "name": r["name"], "permissions": list(r["permissions"]),
        "resource_type": r["resource_type"], "predefined_role": bool(r["predefined_role"]),
        "description": r.get("description"), "created_at": at, "updated_at": at,
        "metadata": {}}
    if sources:
        out["assignment_sources"] = sources
    return out


# -- groups --------------------------------------------------------------------------------


def list_groups(call: Call) -> dict[str, Any]:
    """``GET /organization/groups``."""
    return next_listing(call, list(_rbac(call).groups.values()), group_response,
                        default=100, maximum=1000)


def create_group(call: Call) -> dict[str, Any]:
    """``POST /organization/groups`` ``{name}``."""
    return group_response(_rbac(call).create_group(_body(call).get("name")))  # type: ignore[arg-type]


def get_group(call: Call) -> dict[str, Any]:
    """``GET /organization/groups/{group_id}``."""
    return group_response(_rbac(call).group(call.params["group_id"]))


def rename_group(call: Call) -> dict[str, Any]:
    """``POST /organization/groups/{group_id}`` ``{name}`` → ``GroupResourceWithSuccess``."""
    group = _rbac(call).rename_group(call.params["group_id"], _body(call).get("name"))  # type: ignore[arg-type]
    return {**group_response(group), "object": "group", "success": True}


def delete_group(call: Call) -> dict[str, Any]:
    """``DELETE /organization/groups/{group_id}``."""
    _rbac(call).delete_group(call.params["group_id"])
    return _deleted("group", call.params["group_id"])


def _group_users(call: Call) -> list[dict[str, Any]]:
    rbac = _rbac(call)
    group_id = call.params["group_id"]
    rbac.group(group_id)
    users = rbac.state.users
    return [{"id": u, "created_at": at, "name": users[u]["name"], "email": users[u]["email"]}
            for u, at in rbac.members[group_id].items() if u in users]


def list_group_users(call: Call) -> dict[str, Any]:
    """``GET /organization/groups/{group_id}/users`` (newest first by default)."""
    return next_listing(call, _group_users(call),
                        lambda u: {"id": u["id"], "name": u["name"], "email": u["email"]},
                        default=100, maximum=1000, order="desc")


def add_group_user(call: Call) -> dict[str, Any]:
    """``POST /organization/groups/{group_id}/users`` ``{user_id}``."""
    user_id = _body(call).get("user_id")
    if not isinstance(user_id, str):
        raise oai_error(400, "user_id is required", "invalid_value")
    _rbac(call).add_member(call.params["group_id"], user_id)
    return {"object": "group.user", "user_id": user_id, "group_id": call.params["group_id"]}


def get_group_user(call: Call) -> dict[str, Any]:
    """``GET /organization/groups/{group_id}/users/{user_id}`` → ``GroupMemberUser``."""
    for u in _group_users(call):
        if u["id"] == call.params["user_id"]:
            full = _rbac(call).state.users[u["id"]]
            return {"id": u["id"], "name": u["name"], "email": u["email"],
                    "is_service_account": bool(full.get("is_service_account", False)),
                    "user_type": "user"}
    raise oai_error(404, f"User {call.params['user_id']} is not a member of group "
                    f"{call.params['group_id']}", "not_found")


def remove_group_user(call: Call) -> dict[str, Any]:
    """``DELETE /organization/groups/{group_id}/users/{user_id}``."""
    _rbac(call).remove_member(call.params["group_id"], call.params["user_id"])
    return _deleted("group.user")


# -- roles ---------------------------------------------------------------------------------


def _project_or_none(call: Call) -> str | None:
    return call.params.get("project_id")


def list_roles(call: Call) -> dict[str, Any]:
    """``GET /organization/roles`` and ``GET /projects/{project_id}/roles``."""
    rbac = _rbac(call)
    project_id = _project_or_none(call)
    roles = rbac.org_roles() if project_id is None else rbac.project_roles(project_id)
    return next_listing(call, roles, role_json, default=1000, maximum=1000)


def create_role(call: Call) -> dict[str, Any]:
    """``POST /organization/roles`` / ``POST /projects/{project_id}/roles``."""
    return role_json(_rbac(call).create_role(_project_or_none(call), call.body))


def get_role(call: Call) -> dict[str, Any]:
    """``GET .../roles/{role_id}``."""
    return role_json(_rbac(call).role(call.params["role_id"], _project_or_none(call)))


def update_role(call: Call) -> dict[str, Any]:
    """``POST .../roles/{role_id}``."""
    return role_json(_rbac(call).update_role(_project_or_none(call), call.params["role_id"],
                                             call.body))


def delete_role(call: Call) -> dict[str, Any]:
    """``DELETE .../roles/{role_id}``."""
    _rbac(call).delete_role(_project_or_none(call), call.params["role_id"])
    return _deleted("role", call.params["role_id"])


# -- role assignments ----------------------------------------------------------------------


def _principal(call: Call) -> tuple[str, str]:
    if "group_id" in call.params:
        return "group", call.params["group_id"]
    return "user", call.params["user_id"]


def _assignments(call: Call) -> list[dict[str, Any]]:
    rbac = _rbac(call)
    ptype, pid = _principal(call)
    rbac.principal(ptype, pid)
    project_id = _project_or_none(call)
    if project_id is not None:
        rbac.state.project(project_id)
    held = rbac.assigned(ptype, pid, project_id or ORG_LEVEL)
    return [_assigned(rbac, r, at, src) for r, at, src in held if r in rbac.roles]


def list_assignments(call: Call) -> dict[str, Any]:
    """``GET .../{users|groups}/{id}/roles`` at the organization or in a project."""
    return next_listing(call, _assignments(call), dict, default=100, maximum=1000)


def get_assignment(call: Call) -> dict[str, Any]:
    """``GET .../roles/{role_id}`` of a principal."""
    for a in _assignments(call):
        if a["id"] == call.params["role_id"]:
            return a
    raise oai_error(404, f"No such role assignment: {call.params['role_id']}", "not_found")


def assign_role(call: Call) -> dict[str, Any]:
    """``POST .../roles`` ``{role_id}`` → ``user.role`` / ``group.role``."""
    rbac = _rbac(call)
    ptype, pid = _principal(call)
    role = rbac.assign(ptype, pid, _project_or_none(call), _body(call).get("role_id"))
    if ptype == "group":
        return {"object": "group.role", "group": embedded_group(rbac.group(pid)),
                "role": role_json(role)}
    return {"object": "user.role", "user": _user(rbac.state.user(pid)), "role": role_json(role)}


def unassign_role(call: Call) -> dict[str, Any]:
    """``DELETE .../roles/{role_id}`` → ``user.role.deleted`` / ``group.role.deleted``."""
    ptype, pid = _principal(call)
    _rbac(call).unassign(ptype, pid, _project_or_none(call), call.params["role_id"])
    return _deleted(f"{ptype}.role")


# -- project groups ------------------------------------------------------------------------


def _project_group(rbac: OpenAIRBAC, project_id: str, group_id: str,
                   grant: dict[str, Any]) -> dict[str, Any]:
    g = rbac.groups[group_id]
    return {"object": "project.group", "project_id": project_id, "group_id": group_id,
            "group_name": g["name"], "group_type": g["group_type"],
            "created_at": grant["created_at"]}


def list_project_groups(call: Call) -> dict[str, Any]:
    """``GET /organization/projects/{project_id}/groups``."""
    rbac = _rbac(call)
    project_id = call.params["project_id"]
    rbac.state.project(project_id)
    items = [_project_group(rbac, project_id, g, grant)
             for g, grant in rbac.project_groups.get(project_id, {}).items()
             if g in rbac.groups]
    return next_listing(call, items, dict, default=20, maximum=100, id_key="group_id")


def grant_project_group(call: Call) -> dict[str, Any]:
    """``POST /organization/projects/{project_id}/groups`` ``{group_id, role}``."""
    rbac = _rbac(call)
    project_id = call.params["project_id"]
    grant = rbac.grant_project(project_id, call.body)
    return _project_group(rbac, project_id, grant["group_id"], grant)


def get_project_group(call: Call) -> dict[str, Any]:
    """``GET /organization/projects/{project_id}/groups/{group_id}``."""
    rbac = _rbac(call)
    project_id, group_id = call.params["project_id"], call.params["group_id"]
    rbac.state.project(project_id)
    grant = rbac.project_groups.get(project_id, {}).get(group_id)
    if grant is None or group_id not in rbac.groups:
        raise oai_error(404, f"Group {group_id} has no access to project {project_id}",
                        "not_found")
    return _project_group(rbac, project_id, group_id, grant)


def revoke_project_group(call: Call) -> dict[str, Any]:
    """``DELETE /organization/projects/{project_id}/groups/{group_id}``."""
    _rbac(call).revoke_project(call.params["project_id"], call.params["group_id"])
    return _deleted("project.group")


def _r(method: str, path: str, handler: Callable[[Call], dict[str, Any]]) -> Route:
    pattern = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", path)
    return Route(method, re.compile(f"^/v1{pattern}$"), handler, scope="openai",
                 versioned=False)


_O = "/organization"
ROUTES: tuple[Route, ...] = (
    _r("GET", f"{_O}/groups", list_groups),
    _r("POST", f"{_O}/groups", create_group),
    _r("GET", f"{_O}/groups/{{group_id}}", get_group),
    _r("POST", f"{_O}/groups/{{group_id}}", rename_group),
    _r("DELETE", f"{_O}/groups/{{group_id}}", delete_group),
    _r("GET", f"{_O}/groups/{{group_id}}/users", list_group_users),
    _r("POST", f"{_O}/groups/{{group_id}}/users", add_group_user),
    _r("GET", f"{_O}/groups/{{group_id}}/users/{{user_id}}", get_group_user),
    _r("DELETE", f"{_O}/groups/{{group_id}}/users/{{user_id}}", remove_group_user),
    _r("GET", f"{_O}/roles", list_roles),
    _r("POST", f"{_O}/roles", create_role),
    _r("GET", f"{_O}/roles/{{role_id}}", get_role),
    _r("POST", f"{_O}/roles/{{role_id}}", update_role),
    _r("DELETE", f"{_O}/roles/{{role_id}}", delete_role),
    _r("GET", "/projects/{project_id}/roles", list_roles),
    _r("POST", "/projects/{project_id}/roles", create_role),
    _r("GET", "/projects/{project_id}/roles/{role_id}", get_role),
    _r("POST", "/projects/{project_id}/roles/{role_id}", update_role),
    _r("DELETE", "/projects/{project_id}/roles/{role_id}", delete_role),
    _r("GET", f"{_O}/users/{{user_id}}/roles", list_assignments),
    _r("POST", f"{_O}/users/{{user_id}}/roles", assign_role),
    _r("GET", f"{_O}/users/{{user_id}}/roles/{{role_id}}", get_assignment),
    _r("DELETE", f"{_O}/users/{{user_id}}/roles/{{role_id}}", unassign_role),
    _r("GET", f"{_O}/groups/{{group_id}}/roles", list_assignments),
    _r("POST", f"{_O}/groups/{{group_id}}/roles", assign_role),
    _r("GET", f"{_O}/groups/{{group_id}}/roles/{{role_id}}", get_assignment),
    _r("DELETE", f"{_O}/groups/{{group_id}}/roles/{{role_id}}", unassign_role),
    _r("GET", "/projects/{project_id}/users/{user_id}/roles", list_assignments),
    _r("POST", "/projects/{project_id}/users/{user_id}/roles", assign_role),
    _r("GET", "/projects/{project_id}/users/{user_id}/roles/{role_id}", get_assignment),
    _r("DELETE", "/projects/{project_id}/users/{user_id}/roles/{role_id}", unassign_role),
    _r("GET", "/projects/{project_id}/groups/{group_id}/roles", list_assignments),
    _r("POST", "/projects/{project_id}/groups/{group_id}/roles", assign_role),
    _r("GET", "/projects/{project_id}/groups/{group_id}/roles/{role_id}", get_assignment),
    _r("DELETE", "/projects/{project_id}/groups/{group_id}/roles/{role_id}", unassign_role),
    _r("GET", f"{_O}/projects/{{project_id}}/groups", list_project_groups),
    _r("POST", f"{_O}/projects/{{project_id}}/groups", grant_project_group),
    _r("GET", f"{_O}/projects/{{project_id}}/groups/{{group_id}}", get_project_group),
    _r("DELETE", f"{_O}/projects/{{project_id}}/groups/{{group_id}}", revoke_project_group),
)
"""The OpenAI RBAC route table, mounted by the server next to ``openai_api.ROUTES``."""
