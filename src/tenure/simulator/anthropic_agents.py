"""The managed-agents endpoints (vendor-apis-nhi.md §4), served from ``AgentsState``.

Rules of the contract the handlers enforce:

- every call needs ``anthropic-beta`` to include ``managed-agents-2026-04-01`` (400 without
  it; 400 too when ``agent-memory-2026-07-22`` is sent with it);
- the credential is a workspace API key, bound to one workspace: it lists and reaches only that
  workspace's objects (another workspace's id is 404); or a federated token whose rule mints
  ``workspace:developer``, bound to the workspace of its exchange (with
  ``oauth-2025-04-20``); the Admin key and an ``org:admin`` token are refused (403), any other
  key is 401;
- pagination family B: ``limit`` + ``page`` in, ``data`` + ``next_page`` out (``has_more`` is
  sent too, harmless); a cursor the server did not issue is 400;
- no object carries an owner or creator field.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from tenure.clock import parse_instant
from tenure.simulator.agents_cron import CronError, upcoming
from tenure.simulator.agents_state import (
    AgentsState,
    SimAgent,
    SimCredential,
    SimDeployment,
    SimEnvironment,
    SimRun,
    SimVault,
)
from tenure.simulator.anthropic_api import Call, Route
from tenure.simulator.state import ApiError, invalid

T = TypeVar("T")
BETA = "managed-agents-2026-04-01"
OAUTH_BETA = "oauth-2025-04-20"
MEMORY_BETA = "agent-memory-2026-07-22"
SCOPE = "workspace"
_PAGE = re.compile(r"^page_([1-9][0-9]*)$")


def _iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class _Scoped:
    """One authenticated managed-agents call: the state and the key's workspace."""

    def __init__(self, call: Call, agents: AgentsState, workspace: str) -> None:
        self.call = call
        self.agents = agents
        self.workspace = workspace

    def at(self, offset: float | None) -> str | None:
        return None if offset is None else _iso(self.call.state.at(offset))


ScopedHandler = Callable[[_Scoped], dict[str, Any]]


def _token_workspace(call: Call, auth: str) -> str:
    """The workspace a federated ``workspace:developer`` token is bound to, or the refusal."""
    from tenure.simulator.anthropic_nhi_sa import plane

    if OAUTH_BETA not in _betas(call):
        raise ApiError(401, "authentication_error",
                       f"OAuth authentication requires anthropic-beta: {OAUTH_BETA}")
    sa_plane = plane(call.state)
    token = sa_plane.tokens.get(auth[7:].strip())
    if token is None or (token.expires_at is not None
                         and token.expires_at <= call.state.elapsed()):
        raise ApiError(401, "authentication_error", "invalid or expired OAuth token")
    if "workspace:developer" not in token.scope.split() or token.workspace_id is None:
        raise ApiError(403, "permission_error", "managed agents need a workspace:developer "
                       "token bound to a workspace")
    return token.workspace_id


def _betas(call: Call) -> set[str]:
    raw = call.headers.get("anthropic-beta") if call.headers is not None else None
    return {b.strip() for b in (raw or "").split(",") if b.strip()}


def authenticate(call: Call) -> _Scoped:
    """The key's (or federated token's) workspace, or the vendor's refusal (401/403, then 400
    for the beta)."""
    agents: AgentsState | None = call.agents
    headers = call.headers
    key = headers.get("x-api-key") if headers is not None else None
    auth = (headers.get("authorization") or "") if headers is not None else ""
    if agents is not None and key is None and auth.lower().startswith("bearer "):
        workspace = _token_workspace(call, auth)
        _require_beta(call)
        return _Scoped(call, agents, workspace)
    if agents is None or key is None or key not in agents.keys:
        if agents is not None and key is not None and key == agents.admin_key:
            raise ApiError(403, "permission_error",
                           "Admin API keys cannot access this resource; use an API key of the "
                           "workspace.")
        raise ApiError(401, "authentication_error", "invalid x-api-key")
    _require_beta(call)
    return _Scoped(call, agents, agents.keys[key])


