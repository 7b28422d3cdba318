"""HTTP endpoints of the simulated OAuth plane (vendor-apis-nhi.md §2-3): service accounts,
their workspace memberships (both addressings), federation issuers, rules and rule workspaces.

Every route has scope ``oauth`` (the server authenticates with ``anthropic_nhi_token``: an
Admin key gets 403). Listings use pagination family B: ``page``/``limit`` in, ``data`` +
``next_page`` out (``has_more`` added too, which the SDK model lacks); a ``page`` cursor names
the last row of the previous page, so a cursor whose row vanished answers 400.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Sequence
from typing import Any

from tenure.simulator.anthropic_api import Call, Route, iso_us
from tenure.simulator.anthropic_nhi_sa import (
    SA_ROLES,
    SLUG,
    WRITE_WORKSPACE_ROLES,
    Issuer,
    Membership,
    Rule,
    ServiceAccount,
    ServiceAccountPlane,
    actor_id,
    guard_rule_scope,
    membership_json,
    plane,
)
from tenure.simulator.anthropic_nhi_token import exchange
from tenure.simulator.state import ApiError, invalid, not_found


def _p(call: Call) -> ServiceAccountPlane:
    return plane(call.state)


def _bool(call: Call, name: str) -> bool:
    return (call.arg(name) or "").lower() in ("true", "1")


def _ts(call: Call, offset: float | None) -> str | None:
    return None if offset is None else iso_us(call.state.at(offset))


def encode_cursor(key: str) -> str:
    """An opaque ``page`` cursor naming the last row of a page."""
    return "page_" + base64.urlsafe_b64encode(key.encode()).decode().rstrip("=")


def _decode_cursor(raw: str) -> str:
    body = raw.removeprefix("page_")
    try:
        return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise invalid(f"page: invalid cursor {raw!r}") from None


def page_b(call: Call, rows: Sequence[dict[str, Any]], key: Callable[[dict[str, Any]], str],
           *, default: int = 20, maximum: int = 1000, extra_first: Sequence[dict[str, Any]] = ()
           ) -> dict[str, Any]:
    """Family B over ``rows`` (already in list order); ``extra_first`` rows ride on page 1
    outside the limit (the implicit default membership)."""
    raw_limit = call.arg("limit")
    try:
        limit = default if raw_limit is None else int(raw_limit)
    except ValueError:
        raise invalid(f"limit: not an integer: {raw_limit!r}") from None
    if not 1 <= limit <= maximum:
        raise invalid(f"limit: must be between 1 and {maximum}")
    if call.page_cap:
        limit = min(limit, call.page_cap)
    cursor = call.arg("page")
    start = 0
    if cursor:
        wanted = _decode_cursor(cursor)
        keys = [key(r) for r in rows]
        if wanted not in keys:
            raise invalid("page: the cursor no longer points into this listing; start over")
        start = keys.index(wanted) + 1
    chunk = list(rows[start:start + limit])
    more = start + limit < len(rows)
    data = ([*extra_first, *chunk] if not cursor else chunk)
    return {"data": data, "next_page": encode_cursor(key(chunk[-1])) if more and chunk else None,
            "has_more": more}


# -- renderers ---------------------------------------------------------------------------
def sa_json(call: Call, sa: ServiceAccount) -> dict[str, Any]:
    """A ``service_account``."""
    return {"id": sa.id, "type": "service_account", "name": sa.name,
            "description": sa.description or None, "organization_role": sa.organization_role,
            "created_at": _ts(call, sa.created_at), "updated_at": _ts(call, sa.updated_at),
            "archived_at": _ts(call, sa.archived_at),
            "created_by_actor_id": sa.created_by_actor_id,
            "updated_by_actor_id": sa.updated_by_actor_id,
            "archived_by_actor_id": sa.archived_by_actor_id}


def issuer_json(call: Call, i: Issuer) -> dict[str, Any]:
    """A ``federation_issuer`` with its poll status."""
    paused = i.jwks_polling_disabled_at is not None
    return {"id": i.id, "type": "federation_issuer", "name": i.name, "issuer_url": i.issuer_url,
            "check_jti": i.check_jti, "jwks": dict(i.jwks),
            "jwks_polling_disabled_at": _ts(call, i.jwks_polling_disabled_at),
            "max_jwt_lifetime_seconds": i.max_jwt_lifetime_seconds,
            "poll_status": {"consecutive_failures": i.consecutive_failures,
                            "last_fetched_at": _ts(call, i.last_fetched_at),
                            "next_poll_at": None if paused else _ts(call, 3600.0)},
            "created_at": _ts(call, i.created_at), "updated_at": _ts(call, i.updated_at),
            "archived_at": _ts(call, i.archived_at),
            "created_by_actor_id": i.created_by_actor_id,
            "updated_by_actor_id": i.updated_by_actor_id,
            "archived_by_actor_id": i.archived_by_actor_id}


def rule_json(call: Call, r: Rule) -> dict[str, Any]:
    """A ``federation_rule`` (``workspace_ids`` empty for an old, listing-only rule)."""
    p = _p(call)
    sa = p.service_accounts.get(r.service_account_id)
    issuer = p.issuers.get(r.issuer_id)
    return {"id": r.id, "type": "federation_rule", "name": r.name,
            "description": r.description or None, "issuer_id": r.issuer_id,
            "issuer_name": issuer.name if issuer else None, "match": dict(r.match),
            "target": {"type": "service_account", "service_account_id": r.service_account_id,
                       "service_account_name": sa.name if sa else None},
            "oauth_scope": r.oauth_scope, "token_lifetime_seconds": r.token_lifetime_seconds,
            "applies_to_all_workspaces": r.applies_to_all_workspaces,
            "workspace_ids": [] if r.listed_only else list(r.workspaces),
            "workspace_id": r.workspace_id, "attributes": None,
            "created_at": _ts(call, r.created_at), "updated_at": _ts(call, r.updated_at),
            "archived_at": _ts(call, r.archived_at),
            "created_by_actor_id": r.created_by_actor_id,
            "updated_by_actor_id": r.updated_by_actor_id,
            "archived_by_actor_id": r.archived_by_actor_id}


# -- service accounts --------------------------------------------------------------------
def list_service_accounts(call: Call) -> dict[str, Any]:
    """``GET /v1/organizations/service_accounts`` (newest first, ``include_archived``)."""
    p = _p(call)
    with call.state.lock:
        items = sorted((s for s in p.service_accounts.values()
                        if _bool(call, "include_archived") or s.archived_at is None),
                       key=lambda s: (-s.created_at, s.id))
        return page_b(call, [sa_json(call, s) for s in items], lambda r: str(r["id"]))


def get_service_account(call: Call) -> dict[str, Any]:
    """``GET /v1/organizations/service_accounts/{id}``."""
    with call.state.lock:
        return sa_json(call, _p(call).service_account(call.params["id"]))


def _interactive(call: Call, what: str) -> None:
    if call.actor.get("type") != "user_actor":
        raise ApiError(403, "permission_error",
                       f"{what} needs an interactive credential (user OAuth or Console).")


def create_service_account(call: Call) -> dict[str, Any]:
    """``POST /v1/organizations/service_accounts``."""
    p = _p(call)
    name = call.field("name")
    role = call.field("organization_role", required=False) or "developer"
    if not isinstance(name, str) or not SLUG.match(name):
        raise invalid("name: lowercase letters, digits and hyphens")
    if role not in SA_ROLES:
        raise invalid("organization_role: expected admin or developer")
    if role == "admin":
        _interactive(call, "Creating an admin service account")
    with call.state.lock:
        if any(s.name == name for s in p.service_accounts.values()):
            raise ApiError(409, "conflict_error", f"a service account named {name} exists")
        now = call.state.elapsed()
        sa = p.add_service_account(ServiceAccount(
            p.new_id("svac"), name, role, str(call.field("description", required=False) or ""),
            now, now, created_by_actor_id=actor_id(call.actor)))
        return sa_json(call, sa)


def update_service_account(call: Call) -> dict[str, Any]:
    """``POST /v1/organizations/service_accounts/{id}`` (description, organization_role)."""
    p = _p(call)
    with call.state.lock:
        sa = p.service_account(call.params["id"])
        if sa.archived_at is not None:
            raise invalid("the service account is archived")
        role = call.field("organization_role", required=False)
        updates = []
        if role is not None:
            if role not in SA_ROLES:
                raise invalid("organization_role: expected admin or developer")
            if role == "admin":
                _interactive(call, "Setting organization_role admin")
            if role != sa.organization_role:
                updates.append({"type": "organization_role",
                                "previous_value": sa.organization_role, "current_value": role})
                sa.organization_role = role
        if isinstance(call.body, dict) and "description" in call.body:
            value = str(call.body.get("description") or "")
            updates.append({"type": "description", "previous_value": sa.description,
                            "current_value": value})
            sa.description = value
        sa.updated_at = call.state.elapsed()
        sa.updated_by_actor_id = actor_id(call.actor)
        p.log("platform_service_account_updated", call.actor, service_account_id=sa.id,
              updates=updates)
        return sa_json(call, sa)


def archive_service_account(call: Call) -> dict[str, Any]:
    """``POST /v1/organizations/service_accounts/{id}/archive``."""
    return sa_json(call, _p(call).archive_service_account(call.params["id"], call.actor))


# -- memberships -------------------------------------------------------------------------
def list_sa_workspaces(call: Call) -> dict[str, Any]:
    """``GET /v1/organizations/service_accounts/{id}/workspaces`` (implicit row included)."""
    p = _p(call)
    with call.state.lock:
        sa = p.service_account(call.params["id"])
        if sa.archived_at is not None:
            return {"data": [], "next_page": None, "has_more": False}
        rows = p.memberships_of(sa.id)
        implicit = [r for r in rows if r.get("implicit")]
        explicit = [r for r in rows if not r.get("implicit")]
        return page_b(call, explicit, lambda r: str(r["workspace_id"]), extra_first=implicit)


def _upsert_membership(call: Call, sa_id: str, ws_id: str, role: Any) -> dict[str, Any]:
    p = _p(call)
    if role not in WRITE_WORKSPACE_ROLES:
        raise invalid("workspace_role: expected one of "
                      + ", ".join(sorted(WRITE_WORKSPACE_ROLES)))
    with call.state.lock:
        sa = p.service_account(sa_id)
        if sa.archived_at is not None:
            raise invalid("the service account is archived")
        if p.workspace_state(ws_id) == "archived":
            raise invalid("the workspace is archived")
        existing = p.memberships.get((sa_id, ws_id))
        if existing is not None:
            previous = existing.workspace_role
            existing.workspace_role = str(role)
            p.log("platform_service_account_workspace_member_updated", call.actor,
                  service_account_id=sa_id, workspace_id=ws_id,
                  updates=[{"type": "workspace_role", "previous_value": previous,
                            "current_value": role}])
            return membership_json(existing)
        added = p.add_membership(Membership(sa_id, ws_id, str(role), actor_id(call.actor)))
        p.log("platform_service_account_workspace_member_added", call.actor,
              service_account_id=sa_id, workspace_id=ws_id)
        return membership_json(added)


def add_sa_workspace(call: Call) -> dict[str, Any]:
    """``POST /v1/organizations/service_accounts/{id}/workspaces``."""
    ws = call.field("workspace_id")
    if not isinstance(ws, str):
        raise invalid("workspace_id: must be a string")
    return _upsert_membership(call, call.params["id"], ws, call.field("workspace_role"))


def add_workspace_sa(call: Call) -> dict[str, Any]:
    """``POST /v1/organizations/workspaces/{ws}/service_accounts``."""
    sa = call.field("service_account_id")
    if not isinstance(sa, str):
        raise invalid("service_account_id: must be a string")
    return _upsert_membership(call, sa, call.params["ws"], call.field("workspace_role"))


def list_workspace_sas(call: Call) -> dict[str, Any]:
    """``GET /v1/organizations/workspaces/{ws}/service_accounts`` (explicit rows only)."""
    p = _p(call)
    ws = call.params["ws"]
    with call.state.lock:
        if p.workspace_state(ws) == "archived":
            raise invalid("the workspace is archived; list the service account side instead")
        rows = [membership_json(m) for (s, w), m in sorted(p.memberships.items())
                if w == ws and p.service_accounts.get(s) is not None
                and p.service_accounts[s].archived_at is None]
        return page_b(call, rows, lambda r: str(r["service_account_id"]))


def get_workspace_sa(call: Call) -> dict[str, Any]:
    """``GET /v1/organizations/workspaces/{ws}/service_accounts/{sa}``."""
    p = _p(call)
    ws, sa_id = call.params["ws"], call.params["sa"]
    with call.state.lock:
        if p.workspace_state(ws) == "archived":
            raise invalid("the workspace is archived")
        sa = p.service_account(sa_id)
        if sa.archived_at is not None:
            raise not_found("service account")
        found = p.memberships.get((sa_id, ws))
        if found is not None:
            return membership_json(found)
        if ws == p.default_workspace_id():
            return p.implicit_row(sa_id)
        raise not_found("workspace member")


def update_workspace_sa(call: Call) -> dict[str, Any]:
    """``POST /v1/organizations/workspaces/{ws}/service_accounts/{sa}`` (explicit rows)."""
    p = _p(call)
    ws, sa_id = call.params["ws"], call.params["sa"]
    with call.state.lock:
        if (sa_id, ws) not in p.memberships:
            raise not_found("workspace member")
        return _upsert_membership(call, sa_id, ws, call.field("workspace_role"))


def _removed(call: Call, sa_id: str, ws_id: str) -> dict[str, Any]:
    _p(call).remove_membership(sa_id, ws_id, call.actor)
    return {"type": "service_account_workspace_member_deleted", "service_account_id": sa_id,
            "workspace_id": ws_id}


def remove_sa_workspace(call: Call) -> dict[str, Any]:
    """``DELETE /v1/organizations/service_accounts/{id}/workspaces/{ws}`` (always 200)."""
    return _removed(call, call.params["id"], call.params["ws"])


def remove_workspace_sa(call: Call) -> dict[str, Any]:
    """``DELETE /v1/organizations/workspaces/{ws}/service_accounts/{sa}`` (always 200)."""
    return _removed(call, call.params["sa"], call.params["ws"])


# -- issuers -----------------------------------------------------------------------------
def list_issuers(call: Call) -> dict[str, Any]:
    """``GET /v1/organizations/federation_issuers``."""
    p = _p(call)
    with call.state.lock:
        items = sorted((i for i in p.issuers.values()
                        if _bool(call, "include_archived") or i.archived_at is None),
                       key=lambda i: (-i.created_at, i.id))
        return page_b(call, [issuer_json(call, i) for i in items], lambda r: str(r["id"]))


def get_issuer(call: Call) -> dict[str, Any]:
    """``GET /v1/organizations/federation_issuers/{id}``."""
    with call.state.lock:
        return issuer_json(call, _p(call).issuer(call.params["id"]))


def create_issuer(call: Call) -> dict[str, Any]:
    """``POST /v1/organizations/federation_issuers``."""
    p = _p(call)
    name, url = call.field("name"), call.field("issuer_url")
    if not isinstance(name, str) or not SLUG.match(name) or not isinstance(url, str):
        raise invalid("name (slug) and issuer_url are required")
    lifetime = call.field("max_jwt_lifetime_seconds", required=False) or 3600
    if not isinstance(lifetime, int) or not 1 <= lifetime <= 176400:
        raise invalid("max_jwt_lifetime_seconds: 1..176400")
    with call.state.lock:
        if any(i.name == name for i in p.issuers.values()):
            raise ApiError(409, "conflict_error", f"an issuer named {name} exists")
        now = call.state.elapsed()
        check = call.field("check_jti", required=False)
        issuer = p.add_issuer(Issuer(
            p.new_id("fdis"), name, url, check is not False,
            dict(call.field("jwks", required=False) or {"type": "discovery"}), lifetime,
            created_at=now, updated_at=now, created_by_actor_id=actor_id(call.actor)))
        return issuer_json(call, issuer)


def update_issuer(call: Call) -> dict[str, Any]:
    """``POST /v1/organizations/federation_issuers/{id}``."""
    p = _p(call)
    with call.state.lock:
        issuer = p.issuer(call.params["id"])
        if issuer.archived_at is not None:
            raise invalid("the issuer is archived")
        for rule in p.rules.values():
            if rule.live and rule.issuer_id == issuer.id:
                guard_rule_scope(rule.oauth_scope, call.actor)
        body = call.body if isinstance(call.body, dict) else {}
        updates = []
        if "jwks_polling_disabled" in body:
            if body["jwks_polling_disabled"] is not False:
                raise invalid("jwks_polling_disabled: only false is accepted")
            issuer.jwks_polling_disabled_at, issuer.consecutive_failures = None, 0
            updates.append({"type": "jwks_polling_disabled_at"})
        for name in ("check_jti", "issuer_url", "jwks", "max_jwt_lifetime_seconds", "name"):
            if name in body:
                setattr(issuer, name, body[name])
                updates.append({"type": name})
        issuer.updated_at = call.state.elapsed()
        issuer.updated_by_actor_id = actor_id(call.actor)
        p.log("platform_federation_issuer_updated", call.actor,
              federation_issuer_id=issuer.id, updates=updates)
        return issuer_json(call, issuer)


def archive_issuer(call: Call) -> dict[str, Any]:
    """``POST /v1/organizations/federation_issuers/{id}/archive``."""
    return issuer_json(call, _p(call).archive_issuer(call.params["id"], call.actor))


# -- rules -------------------------------------------------------------------------------
def _validate_match(match: Any) -> dict[str, Any]:
    if not isinstance(match, dict):
        raise invalid("match: must be an object")
    prefix = match.get("subject_prefix")
    condition = match.get("condition")
    if isinstance(condition, str) and condition.strip() in ("true", "1 == 1"):
        raise invalid("match.condition: a constant-true condition is not allowed")
    pinned = (isinstance(prefix, str) and prefix and prefix != "*") or match.get("claims") \
        or condition
    if not pinned:
        raise invalid("match: needs a non-wildcard subject_prefix, claims or a condition")
    return dict(match)


def list_rules(call: Call) -> dict[str, Any]:
    """``GET /v1/organizations/federation_rules`` (``include_archived``, ``issuer_id``)."""
    p = _p(call)
    issuer = call.arg("issuer_id")
    with call.state.lock:
        items = sorted((r for r in p.rules.values()
                        if (_bool(call, "include_archived") or r.live)
                        and (issuer is None or r.issuer_id == issuer)),
                       key=lambda r: (-r.created_at, r.id))
        return page_b(call, [rule_json(call, r) for r in items], lambda r: str(r["id"]))


def get_rule(call: Call) -> dict[str, Any]:
    """``GET /v1/organizations/federation_rules/{id}``."""
    with call.state.lock:
        return rule_json(call, _p(call).rule(call.params["id"]))


def _target(call: Call, p: ServiceAccountPlane, target: Any) -> str:
    if not isinstance(target, dict) or target.get("type") != "service_account":
        raise invalid("target: {type: service_account, service_account_id}")
    sa_id = str(target.get("service_account_id") or "")
    if sa_id not in p.service_accounts:
        raise invalid("target: the service account does not exist")
    return sa_id


def create_rule(call: Call) -> dict[str, Any]:
    """``POST /v1/organizations/federation_rules``."""
    p = _p(call)
    name, scope = call.field("name"), call.field("oauth_scope")
    if not isinstance(name, str) or not isinstance(scope, str):
        raise invalid("name and oauth_scope are required")
    guard_rule_scope(scope, call.actor)
    if call.field("attributes", required=False):
        raise invalid("attributes: must be empty")
    lifetime = call.field("token_lifetime_seconds", required=False) or 3600
    if not isinstance(lifetime, int) or not 60 <= lifetime <= 86400:
        raise invalid("token_lifetime_seconds: 60..86400")
    every = call.field("applies_to_all_workspaces", required=False) is True
    ws = call.field("workspace_id", required=False)
    if not every and not isinstance(ws, str):
        raise invalid("workspace_id: required unless applies_to_all_workspaces")
    with call.state.lock:
        issuer_id = str(call.field("issuer_id"))
        if issuer_id not in p.issuers:
            raise invalid("issuer_id: the issuer does not exist")
        sa_id = _target(call, p, call.field("target"))
        now = call.state.elapsed()
        rule = p.add_rule(Rule(
            p.new_id("fdrl"), name, issuer_id, _validate_match(call.field("match")), sa_id,
            scope, str(call.field("description", required=False) or ""), lifetime, every,
            {ws: now} if isinstance(ws, str) else {}, created_at=now, updated_at=now,
            created_by_actor_id=actor_id(call.actor)))
        return rule_json(call, rule)


def update_rule(call: Call) -> dict[str, Any]:
    """``POST /v1/organizations/federation_rules/{id}`` (``issuer_id`` is immutable)."""
    p = _p(call)
    body = call.body if isinstance(call.body, dict) else {}
    with call.state.lock:
        rule = p.rule(call.params["id"])
        if not rule.live:
            raise invalid("the rule is archived")
        guard_rule_scope(rule.oauth_scope, call.actor)
        if "issuer_id" in body and body["issuer_id"] != rule.issuer_id:
            raise invalid("issuer_id: immutable")
        if "oauth_scope" in body:
            guard_rule_scope(str(body["oauth_scope"]), call.actor)
            rule.oauth_scope = str(body["oauth_scope"])
        if "match" in body:
            rule.match = _validate_match(body["match"])
        if "target" in body:
            rule.service_account_id = _target(call, p, body["target"])
        for name in ("name", "description", "token_lifetime_seconds"):
            if name in body:
                setattr(rule, name, body[name])
        if "applies_to_all_workspaces" in body:
            every = body["applies_to_all_workspaces"] is True
            if not every and not rule.workspaces and not rule.workspace_id:
                raise invalid("applies_to_all_workspaces: false leaves no workspace enabled")
            rule.applies_to_all_workspaces = every
        if "workspace_id" in body:
            if len(rule.workspaces) > 1:
                raise invalid("workspace_id: more than one workspace is enabled")
            rule.workspaces = {str(body["workspace_id"]): call.state.elapsed()}
        rule.updated_at = call.state.elapsed()
        rule.updated_by_actor_id = actor_id(call.actor)
        p.log("platform_federation_rule_updated", call.actor, federation_rule_id=rule.id,
              updates=[{"type": k} for k in body])
        return rule_json(call, rule)


def archive_rule(call: Call) -> dict[str, Any]:
    """``POST /v1/organizations/federation_rules/{id}/archive``."""
    return rule_json(call, _p(call).archive_rule(call.params["id"], call.actor))


def _rule_ws_json(call: Call, rule: Rule, ws: str, named: bool) -> dict[str, Any]:
    found = call.state.workspaces.get(ws)
    name = found.name if found else ("Default" if ws == _p(call).default_workspace_id()
                                     else None)
    return {"type": "federation_rule_workspace", "federation_rule_id": rule.id,
            "workspace_id": ws, "workspace_name": name if named else None,
            "created_at": _ts(call, rule.workspaces.get(ws, rule.created_at)),
            "created_by_actor_id": rule.created_by_actor_id}


def list_rule_workspaces(call: Call) -> dict[str, Any]:
    """``GET /v1/organizations/federation_rules/{id}/workspaces``: the whole set at once."""
    with call.state.lock:
        rule = _p(call).rule(call.params["id"])
        rows = [_rule_ws_json(call, rule, ws, True) for ws in rule.workspaces]
        return {"data": rows, "next_page": None, "has_more": False}


def enable_rule_workspace(call: Call) -> dict[str, Any]:
    """``POST /v1/organizations/federation_rules/{id}/workspaces`` (idempotent)."""
    p = _p(call)
    ws = call.field("workspace_id")
    if not isinstance(ws, str):
        raise invalid("workspace_id: must be a string")
    with call.state.lock:
        rule = p.rule(call.params["id"])
        if not rule.live:
            raise invalid("the rule is archived")
        guard_rule_scope(rule.oauth_scope, call.actor)
        p.workspace_state(ws)
        if ws not in rule.workspaces:
            rule.workspaces[ws] = call.state.elapsed()
            p.log("platform_federation_rule_workspace_added", call.actor,
                  federation_rule_id=rule.id, workspace_id=ws)
        return _rule_ws_json(call, rule, ws, False)


def disable_rule_workspace(call: Call) -> dict[str, Any]:
    """``DELETE /v1/organizations/federation_rules/{id}/workspaces/{ws}`` (idempotent)."""
    p = _p(call)
    ws = call.params["ws"]
    with call.state.lock:
        rule = p.rule(call.params["id"])
        if rule.workspaces.pop(ws, None) is not None:
            p.log("platform_federation_rule_workspace_removed", call.actor,
                  federation_rule_id=rule.id, workspace_id=ws)
    return {"type": "federation_rule_workspace_deleted", "federation_rule_id": rule.id,
            "workspace_id": ws}


def token(call: Call) -> dict[str, Any]:
    """``POST /v1/oauth/token`` (the server passes the request headers as ``call.actor``)."""
    return exchange(_p(call), call.actor.get("headers", {}), call.body)


def _route(method: str, path: str, handler: Callable[[Call], dict[str, Any]],
           scope: str = "oauth") -> Route:
    pattern = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", path)
    return Route(method, re.compile(f"^{pattern}$"), handler, scope,
                 versioned=scope != "token")


_O = "/v1/organizations"
_SA = f"{_O}/service_accounts"
_WS = f"{_O}/workspaces/{{ws}}/service_accounts"
_FI = f"{_O}/federation_issuers"
_FR = f"{_O}/federation_rules"
ROUTES: tuple[Route, ...] = (
    _route("POST", "/v1/oauth/token", token, scope="token"),
    _route("GET", _SA, list_service_accounts),
    _route("POST", _SA, create_service_account),
    _route("GET", f"{_SA}/{{id}}", get_service_account),
    _route("POST", f"{_SA}/{{id}}", update_service_account),
    _route("POST", f"{_SA}/{{id}}/archive", archive_service_account),
    _route("GET", f"{_SA}/{{id}}/workspaces", list_sa_workspaces),
    _route("POST", f"{_SA}/{{id}}/workspaces", add_sa_workspace),
    _route("DELETE", f"{_SA}/{{id}}/workspaces/{{ws}}", remove_sa_workspace),
    _route("GET", _WS, list_workspace_sas),
    _route("POST", _WS, add_workspace_sa),
    _route("GET", f"{_WS}/{{sa}}", get_workspace_sa),
    _route("POST", f"{_WS}/{{sa}}", update_workspace_sa),
    _route("DELETE", f"{_WS}/{{sa}}", remove_workspace_sa),
    _route("GET", _FI, list_issuers),
    _route("POST", _FI, create_issuer),
    _route("GET", f"{_FI}/{{id}}", get_issuer),
    _route("POST", f"{_FI}/{{id}}", update_issuer),
    _route("POST", f"{_FI}/{{id}}/archive", archive_issuer),
    _route("GET", _FR, list_rules),
    _route("POST", _FR, create_rule),
    _route("GET", f"{_FR}/{{id}}", get_rule),
    _route("POST", f"{_FR}/{{id}}", update_rule),
    _route("POST", f"{_FR}/{{id}}/archive", archive_rule),
    _route("GET", f"{_FR}/{{id}}/workspaces", list_rule_workspaces),
    _route("POST", f"{_FR}/{{id}}/workspaces", enable_rule_workspace),
    _route("DELETE", f"{_FR}/{{id}}/workspaces/{{ws}}", disable_rule_workspace),
)
