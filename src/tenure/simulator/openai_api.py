"""The OpenAI endpoints (vendor-apis.md §4): Admin API lists and deletions, audit logs, usage.

Routes carry the ``openai`` scope: the server authenticates them with ``Authorization: Bearer``
and the OpenAI Admin key, answers errors in OpenAI's envelope and needs no version header.
Lists use the OpenAI envelope (``object: list``, ``first_id``, ``last_id``, ``has_more``) with
``limit`` (1..100) and ``after``; audit logs also ``before`` and are newest first.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Sequence
from typing import Any

from tenure.simulator.anthropic_api import Call, Route
from tenure.simulator.openai_state import OpenAIState, oai_error

DAY = 86_400
ORG = "/v1/organization"


def _state(call: Call) -> OpenAIState:
    state = call.openai
    if not isinstance(state, OpenAIState):
        raise oai_error(404, "This simulator serves no OpenAI organization.", "not_found")
    return state


def _int(call: Call, name: str, default: int | None = None) -> int | None:
    raw = call.arg(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise oai_error(400, f"Invalid value for '{name}': {raw!r} is not an integer",
                        "invalid_value") from None


def _limit(call: Call, default: int, maximum: int) -> int:
    value = _int(call, "limit", default)
    assert value is not None
    if not 1 <= value <= maximum:
        raise oai_error(400, f"Invalid 'limit': must be between 1 and {maximum}",
                        "invalid_value")
    return min(value, call.page_cap) if call.page_cap else value


def listing(call: Call, items: Sequence[dict[str, Any]],
            render: Callable[[dict[str, Any]], dict[str, Any]],
            position: Callable[[str], int | None] | None = None) -> dict[str, Any]:
    """The ``after``/``before``/``limit`` list envelope over ``items`` (in list order).

    ``position`` finds an id's index in ``items`` (None: not there) when the caller has an
    index; by default the list is scanned.
    """
    limit = _limit(call, 20, 100)
    if position is None:
        ids = {str(i["id"]): n for n, i in enumerate(items)}
        position = ids.get
    after, before = call.arg("after"), call.arg("before")
    if after is not None:
        at = position(after)
        if at is None:
            raise oai_error(400, f"Invalid 'after': no object {after!r} in this list",
                            "invalid_value")
        page, more = list(items[at + 1:at + 1 + limit]), len(items) > at + 1 + limit
    elif before is not None:
        at = position(before)
        if at is None:
            raise oai_error(400, f"Invalid 'before': no object {before!r} in this list",
                            "invalid_value")
        page, more = list(items[max(0, at - limit):at]), at > limit
    else:
        page, more = list(items[:limit]), len(items) > limit
    data = [render(i) for i in page]
    return {"object": "list", "data": data, "first_id": data[0]["id"] if data else None,
            "last_id": data[-1]["id"] if data else None, "has_more": more}


def _deleted(kind: str, ident: str) -> dict[str, Any]:
    return {"object": f"{kind}.deleted", "id": ident, "deleted": True}


# -- users and invites -------------------------------------------------------------------------


def _user(u: dict[str, Any]) -> dict[str, Any]:
    """``User`` (vendor-apis-nhi.md §7.7): the classic fields, the flags and the nested user."""
    out: dict[str, Any] = {
        "object": "organization.user", "id": u["id"], "name": u["name"], "email": u["email"],
        "role": u["role"], "added_at": u["added_at"], "created": u["added_at"],
        "is_default": bool(u.get("is_default", False)),
        "is_service_account": bool(u.get("is_service_account", False)),
        "is_scim_managed": bool(u.get("is_scim_managed", False)),
        "user": {"object": "user", "id": u["id"], "email": u["email"], "name": u["name"],
                 "enabled": bool(u.get("enabled", True)),
                 "banned": bool(u.get("banned", False)),
                 "banned_at": u.get("banned_at")}}
    if u.get("api_key_last_used_at") is not None:
        out["api_key_last_used_at"] = u["api_key_last_used_at"]
    return out


def list_users(call: Call) -> dict[str, Any]:
    """``GET /organization/users`` (``emails[]`` filter)."""
    state = _state(call)
    emails = {e.lower() for e in call.args("emails")}
    users = [u for u in state.users.values() if not emails or u["email"].lower() in emails]
    envelope = listing(call, users, _user)
    if "user_without_id" in state.quirks and envelope["data"] and call.arg("after") is None:
        del envelope["data"][0]["id"]
    return envelope


def get_user(call: Call) -> dict[str, Any]:
    """``GET /organization/users/{id}``."""
    return _user(_state(call).user(call.params["user_id"]))


def update_user(call: Call) -> dict[str, Any]:
    """``POST /organization/users/{id}`` with ``{"role"}``."""
    role = call.body.get("role") if isinstance(call.body, dict) else None
    return _user(_state(call).update_role(call.params["user_id"], str(role)))


def delete_user(call: Call) -> dict[str, Any]:
    """``DELETE /organization/users/{id}``."""
    _state(call).delete_user(call.params["user_id"])
    return _deleted("organization.user", call.params["user_id"])


def _invite(i: dict[str, Any]) -> dict[str, Any]:
    return {"object": "organization.invite", **{k: i[k] for k in (
        "id", "email", "role", "status", "created_at", "expires_at", "accepted_at")},
        "projects": list(i.get("projects", []))}


def list_invites(call: Call) -> dict[str, Any]:
    """``GET /organization/invites``."""
    state = _state(call)
    now = state.now()
    invites = [{**i, "status": "expired" if i["status"] == "pending" and i["expires_at"] <= now
                else i["status"]} for i in state.invites.values()]
    return listing(call, invites, _invite)


def get_invite(call: Call) -> dict[str, Any]:
    """``GET /organization/invites/{id}``."""
    invite = _state(call).invites.get(call.params["invite_id"])
    if invite is None:
        raise oai_error(404, f"No such invite: {call.params['invite_id']}", "not_found")
    return _invite(invite)


def delete_invite(call: Call) -> dict[str, Any]:
    """``DELETE /organization/invites/{id}``."""
    _state(call).delete_invite(call.params["invite_id"])
    return _deleted("organization.invite", call.params["invite_id"])


# -- projects ----------------------------------------------------------------------------------


def _project(p: dict[str, Any]) -> dict[str, Any]:
    return {"id": p["id"], "object": "organization.project", "name": p["name"],
            "created_at": p["created_at"], "archived_at": p["archived_at"],
            "status": "archived" if p["archived_at"] is not None else "active"}


def list_projects(call: Call) -> dict[str, Any]:
    """``GET /organization/projects?include_archived=false``."""
    archived = (call.arg("include_archived") or "false").lower() == "true"
    projects = [p for p in _state(call).projects.values()
                if archived or p["archived_at"] is None]
    return listing(call, projects, _project)


def get_project(call: Call) -> dict[str, Any]:
    """``GET /organization/projects/{id}``."""
    return _project(_state(call).project(call.params["project_id"]))


def archive_project(call: Call) -> dict[str, Any]:
    """``POST /organization/projects/{id}/archive``."""
    return _project(_state(call).archive_project(call.params["project_id"]))


def _project_users(state: OpenAIState, project_id: str) -> list[dict[str, Any]]:
    state.project(project_id)
    out = []
    for user_id, m in state.members[project_id].items():
        u = state.users.get(user_id)
        if u is not None:
            out.append({"object": "organization.project.user", "id": user_id,
                        "name": u["name"], "email": u["email"], "role": m["role"],
                        "added_at": m["added_at"]})
    return out


def list_project_users(call: Call) -> dict[str, Any]:
    """``GET /organization/projects/{id}/users``."""
    return listing(call, _project_users(_state(call), call.params["project_id"]), dict)


def get_project_user(call: Call) -> dict[str, Any]:
    """``GET /organization/projects/{id}/users/{user_id}``."""
    for u in _project_users(_state(call), call.params["project_id"]):
        if u["id"] == call.params["user_id"]:
            return u
    raise oai_error(404, f"No such project user: {call.params['user_id']}", "not_found")


def update_project_user(call: Call) -> dict[str, Any]:
    """``POST /organization/projects/{id}/users/{user_id}`` with ``{"role"}``."""
    role = call.body.get("role") if isinstance(call.body, dict) else None
    _state(call).update_project_role(call.params["project_id"], call.params["user_id"],
                                     str(role))
    return get_project_user(call)


def delete_project_user(call: Call) -> dict[str, Any]:
    """``DELETE /organization/projects/{id}/users/{user_id}``."""
    _state(call).delete_project_user(call.params["project_id"], call.params["user_id"])
    return _deleted("organization.project.user", call.params["user_id"])


def _sa(s: dict[str, Any]) -> dict[str, Any]:
    return {"object": "organization.project.service_account", "id": s["id"], "name": s["name"],
            "role": s["role"], "created_at": s["created_at"]}


def list_service_accounts(call: Call) -> dict[str, Any]:
    """``GET /organization/projects/{id}/service_accounts``."""
    state = _state(call)
    project_id = call.params["project_id"]
    state.project(project_id)
    return listing(call, [s for s in state.service_accounts.values()
                          if s["project_id"] == project_id], _sa)


def get_service_account(call: Call) -> dict[str, Any]:
    """``GET .../service_accounts/{id}``."""
    return _sa(_state(call).service_account(call.params["project_id"], call.params["sa_id"]))


def delete_service_account(call: Call) -> dict[str, Any]:
    """``DELETE .../service_accounts/{id}`` (its keys go with it)."""
    _state(call).delete_service_account(call.params["project_id"], call.params["sa_id"])
    return _deleted("organization.project.service_account", call.params["sa_id"])


# -- keys --------------------------------------------------------------------------------------


def _key_renderer(state: OpenAIState) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def render(k: dict[str, Any]) -> dict[str, Any]:
        if k["owner_type"] == "service_account":
            sa = state.service_accounts.get(k["owner_id"], {})
            owner: dict[str, Any] = {"type": "service_account", "service_account": {
                "id": k["owner_id"], "name": sa.get("name", ""),
                "created_at": sa.get("created_at"), "role": sa.get("role", "member")}}
        else:
            u = state.users.get(k["owner_id"])
            user = {"id": k["owner_id"]}
            if u is not None:
                user.update({"name": u["name"], "email": u["email"], "role": u["role"],
                             "created_at": u["added_at"]})
            owner = {"type": "user", "user": user}
        return {"object": "organization.project.api_key", "redacted_value": k["redacted_value"],
                "name": k["name"], "created_at": k["created_at"],
                "last_used_at": k["last_used_at"], "id": k["id"],
                "owner_project_access": state.owner_access(k), "owner": owner}
    return render


def list_keys(call: Call) -> dict[str, Any]:
    """``GET .../api_keys?owner_project_access=active|inactive|any`` (default ``active``)."""
    state = _state(call)
    project_id = call.params["project_id"]
    state.project(project_id)
    access = call.arg("owner_project_access") or "active"
    if "refuse_owner_project_access" in state.quirks and call.arg("owner_project_access"):
        raise oai_error(400, "Unrecognized request argument supplied: owner_project_access",
                        "invalid_request_error")
    if access not in ("active", "inactive", "any"):
        raise oai_error(400, "Invalid 'owner_project_access': expected active, inactive or "
                        "any", "invalid_value")
    keys = [k for k in state.keys.values() if k["project_id"] == project_id
            and access in ("any", state.owner_access(k))]
    return listing(call, keys, _key_renderer(state))


def get_key(call: Call) -> dict[str, Any]:
    """``GET .../api_keys/{id}``."""
    state = _state(call)
    return _key_renderer(state)(state.key(call.params["project_id"], call.params["key_id"]))


def delete_key(call: Call) -> dict[str, Any]:
    """``DELETE .../api_keys/{id}`` (fails for a service account's key)."""
    _state(call).delete_key(call.params["project_id"], call.params["key_id"])
    return _deleted("organization.project.api_key", call.params["key_id"])


def _admin_key(state: OpenAIState, k: dict[str, Any]) -> dict[str, Any]:
    u = state.users.get(k["owner_id"], {})
    return {"object": "organization.admin_api_key", "id": k["id"], "name": k["name"],
            "redacted_value": k["redacted_value"], "created_at": k["created_at"],
            "expires_at": k.get("expires_at"), "last_used_at": k.get("last_used_at"),
            "owner": {"type": "user", "object": "organization.user", "id": k["owner_id"],
                      "name": u.get("name", ""), "created_at": u.get("added_at"),
                      "role": u.get("role", "owner")}}


def list_admin_keys(call: Call) -> dict[str, Any]:
    """``GET /organization/admin_api_keys`` (``order`` asc|desc)."""
    state = _state(call)
    state.require("admin_keys")
    keys = list(state.admin_keys.values())
    if "admin_keys_list_project_keys" in state.quirks:
        keys += list(state.keys.values())
    if (call.arg("order") or "asc") == "desc":
        keys.reverse()
    envelope = listing(call, keys, lambda k: _admin_key(state, k))
    # An item-cursor list (SDK SyncCursorPage): first_id/last_id are optional and left out
    # here, so clients must continue after the last item's id (vendor-apis-nhi.md §7.1).
    envelope.pop("first_id", None)
    envelope.pop("last_id", None)
    return envelope


def get_admin_key(call: Call) -> dict[str, Any]:
    """``GET /organization/admin_api_keys/{id}``."""
    state = _state(call)
    key = state.admin_keys.get(call.params["key_id"])
    if key is None:
        raise oai_error(404, f"No such admin API key: {call.params['key_id']}", "not_found")
    return _admin_key(state, key)


def delete_admin_key(call: Call) -> dict[str, Any]:
    """``DELETE /organization/admin_api_keys/{id}``."""
    _state(call).delete_admin_key(call.params["key_id"])
    return _deleted("organization.admin_api_key", call.params["key_id"])


# -- audit logs and usage ----------------------------------------------------------------------

_BOUNDS: dict[str, Callable[[int, int], bool]] = {
    "gt": lambda t, v: t > v, "gte": lambda t, v: t >= v,
    "lt": lambda t, v: t < v, "lte": lambda t, v: t <= v}


def _tenant_only(call: Call, types: set[str]) -> bool:
    """``tenant_only`` (vendor-apis-nhi.md §7.9): tenant-scoped events are served only when
    it is true, and then every requested event type must be tenant-scoped."""
    raw = (call.arg("tenant_only") or "false").lower()
    if raw not in ("true", "false"):
        raise oai_error(400, f"Invalid value for 'tenant_only': {raw!r}", "invalid_value")
    tenant_only = raw == "true"
    mixed = sorted(t for t in types if t.startswith("tenant.") != tenant_only)
    if mixed and tenant_only:
        raise oai_error(400, "When tenant_only is true, every event_types[] value must be "
                        f"tenant-scoped; got {', '.join(mixed)}", "invalid_value")
    if mixed:
        raise oai_error(400, "Tenant-scoped event types are only returned with "
                        f"tenant_only=true; got {', '.join(mixed)}", "invalid_value")
    return tenant_only


def audit_logs(call: Call) -> dict[str, Any]:
    """``GET /organization/audit_logs``: newest first, ``effective_at[gt|gte|lt|lte]``;
    tenant-scoped events only with ``tenant_only=true``."""
    state = _state(call)
    state.require("audit_logs")
    if not state.bracket_filter and any(k.startswith("effective_at[") for k in call.query):
        raise oai_error(400, "Unrecognized request argument supplied: effective_at[gte]",
                        "unknown_parameter")
    bounds = [(fn, _int(call, f"effective_at[{op}]")) for op, fn in _BOUNDS.items()]
    types = set(call.args("event_types"))
    tenant_only = _tenant_only(call, types)
    actors = set(call.args("actor_ids"))
    projects = set(call.args("project_ids"))

    def keep(e: dict[str, Any]) -> bool:
        t = e["effective_at"]
        if any(v is not None and not fn(t, v) for fn, v in bounds):
            return False
        if types and e["type"] not in types:
            return False
        if projects and e.get("project_id") not in projects:
            return False
        if actors:
            a = e["actor"]
            ids = {a.get("session", {}).get("user", {}).get("id"),
                   a.get("api_key", {}).get("id"), a.get("api_key", {}).get("user", {}).get("id")}
            if not ids & actors:
                return False
        return True

    newest_first, keys, index = state.audit_view(tenant=tenant_only)
    position: Callable[[str], int | None] | None = None
    if types or actors or projects:
        events: Sequence[dict[str, Any]] = [e for e in newest_first if keep(e)]
    else:
        # Time bounds only (what a sync sends): a slice of the sorted log found by bisection.
        lo, hi = 0, len(newest_first)
        for op, value in ((op, _int(call, f"effective_at[{op}]")) for op in _BOUNDS):
            if value is None:
                continue
            if op == "gte":
                hi = min(hi, bisect.bisect_right(keys, -value))
            elif op == "gt":
                hi = min(hi, bisect.bisect_left(keys, -value))
            elif op == "lt":
                lo = max(lo, bisect.bisect_right(keys, -value))
            else:
                lo = max(lo, bisect.bisect_left(keys, -value))
        events = newest_first[lo:max(lo, hi)]
        size = len(events)

        def position(ident: str) -> int | None:
            at = index.get(ident)
            return None if at is None or not 0 <= at - lo < size else at - lo
    projects_by_id = state.projects

    def render(e: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {"id": e["id"], "type": e["type"],
                               "effective_at": e["effective_at"], "actor": e["actor"],
                               e["type"]: e["details"]}
        p = projects_by_id.get(e.get("project_id") or "")
        if p is not None:
            out["project"] = {"id": p["id"], "name": p["name"]}
        return out

    return listing(call, events, render, position)


def usage_completions(call: Call) -> dict[str, Any]:
    """``GET /organization/usage/completions`` with daily buckets and ``page``/``next_page``."""
    state = _state(call)
    state.require("usage")
    start = _int(call, "start_time")
    if start is None:
        raise oai_error(400, "Missing required parameter: 'start_time'", "missing_required")
    end = _int(call, "end_time", state.now())
    assert end is not None
    if (call.arg("bucket_width") or "1d") != "1d":
        raise oai_error(400, "The simulator serves bucket_width=1d only", "invalid_value")
    limit = _int(call, "limit", 7)
    assert limit is not None
    if not 1 <= limit <= 31:
        raise oai_error(400, "Invalid 'limit': must be between 1 and 31 for 1d buckets",
                        "invalid_value")
    if call.page_cap:
        limit = min(limit, call.page_cap)
    first = start // DAY * DAY
    page = call.arg("page")
    if page:
        if not page.startswith("page_") or not page[5:].isdigit():
            raise oai_error(400, f"Invalid 'page': {page!r}", "invalid_value")
        first = int(page[5:])
    group = set(call.args("group_by"))
    key_filter = set(call.args("api_key_ids"))
    buckets: list[dict[str, Any]] = []
    day = first
    while day < end and len(buckets) < limit:
        totals: dict[str | None, list[int]] = {}
        for row in state.usage:
            if row[0] != day or (key_filter and row[1] not in key_filter):
                continue
            key = row[1] if "api_key_id" in group else None
            acc = totals.setdefault(key, [0, 0, 0])
            acc[0] += row[4]
            acc[1] += row[5]
            acc[2] += row[6]
        results = [{"object": "organization.usage.completions.result",
                    "input_tokens": i, "output_tokens": o, "input_cached_tokens": 0,
                    "num_model_requests": r, "project_id": None, "user_id": None,
                    "api_key_id": key, "model": None, "batch": None}
                   for key, (r, i, o) in sorted(totals.items(), key=lambda kv: str(kv[0]))]
        buckets.append({"object": "bucket", "start_time": day, "end_time": day + DAY,
                        "results": results})
        day += DAY
    more = day < end
    return {"object": "page", "data": buckets, "has_more": more,
            "next_page": f"page_{day}" if more else None}


def _r(method: str, path: str, handler: Callable[[Call], dict[str, Any]]) -> Route:
    pattern = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", path)
    return Route(method, re.compile(f"^{ORG}{pattern}$"), handler, scope="openai",
                 versioned=False)


ROUTES: tuple[Route, ...] = (
    _r("GET", "/users", list_users),
    _r("GET", "/users/{user_id}", get_user),
    _r("POST", "/users/{user_id}", update_user),
    _r("DELETE", "/users/{user_id}", delete_user),
    _r("GET", "/invites", list_invites),
    _r("GET", "/invites/{invite_id}", get_invite),
    _r("DELETE", "/invites/{invite_id}", delete_invite),
    _r("GET", "/projects", list_projects),
    _r("GET", "/projects/{project_id}", get_project),
    _r("POST", "/projects/{project_id}/archive", archive_project),
    _r("GET", "/projects/{project_id}/users", list_project_users),
    _r("GET", "/projects/{project_id}/users/{user_id}", get_project_user),
    _r("POST", "/projects/{project_id}/users/{user_id}", update_project_user),
    _r("DELETE", "/projects/{project_id}/users/{user_id}", delete_project_user),
    _r("GET", "/projects/{project_id}/service_accounts", list_service_accounts),
    _r("GET", "/projects/{project_id}/service_accounts/{sa_id}", get_service_account),
    _r("DELETE", "/projects/{project_id}/service_accounts/{sa_id}", delete_service_account),
    _r("GET", "/projects/{project_id}/api_keys", list_keys),
    _r("GET", "/projects/{project_id}/api_keys/{key_id}", get_key),
    _r("DELETE", "/projects/{project_id}/api_keys/{key_id}", delete_key),
    _r("GET", "/admin_api_keys", list_admin_keys),
    _r("GET", "/admin_api_keys/{key_id}", get_admin_key),
    _r("DELETE", "/admin_api_keys/{key_id}", delete_admin_key),
    _r("GET", "/audit_logs", audit_logs),
    _r("GET", "/usage/completions", usage_completions),
)
"""The OpenAI route table the server mounts next to Anthropic's."""