def _require_beta(call: Call) -> None:
    betas = _betas(call)
    if BETA not in betas:
        raise invalid(f"anthropic-beta: this endpoint requires the {BETA} beta header")
    if MEMORY_BETA in betas:
        raise invalid(f"anthropic-beta: {MEMORY_BETA} cannot be combined with {BETA}")


def _scoped(handler: ScopedHandler) -> Callable[[Call], dict[str, Any]]:
    def run(call: Call) -> dict[str, Any]:
        scoped = authenticate(call)
        with scoped.agents.lock:
            return handler(scoped)
    run.__doc__ = handler.__doc__
    return run


# -- paging (family B) ----------------------------------------------------------------------
def page(s: _Scoped, items: Sequence[T], render: Callable[[T], dict[str, Any]],
         maximum: int = 100) -> dict[str, Any]:
    """``data`` + ``next_page`` (+ ``has_more``) over ``items`` (already in list order)."""
    call = s.call
    raw = call.arg("limit")
    try:
        limit = 20 if raw is None else int(raw)
    except ValueError:
        raise invalid(f"limit: not an integer: {raw!r}") from None
    if not 1 <= limit <= maximum:
        raise invalid(f"limit: must be between 1 and {maximum}")
    if call.page_cap:
        limit = min(limit, call.page_cap)
    token = call.arg("page")
    start = 0
    if token:
        match = _PAGE.match(token)
        if match is None or int(match.group(1)) > len(items):
            raise invalid(f"page: invalid page cursor {token!r}")
        start = int(match.group(1))
    chunk = items[start:start + limit]
    more = start + limit < len(items)
    return {"data": [render(x) for x in chunk],
            "next_page": f"page_{start + limit}" if more else None, "has_more": more}


def _bool(value: str | None) -> bool:
    return (value or "").lower() in ("true", "1")


def _when(call: Call, name: str) -> float | None:
    raw = call.arg(name)
    if raw is None or raw == "":
        return None
    try:
        return (parse_instant(raw) - call.state.as_of).total_seconds()
    except ValueError:
        raise invalid(f"{name}: not an RFC 3339 timestamp: {raw!r}") from None


def _visible(s: _Scoped, archived_at: float | None) -> bool:
    return archived_at is None or _bool(s.call.arg("include_archived"))


# -- renderers --------------------------------------------------------------------------------
def agent_json(s: _Scoped, a: SimAgent) -> dict[str, Any]:
    """A ``BetaManagedAgentsAgent``."""
    return {"id": a.id, "type": "agent", "name": a.name, "description": None, "system": None,
            **a.body, "version": a.version, "metadata": dict(a.metadata),
            "created_at": s.at(a.created_at), "updated_at": s.at(a.updated_at),
            "archived_at": s.at(a.archived_at)}


def environment_json(s: _Scoped, e: SimEnvironment) -> dict[str, Any]:
    """A ``BetaEnvironment``."""
    return {"id": e.id, "type": "environment", "name": e.name, "description": e.description,
            "scope": e.scope, "config": e.config, "metadata": dict(e.metadata),
            "created_at": s.at(e.created_at), "updated_at": s.at(e.updated_at),
            "archived_at": s.at(e.archived_at)}


def _last_scheduled_run(s: _Scoped, d: SimDeployment) -> float | None:
    times = [r.created_at for r in s.agents.runs.values()
             if r.deployment_id == d.id and r.trigger == "schedule"]
    return max(times) if times else None


