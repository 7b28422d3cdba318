"""The Anthropic endpoints: Admin API, usage reports and the Compliance activity feed.

Each handler takes a :class:`Call` and returns a JSON body; errors are raised as ``ApiError``.
Routes carry the auth scope (``admin`` or ``compliance``) and the org feature they need, so the
server answers 401/403/404 before a handler runs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from tenure.clock import parse_instant
from tenure.simulator.feed import FeedQuery
from tenure.simulator.ids import activity_seq
from tenure.simulator.scenario import ApiKey, Invite, Member, User, Workspace
from tenure.simulator.state import ApiError, OrgState, invalid, not_found
from tenure.simulator.usage import claude_code_report, messages_report

T = TypeVar("T")


@dataclass(slots=True)
class Call:
    """One authenticated request as a handler sees it."""

    state: OrgState
    method: str
    query: dict[str, list[str]]
    params: dict[str, str]
    body: Any
    actor: dict[str, Any]
    page_cap: int = 0
    openai: Any = None
    """The OpenAI organization, for routes of the ``openai`` scope."""
    agents: Any = None
    """The managed-agent plane (``agents_state.AgentsState``), for the ``workspace`` scope."""
    headers: Any = None
    """The request headers (case-insensitive ``get``)."""

    def arg(self, name: str) -> str | None:
        """The last value of a query parameter."""
        values = self.query.get(name)
        return values[-1] if values else None

    def args(self, name: str) -> list[str]:
        """All values of a repeatable parameter (``name[]`` and ``name``)."""
        return self.query.get(f"{name}[]", []) + self.query.get(name, [])

    def field(self, name: str, required: bool = True) -> Any:
        """A field of the JSON body."""
        if not isinstance(self.body, dict):
            raise invalid("Request body must be a JSON object.")
        if name not in self.body:
            if required:
                raise invalid(f"{name}: Field required")
            return None
        return self.body[name]


Handler = Callable[[Call], dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Route:
    """A method + path pattern, its handler, auth scope and required feature."""

    method: str
    pattern: re.Pattern[str]
    handler: Handler
    scope: str = "admin"
    feature: str | None = None
    versioned: bool = field(default=True)  # requires the anthropic-version header


def iso_us(when: datetime) -> str:
    """RFC 3339 with microseconds, as the Admin API examples show."""
    return when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _bool(value: str | None) -> bool:
    return (value or "").lower() in ("true", "1")


def _limit(call: Call, default: int, maximum: int) -> int:
    raw = call.arg("limit")
    try:
        value = default if raw is None else int(raw)
    except ValueError:
        raise invalid(f"limit: not an integer: {raw!r}") from None
    if not 1 <= value <= maximum:
        raise invalid(f"limit: must be between 1 and {maximum}")
    return min(value, call.page_cap) if call.page_cap else value


def paginate(call: Call, items: Sequence[T], id_of: Callable[[T], str]) -> dict[str, Any]:
    """The before_id/after_id/limit envelope over ``items`` (already in list order)."""
    limit = _limit(call, 20, 1000)
    after, before = call.arg("after_id"), call.arg("before_id")
    if after and before:
        raise invalid("before_id and after_id cannot both be given")
    position = call.state.position
    cursor = after or before
    if cursor is not None and cursor not in position:
        raise invalid(f"{'after_id' if after else 'before_id'}: unknown id {cursor!r}")
    if after:
        rest = [i for i in items if position.get(id_of(i), -1) > position[after]]
        page, has_more = rest[:limit], len(rest) > limit
    elif before:
        rest = [i for i in items if position.get(id_of(i), -1) < position[before]]
        page, has_more = rest[-limit:], len(rest) > limit
    else:
        page, has_more = list(items[:limit]), len(items) > limit
    return {"data": page, "has_more": has_more,
            "first_id": id_of(page[0]) if page else None,
            "last_id": id_of(page[-1]) if page else None}


def _render(envelope: dict[str, Any], render: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
    envelope["data"] = [render(x) for x in envelope["data"]]
    return envelope


# -- renderers ---------------------------------------------------------------------------
def user_json(state: OrgState, u: User) -> dict[str, Any]:
    """A user object."""
    return {"id": u.id, "type": "user", "email": u.email, "name": u.name, "role": u.role,
            "added_at": iso_us(state.at(u.added_at))}


def invite_json(state: OrgState, i: Invite) -> dict[str, Any]:
    """An invite object."""
    return {"id": i.id, "type": "invite", "email": i.email, "role": i.role,
            "invited_at": iso_us(state.at(i.invited_at)),
            "expires_at": iso_us(state.at(i.expires_at)), "status": state.invite_status(i),
            "accepted_at": None if i.accepted_at is None else iso_us(state.at(i.accepted_at)),
            "rbac_group_ids": []}


def workspace_json(state: OrgState, w: Workspace) -> dict[str, Any]:
    """A workspace object."""
    return {"id": w.id, "type": "workspace", "name": w.name,
            "created_at": iso_us(state.at(w.created_at)),
            "archived_at": None if w.archived_at is None else iso_us(state.at(w.archived_at)),
            "display_color": w.display_color}


def member_json(m: Member) -> dict[str, Any]:
    """A workspace member object."""
    return {"type": "workspace_member", "user_id": m.user_id, "workspace_id": m.workspace_id,
            "workspace_role": m.workspace_role}


def key_json(state: OrgState, k: ApiKey) -> dict[str, Any]:
    """An API key object: the classic fields plus ``expires_at``, ``scope``, ``principal``."""
    return {"id": k.id, "type": "api_key", "name": k.name, "workspace_id": k.workspace_id,
            "created_at": iso_us(state.at(k.created_at)),
            "created_by": None if k.created_by is None else {"id": k.created_by, "type": "user"},
            "partial_key_hint": k.partial_key_hint, "status": state.key_status(k),
            "expires_at": None if k.expires_at is None else iso_us(state.at(k.expires_at)),
            "scope": {"type": "workspace",
                      "workspace_id": k.workspace_id or state.scenario.default_workspace_id},
            "principal": ({"type": "service_account_actor",
                           "service_account_id": k.service_account_id}
                          if k.service_account_id else _principal(k.id, k.created_by))}


def _principal(key_id: str, user_id: str | None) -> dict[str, Any] | None:
    """The key's owner, in the SDK spelling (``user_actor``/``user_id``) for about half the
    keys and the flat spelling of other vendor material (``user``/``id``) for the rest, so a
    client must read both (vendor-apis.md §1.9, issue 15)."""
    if user_id is None:
        return None
    if sum(map(ord, key_id)) % 2:
        return {"type": "user", "id": user_id}
    return {"type": "user_actor", "user_id": user_id}


# -- organization and users --------------------------------------------------------------
def get_me(call: Call) -> dict[str, Any]:
    """``GET /v1/organizations/me``."""
    org = call.state.scenario.org
    return {"id": org["id"], "type": "organization", "name": org["name"]}


def list_users(call: Call) -> dict[str, Any]:
    """``GET /v1/organizations/users`` with ``email`` and ``roles[]`` filters."""
    st = call.state
    email = (call.arg("email") or "").lower()
    roles = set(call.args("roles"))
    with st.lock:
        items = [u for u in st.users.values()
                 if (not email or u.email.lower() == email) and (not roles or u.role in roles)]
        return _render(paginate(call, items, lambda u: u.id), lambda u: user_json(st, u))


def get_user(call: Call) -> dict[str, Any]:
    """``GET /v1/organizations/users/{id}``."""
    return user_json(call.state, call.state.user(call.params["id"]))


def update_user(call: Call) -> dict[str, Any]:
    """``POST /v1/organizations/users/{id}`` body ``{"role": …}``."""
    role = call.field("role")
    if not isinstance(role, str):
        raise invalid("role: must be a string")
    return user_json(call.state, call.state.update_role(call.params["id"], role, call.actor))


def delete_user(call: Call) -> dict[str, Any]:
    """``DELETE /v1/organizations/users/{id}``."""
    call.state.delete_user(call.params["id"], call.actor)
    return {"id": call.params["id"], "type": "user_deleted"}


# -- invites -----------------------------------------------------------------------------
def list_invites(call: Call) -> dict[str, Any]:
    """``GET /v1/organizations/invites`` with ``email``, ``roles[]``, ``statuses[]``."""
    st = call.state
    email = (call.arg("email") or "").lower()
    roles = set(call.args("roles"))
    statuses = set(call.args("statuses"))
    with st.lock:
        items = [i for i in st.invites.values() if i.status != "deleted"
                 and (not email or i.email.lower() == email) and (not roles or i.role in roles)
                 and (not statuses or st.invite_status(i) in statuses)]
        return _render(paginate(call, items, lambda i: i.id), lambda i: invite_json(st, i))


def get_invite(call: Call) -> dict[str, Any]:
    """``GET /v1/organizations/invites/{id}``."""
    return invite_json(call.state, call.state.invite(call.params["id"]))


def create_invite(call: Call) -> dict[str, Any]:
    """``POST /v1/organizations/invites``."""
    email, role = call.field("email"), call.field("role")
    if not isinstance(email, str) or not isinstance(role, str):
        raise invalid("email and role must be strings")
    return invite_json(call.state, call.state.create_invite(email, role, call.actor))


def delete_invite(call: Call) -> dict[str, Any]:
    """``DELETE /v1/organizations/invites/{id}``."""
    call.state.delete_invite(call.params["id"], call.actor)
    return {"id": call.params["id"], "type": "invite_deleted"}


# -- workspaces and members --------------------------------------------------------------
def list_workspaces(call: Call) -> dict[str, Any]:
    """``GET /v1/organizations/workspaces`` with ``include_archived``/``include_default``."""
    st = call.state
    archived = _bool(call.arg("include_archived"))
    with st.lock:
        items = [w for w in st.workspaces.values() if archived or w.archived_at is None]
        if _bool(call.arg("include_default")):
            default = st.default_workspace()
            st.position.setdefault(default.id, -1)
            items.insert(0, default)
        return _render(paginate(call, items, lambda w: w.id), lambda w: workspace_json(st, w))


def get_workspace(call: Call) -> dict[str, Any]:
    """``GET /v1/organizations/workspaces/{id}``."""
    return workspace_json(call.state, call.state.workspace(call.params["id"]))


def create_workspace(call: Call) -> dict[str, Any]:
    """``POST /v1/organizations/workspaces``."""
    name = call.field("name")
    if not isinstance(name, str):
        raise invalid("name: must be a string")
    return workspace_json(call.state, call.state.create_workspace(name, call.actor))


def update_workspace(call: Call) -> dict[str, Any]:
    """``POST /v1/organizations/workspaces/{id}``."""
    name = call.field("name")
    if not isinstance(name, str):
        raise invalid("name: must be a string")
    return workspace_json(call.state,
                          call.state.rename_workspace(call.params["id"], name, call.actor))


def archive_workspace(call: Call) -> dict[str, Any]:
    """``POST /v1/organizations/workspaces/{id}/archive``."""
    return workspace_json(call.state, call.state.archive_workspace(call.params["id"],
                                                                   call.actor))


def list_members(call: Call) -> dict[str, Any]:
    """``GET /v1/organizations/workspaces/{id}/members``."""
    with call.state.lock:
        items = call.state.workspace_members(call.params["id"])
        return _render(paginate(call, items, lambda m: m.user_id), member_json)


def get_member(call: Call) -> dict[str, Any]:
    """``GET /v1/organizations/workspaces/{id}/members/{user_id}``."""
    return member_json(call.state.workspace_member(call.params["id"], call.params["user_id"]))


def add_member(call: Call) -> dict[str, Any]:
    """``POST /v1/organizations/workspaces/{id}/members``."""
    user_id, role = call.field("user_id"), call.field("workspace_role")
    if not isinstance(user_id, str) or not isinstance(role, str):
        raise invalid("user_id and workspace_role must be strings")
    return member_json(call.state.add_member(call.params["id"], user_id, role, call.actor))


def update_member(call: Call) -> dict[str, Any]:
    """``POST /v1/organizations/workspaces/{id}/members/{user_id}``."""
    role = call.field("workspace_role")
    if not isinstance(role, str):
        raise invalid("workspace_role: must be a string")
    return member_json(call.state.update_member(call.params["id"], call.params["user_id"],
                                                role, call.actor))


def remove_member(call: Call) -> dict[str, Any]:
    """``DELETE /v1/organizations/workspaces/{id}/members/{user_id}``."""
    call.state.remove_member(call.params["id"], call.params["user_id"], call.actor)
    return {"type": "workspace_member_deleted", "user_id": call.params["user_id"],
            "workspace_id": call.params["id"]}


# -- api keys ----------------------------------------------------------------------------
def list_keys(call: Call) -> dict[str, Any]:
    """``GET /v1/organizations/api_keys`` with status/workspace_id/created_by_user_id."""
    st = call.state
    status, ws, creator = (call.arg("status"), call.arg("workspace_id"),
                           call.arg("created_by_user_id"))
    if status is not None and status not in ("active", "inactive", "archived", "expired"):
        raise invalid("status: expected one of active, inactive, archived, expired")
    with st.lock:
        items = [k for k in st.keys.values()
                 if (status is None or st.key_status(k) == status)
                 and (ws is None or k.workspace_id == ws)
                 and (creator is None or k.created_by == creator)]
        return _render(paginate(call, items, lambda k: k.id), lambda k: key_json(st, k))


def get_key(call: Call) -> dict[str, Any]:
    """``GET /v1/organizations/api_keys/{id}``."""
    return key_json(call.state, call.state.key(call.params["id"]))


def update_key(call: Call) -> dict[str, Any]:
    """``POST /v1/organizations/api_keys/{id}`` body ``{"name"?, "status"?}``."""
    name, status = call.field("name", required=False), call.field("status", required=False)
    if (name is not None and not isinstance(name, str)) or \
            (status is not None and not isinstance(status, str)):
        raise invalid("name and status must be strings")
    return key_json(call.state, call.state.update_key(call.params["id"], name, status,
                                                      call.actor))


# -- usage and compliance ----------------------------------------------------------------
def usage_messages(call: Call) -> dict[str, Any]:
    """``GET /v1/organizations/usage_report/messages``."""
    with call.state.lock:
        return messages_report(call.state, call.query, call.page_cap)


def usage_claude_code(call: Call) -> dict[str, Any]:
    """``GET /v1/organizations/usage_report/claude_code``."""
    with call.state.lock:
        return claude_code_report(call.state, call.query, call.page_cap)


def _cursor(call: Call, name: str) -> int | None:
    raw = call.arg(name)
    if raw is None:
        return None
    seq = activity_seq(raw)
    if seq is None or seq > call.state.feed.total():
        raise invalid(f"{name}: invalid cursor {raw!r}")
    return seq


def _when(call: Call, name: str) -> datetime | None:
    raw = call.arg(name)
    if raw is None:
        return None
    try:
        return parse_instant(raw)
    except ValueError:
        raise invalid(f"{name}: invalid RFC 3339 datetime {raw!r}") from None


def list_activities(call: Call) -> dict[str, Any]:
    """``GET /v1/compliance/activities``: reverse-chronological, after_id goes back."""
    limit = _limit(call, 100, 5000)
    after, before = _cursor(call, "after_id"), _cursor(call, "before_id")
    if after is not None and before is not None:
        raise invalid("before_id and after_id cannot both be given")
    org = call.state.scenario.org
    orgs = set(call.args("organization_ids"))
    types = call.args("activity_types")
    actors = call.args("actor_ids")
    q = FeedQuery(limit=limit, after=after, before=before,
                  gte=_when(call, "created_at.gte"), gt=_when(call, "created_at.gt"),
                  lte=_when(call, "created_at.lte"), lt=_when(call, "created_at.lt"),
                  types=frozenset(types) if types else None,
                  actor_ids=frozenset(actors) if actors else None)
    rows: list[dict[str, Any]] = []
    has_more = False
    if orgs and not orgs & {org.get("compliance_id"), org.get("id")}:
        pass
    else:
        rows, has_more = call.state.feed.page(q)
    return {"data": rows, "has_more": has_more,
            "first_id": rows[0]["id"] if rows else None,
            "last_id": rows[-1]["id"] if rows else None}


def _route(method: str, path: str, handler: Handler, scope: str = "admin",
           feature: str | None = None) -> Route:
    pattern = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", path)
    return Route(method, re.compile(f"^{pattern}$"), handler, scope, feature)


_O = "/v1/organizations"
ROUTES: tuple[Route, ...] = (
    _route("GET", f"{_O}/me", get_me),
    _route("GET", f"{_O}/users", list_users),
    _route("GET", f"{_O}/users/{{id}}", get_user),
    _route("POST", f"{_O}/users/{{id}}", update_user),
    _route("DELETE", f"{_O}/users/{{id}}", delete_user),
    _route("GET", f"{_O}/invites", list_invites),
    _route("POST", f"{_O}/invites", create_invite),
    _route("GET", f"{_O}/invites/{{id}}", get_invite),
    _route("DELETE", f"{_O}/invites/{{id}}", delete_invite),
    _route("GET", f"{_O}/workspaces", list_workspaces, feature="workspaces"),
    _route("POST", f"{_O}/workspaces", create_workspace, feature="workspaces"),
    _route("GET", f"{_O}/workspaces/{{id}}", get_workspace, feature="workspaces"),
    _route("POST", f"{_O}/workspaces/{{id}}", update_workspace, feature="workspaces"),
    _route("POST", f"{_O}/workspaces/{{id}}/archive", archive_workspace, feature="workspaces"),
    _route("GET", f"{_O}/workspaces/{{id}}/members", list_members, feature="workspaces"),
    _route("POST", f"{_O}/workspaces/{{id}}/members", add_member, feature="workspaces"),
    _route("GET", f"{_O}/workspaces/{{id}}/members/{{user_id}}", get_member,
           feature="workspaces"),
    _route("POST", f"{_O}/workspaces/{{id}}/members/{{user_id}}", update_member,
           feature="workspaces"),
    _route("DELETE", f"{_O}/workspaces/{{id}}/members/{{user_id}}", remove_member,
           feature="workspaces"),
    _route("GET", f"{_O}/api_keys", list_keys, feature="api_keys"),
    _route("GET", f"{_O}/api_keys/{{id}}", get_key, feature="api_keys"),
    _route("POST", f"{_O}/api_keys/{{id}}", update_key, feature="api_keys"),
    _route("GET", f"{_O}/usage_report/messages", usage_messages, feature="usage_report"),
    _route("GET", f"{_O}/usage_report/claude_code", usage_claude_code, feature="claude_code"),
    _route("GET", "/v1/compliance/activities", list_activities, scope="compliance",
           feature="compliance"),
)


def check_feature(state: OrgState, route: Route) -> None:
    """Answer like the real API when the org does not have this feature."""
    if route.feature is None or state.scenario.features.get(route.feature, True):
        return
    status = state.scenario.disabled_status.get(route.feature, 404)
    if status == 403:
        what = ("The Compliance API is not enabled for this organization."
                if route.feature == "compliance" else
                "This organization does not have access to this resource.")
        raise ApiError(403, "permission_error", what)
    raise not_found()