def deployment_json(s: _Scoped, d: SimDeployment) -> dict[str, Any]:
    """A ``BetaManagedAgentsDeployment`` (``upcoming_runs_at`` empty once archived)."""
    schedule = None
    if d.schedule is not None:
        expression = str(d.schedule.get("expression", ""))
        timezone = str(d.schedule.get("timezone", "UTC"))
        runs: list[str] = []
        if d.archived_at is None:
            try:
                runs = [_iso(t) for t in upcoming(expression, timezone,
                                                  s.call.state.now())]
            except CronError:
                runs = []
        schedule = {"type": "cron", "expression": expression, "timezone": timezone,
                    "last_run_at": s.at(_last_scheduled_run(s, d)), "upcoming_runs_at": runs}
    return {"id": d.id, "type": "deployment", "name": d.name, "description": d.description,
            "agent": {"type": "agent", "id": d.agent_id, "version": d.agent_version},
            "environment_id": d.environment_id, "vault_ids": list(d.vault_ids),
            "resources": [], "initial_events": list(d.initial_events), "schedule": schedule,
            "status": d.status,
            "paused_reason": d.paused_reason if d.status == "paused" else None,
            "budget": None, "metadata": dict(d.metadata), "created_at": s.at(d.created_at),
            "updated_at": s.at(d.updated_at), "archived_at": s.at(d.archived_at)}


def run_json(s: _Scoped, r: SimRun) -> dict[str, Any]:
    """A ``BetaManagedAgentsDeploymentRun``: exactly one of ``session_id`` and ``error``."""
    trigger: dict[str, Any] = ({"type": "schedule", "scheduled_at": s.at(r.created_at)}
                               if r.trigger == "schedule" else {"type": "manual"})
    out = {"id": r.id, "type": "deployment_run", "deployment_id": r.deployment_id,
           "agent": {"type": "agent", "id": r.agent_id, "version": r.agent_version},
           "created_at": s.at(r.created_at), "trigger_context": trigger}
    if r.error is not None:
        out["error"] = dict(r.error)
    else:
        out["session_id"] = r.session_id
    return out


def vault_json(s: _Scoped, v: SimVault) -> dict[str, Any]:
    """A ``BetaManagedAgentsVault``."""
    return {"id": v.id, "type": "vault", "display_name": v.display_name,
            "metadata": dict(v.metadata), "created_at": s.at(v.created_at),
            "updated_at": s.at(v.updated_at), "archived_at": s.at(v.archived_at)}


def credential_json(s: _Scoped, c: SimCredential) -> dict[str, Any]:
    """A ``BetaManagedAgentsCredential``: response fields only, never a secret."""
    auth = dict(c.auth)
    if auth.get("type") == "mcp_oauth":
        auth["expires_at"] = s.at(c.expires_at)
    return {"id": c.id, "type": "vault_credential", "vault_id": c.vault_id,
            "display_name": c.display_name, "metadata": dict(c.metadata), "auth": auth,
            "created_at": s.at(c.created_at), "updated_at": s.at(c.updated_at),
            "archived_at": s.at(c.archived_at)}


# -- agents ---------------------------------------------------------------------------------
@_scoped
def list_agents(s: _Scoped) -> dict[str, Any]:
    """``GET /v1/agents`` (``include_archived``, ``created_at_gte``/``_lte``)."""
    gte, lte = _when(s.call, "created_at_gte"), _when(s.call, "created_at_lte")
    items = [a for a in s.agents.agents.values()
             if a.workspace_id == s.workspace and _visible(s, a.archived_at)
             and (gte is None or a.created_at >= gte) and (lte is None or a.created_at <= lte)]
    return page(s, items, lambda a: agent_json(s, a))


@_scoped
def get_agent(s: _Scoped) -> dict[str, Any]:
    """``GET /v1/agents/{id}`` (``version``: only the latest is kept)."""
    agent = s.agents.agent(s.workspace, s.call.params["id"])
    version = s.call.arg("version")
    if version is not None and version != str(agent.version):
        raise ApiError(404, "not_found_error", "The requested agent version could not be found.")
    return agent_json(s, agent)


@_scoped
def list_agent_versions(s: _Scoped) -> dict[str, Any]:
    """``GET /v1/agents/{id}/versions`` (full agent objects; the simulator keeps the latest)."""
    agent = s.agents.agent(s.workspace, s.call.params["id"])
    return page(s, [agent], lambda a: agent_json(s, a))


@_scoped
def archive_agent(s: _Scoped) -> dict[str, Any]:
    """``POST /v1/agents/{id}/archive``."""
    return agent_json(s, s.agents.archive_agent(s.workspace, s.call.params["id"]))


# -- environments ---------------------------------------------------------------------------
@_scoped
def list_environments(s: _Scoped) -> dict[str, Any]:
    """``GET /v1/environments`` (``include_archived``)."""
    items = [e for e in s.agents.environments.values()
             if e.workspace_id == s.workspace and _visible(s, e.archived_at)]
    return page(s, items, lambda e: environment_json(s, e))


@_scoped
def get_environment(s: _Scoped) -> dict[str, Any]:
    """``GET /v1/environments/{id}``."""
    return environment_json(s, s.agents.environment(s.workspace, s.call.params["id"]))


@_scoped
def update_environment(s: _Scoped) -> dict[str, Any]:
    """``POST /v1/environments/{id}``."""
    body = s.call.body if isinstance(s.call.body, dict) else {}
    return environment_json(s, s.agents.update_environment(s.workspace, s.call.params["id"],
                                                           body))


@_scoped
def archive_environment(s: _Scoped) -> dict[str, Any]:
    """``POST /v1/environments/{id}/archive``."""
    return environment_json(s, s.agents.archive_environment(s.workspace, s.call.params["id"]))


@_scoped
def delete_environment(s: _Scoped) -> dict[str, Any]:
    """``DELETE /v1/environments/{id}``."""
    s.agents.delete_environment(s.workspace, s.call.params["id"])
    return {"id": s.call.params["id"], "type": "environment_deleted"}


# -- deployments and runs -------------------------------------------------------------------
@_scoped
def list_deployments(s: _Scoped) -> dict[str, Any]:
    """``GET /v1/deployments`` (``agent_id``, ``status``, ``include_archived``, dates)."""
    call = s.call
    status = call.arg("status")
    if status is not None and status not in ("active", "paused"):
        raise invalid("status: expected active or paused")
    if status is not None and _bool(call.arg("include_archived")):
        raise invalid("status cannot be combined with include_archived")
    agent_id = call.arg("agent_id")
    gte, lte = _when(call, "created_at_gte"), _when(call, "created_at_lte")
    items = [d for d in s.agents.deployments.values()
             if d.workspace_id == s.workspace and _visible(s, d.archived_at)
             and (status is None or d.status == status)
             and (agent_id is None or d.agent_id == agent_id)
             and (gte is None or d.created_at >= gte) and (lte is None or d.created_at <= lte)]
    return page(s, items, lambda d: deployment_json(s, d))


@_scoped
def get_deployment(s: _Scoped) -> dict[str, Any]:
    """``GET /v1/deployments/{id}``."""
    return deployment_json(s, s.agents.deployment(s.workspace, s.call.params["id"]))


@_scoped
def update_deployment(s: _Scoped) -> dict[str, Any]:
    """``POST /v1/deployments/{id}`` (``vault_ids`` is a full replacement)."""
    if not isinstance(s.call.body, dict):
        raise invalid("Request body must be a JSON object.")
    return deployment_json(s, s.agents.update_deployment(s.workspace, s.call.params["id"],
                                                         s.call.body))


@_scoped
def pause_deployment(s: _Scoped) -> dict[str, Any]:
    """``POST /v1/deployments/{id}/pause``."""
    return deployment_json(s, s.agents.pause(s.workspace, s.call.params["id"]))


@_scoped
def unpause_deployment(s: _Scoped) -> dict[str, Any]:
    """``POST /v1/deployments/{id}/unpause``."""
    return deployment_json(s, s.agents.unpause(s.workspace, s.call.params["id"]))


@_scoped
def archive_deployment(s: _Scoped) -> dict[str, Any]:
    """``POST /v1/deployments/{id}/archive``."""
    return deployment_json(s, s.agents.archive_deployment(s.workspace, s.call.params["id"]))


@_scoped
def run_deployment(s: _Scoped) -> dict[str, Any]:
    """``POST /v1/deployments/{id}/run``."""
    return run_json(s, s.agents.run_now(s.workspace, s.call.params["id"]))


@_scoped
def list_runs(s: _Scoped) -> dict[str, Any]:
    """``GET /v1/deployment_runs``: newest first; ``deployment_id`` (unknown → empty),
    ``created_at_gt/gte/lt/lte``, ``has_error``, ``trigger_type``; ``limit`` ≤ 1000."""
    call = s.call
    bounds = {op: _when(call, f"created_at_{op}") for op in ("gt", "gte", "lt", "lte")}
    dep = call.arg("deployment_id")
    trigger = call.arg("trigger_type")
    if trigger is not None and trigger not in ("schedule", "manual"):
        raise invalid("trigger_type: expected schedule or manual")
    has_error = call.arg("has_error")

    def keep(r: SimRun) -> bool:
        t = r.created_at
        return (r.workspace_id == s.workspace and (dep is None or r.deployment_id == dep)
                and (trigger is None or r.trigger == trigger)
                and (has_error is None or (r.error is not None) == _bool(has_error))
                and (bounds["gt"] is None or t > bounds["gt"])
                and (bounds["gte"] is None or t >= bounds["gte"])
                and (bounds["lt"] is None or t < bounds["lt"])
                and (bounds["lte"] is None or t <= bounds["lte"]))

    items = sorted((r for r in s.agents.runs.values() if keep(r)),
                   key=lambda r: (-r.created_at, r.id))
    return page(s, items, lambda r: run_json(s, r), maximum=1000)


@_scoped
def get_run(s: _Scoped) -> dict[str, Any]:
    """``GET /v1/deployment_runs/{id}``."""
    return run_json(s, s.agents.run(s.workspace, s.call.params["id"]))


# -- vaults and credentials -----------------------------------------------------------------
@_scoped
def list_vaults(s: _Scoped) -> dict[str, Any]:
    """``GET /v1/vaults`` (``include_archived``)."""
    items = [v for v in s.agents.vaults.values()
             if v.workspace_id == s.workspace and _visible(s, v.archived_at)]
    return page(s, items, lambda v: vault_json(s, v))


@_scoped
def get_vault(s: _Scoped) -> dict[str, Any]:
    """``GET /v1/vaults/{id}``."""
    return vault_json(s, s.agents.vault(s.workspace, s.call.params["id"]))


@_scoped
def archive_vault(s: _Scoped) -> dict[str, Any]:
    """``POST /v1/vaults/{id}/archive``."""
    return vault_json(s, s.agents.archive_vault(s.workspace, s.call.params["id"]))


@_scoped
def delete_vault(s: _Scoped) -> dict[str, Any]:
    """``DELETE /v1/vaults/{id}``."""
    s.agents.delete_vault(s.workspace, s.call.params["id"])
    return {"id": s.call.params["id"], "type": "vault_deleted"}


@_scoped
def list_credentials(s: _Scoped) -> dict[str, Any]:
    """``GET /v1/vaults/{id}/credentials`` (``include_archived``)."""
    vault = s.agents.vault(s.workspace, s.call.params["id"])
    items = [c for c in s.agents.credentials.values()
             if c.vault_id == vault.id and _visible(s, c.archived_at)]
    return page(s, items, lambda c: credential_json(s, c))


@_scoped
def get_credential(s: _Scoped) -> dict[str, Any]:
    """``GET /v1/vaults/{id}/credentials/{credential_id}``."""
    p = s.call.params
    return credential_json(s, s.agents.credential(s.workspace, p["id"], p["credential_id"]))


@_scoped
def archive_credential(s: _Scoped) -> dict[str, Any]:
    """``POST /v1/vaults/{id}/credentials/{credential_id}/archive``."""
    p = s.call.params
    return credential_json(s, s.agents.archive_credential(s.workspace, p["id"],
                                                          p["credential_id"]))


@_scoped
def delete_credential(s: _Scoped) -> dict[str, Any]:
    """``DELETE /v1/vaults/{id}/credentials/{credential_id}``."""
    p = s.call.params
    s.agents.delete_credential(s.workspace, p["id"], p["credential_id"])
    return {"id": p["credential_id"], "type": "vault_credential_deleted"}


@_scoped
def validate_credential(s: _Scoped) -> dict[str, Any]:
    """``POST .../credentials/{credential_id}/mcp_oauth_validate`` (recorded: a sync must
    never call it)."""
    p = s.call.params
    cred = s.agents.credential(s.workspace, p["id"], p["credential_id"])
    s.agents.validations.append(cred.id)
    expired = cred.expires_at is not None and cred.expires_at <= s.call.state.elapsed()
    return {"type": "vault_credential_validation", "credential_id": cred.id,
            "vault_id": cred.vault_id, "status": "invalid" if expired else "valid",
            "has_refresh_token": "refresh" in cred.auth,
            "validated_at": _iso(s.call.state.now())}


def _route(method: str, path: str, handler: Callable[[Call], dict[str, Any]]) -> Route:
    pattern = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", path)
    return Route(method, re.compile(f"^{pattern}$"), handler, SCOPE)


_C = "/v1/vaults/{id}/credentials/{credential_id}"
ROUTES: tuple[Route, ...] = (
    _route("GET", "/v1/agents", list_agents),
    _route("GET", "/v1/agents/{id}", get_agent),
    _route("GET", "/v1/agents/{id}/versions", list_agent_versions),
    _route("POST", "/v1/agents/{id}/archive", archive_agent),
    _route("GET", "/v1/environments", list_environments),
    _route("GET", "/v1/environments/{id}", get_environment),
    _route("POST", "/v1/environments/{id}", update_environment),
    _route("DELETE", "/v1/environments/{id}", delete_environment),
    _route("POST", "/v1/environments/{id}/archive", archive_environment),
    _route("GET", "/v1/deployments", list_deployments),
    _route("GET", "/v1/deployments/{id}", get_deployment),
    _route("POST", "/v1/deployments/{id}", update_deployment),
    _route("POST", "/v1/deployments/{id}/pause", pause_deployment),
    _route("POST", "/v1/deployments/{id}/unpause", unpause_deployment),
    _route("POST", "/v1/deployments/{id}/archive", archive_deployment),
    _route("POST", "/v1/deployments/{id}/run", run_deployment),
    _route("GET", "/v1/deployment_runs", list_runs),
    _route("GET", "/v1/deployment_runs/{id}", get_run),
    _route("GET", "/v1/vaults", list_vaults),
    _route("GET", "/v1/vaults/{id}", get_vault),
    _route("DELETE", "/v1/vaults/{id}", delete_vault),
    _route("POST", "/v1/vaults/{id}/archive", archive_vault),
    _route("GET", "/v1/vaults/{id}/credentials", list_credentials),
    _route("GET", _C, get_credential),
    _route("DELETE", _C, delete_credential),
    _route("POST", f"{_C}/archive", archive_credential),
    _route("POST", f"{_C}/mcp_oauth_validate", validate_credential),
)


def plant_scale(sim: Any, agents: int, seed: int = 0) -> int:
    """Replace ``sim``'s managed-agent plane with the standard population at scale: ``agents``
    agents (each with a deployment, a vault and a credential) spread over the org's active
    workspaces and its default workspace, every workspace with its own key. Returns the number
    of agents served (the NHI benchmark's knob)."""
    from tenure.simulator.agents_population import populate

    state = sim.state
    spaces = [w.id for w in state.workspaces.values() if w.archived_at is None]
    spaces.append(state.scenario.default_workspace_id)
    owners = [u.email for u in state.users.values()][:20]
    doc, _ = populate(spaces, owners, seed=seed, agents=agents)
    plane = AgentsState(doc, state.elapsed, seed=f"agents:{seed}")
    plane.admin_key = sim.agents.admin_key
    sim.agents = plane
    return len(plane.agents)
