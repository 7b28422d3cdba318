"""The HTTP front: routing, auth, ``anthropic-version``, error envelope, faults, request log.

Built on the standard library's ``ThreadingHTTPServer`` (no extra dependency); one background
thread serves while tests and ``tenure demo`` talk to it over real loopback HTTP.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import threading
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tenure.simulator import anthropic_nhi_token, anthropic_rbac
from tenure.simulator.agents_state import AgentsState
from tenure.simulator.anthropic_agents import ROUTES as AGENT_ROUTES
from tenure.simulator.anthropic_api import ROUTES, Call, Route, check_feature
from tenure.simulator.anthropic_nhi_sa import DEFAULT_OAUTH_TOKEN, plane
from tenure.simulator.anthropic_nhi_sa_api import ROUTES as NHI_SA_ROUTES
from tenure.simulator.faults import Decision, FaultConfig, FaultKind, FaultPlan
from tenure.simulator.ids import b58
from tenure.simulator.openai_api import ROUTES as OPENAI_ROUTES
from tenure.simulator.openai_rbac import ROUTES as OPENAI_RBAC_ROUTES
from tenure.simulator.openai_state import OpenAIState
from tenure.simulator.scenario import Scenario
from tenure.simulator.state import ApiError, OrgState

DEFAULT_ADMIN_KEY = "sk-ant-admin01-simulator-admin-key-AAAA"
DEFAULT_COMPLIANCE_KEY = "sk-ant-api01-simulator-compliance-key-AAAA"
DEFAULT_OPENAI_ADMIN_KEY = "sk-admin-simulator-openai-admin-key-AAAA"
_CURSOR_PARAMS = (("after_id", "last_id"), ("before_id", "first_id"), ("page", "next_page"),
                  ("after", "last_id"), ("before", "first_id"))
OPENAI_PREFIXES = ("/v1/organization/", "/v1/projects/")  # project roles: no /organization
# Anthropic error types in OpenAI's words (type, code) for the shared fault flags.
_OPENAI_ERRORS = {
    "rate_limit_error": ("requests", "rate_limit_exceeded"),
    "overloaded_error": ("server_error", "overloaded"),
    "api_error": ("server_error", None),
    "authentication_error": ("invalid_request_error", "invalid_api_key"),
    "permission_error": ("invalid_request_error", "insufficient_permissions"),
    "not_found_error": ("invalid_request_error", "not_found"),
    "invalid_request_error": ("invalid_request_error", None),
}


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One request as the server saw it (for tests: what was called, what it answered)."""

    number: int
    method: str
    path: str
    query: str
    status: int


class SimulatorServer:
    """Serves one organization; thread-safe; start with :meth:`start`, end with :meth:`stop`."""

    def __init__(self, scenario: Scenario, *, as_of: datetime | None = None,
                 admin_key: str = DEFAULT_ADMIN_KEY,
                 compliance_key: str | None = DEFAULT_COMPLIANCE_KEY,
                 admin_key_reads_compliance: bool = True, faults: FaultConfig | None = None,
                 host: str = "127.0.0.1", port: int = 0,
                 routes: Sequence[Route] = (ROUTES + NHI_SA_ROUTES + anthropic_rbac.ROUTES
                                            + OPENAI_ROUTES
                                            + OPENAI_RBAC_ROUTES + AGENT_ROUTES),
                 openai_admin_key: str = DEFAULT_OPENAI_ADMIN_KEY) -> None:
        self.scenario = scenario
        # Another platform (OpenAI) mounts its own route table next to Anthropic's.
        self.routes = tuple(routes)
        self.as_of = (as_of or scenario.anchor).replace(microsecond=0)
        self.state = OrgState(scenario, self.as_of)
        self.admin_key = admin_key
        self.compliance_key = compliance_key
        self.admin_key_reads_compliance = admin_key_reads_compliance
        self.admin_key_id = "apikey_01" + b58(
            int.from_bytes(hashlib.sha256(admin_key.encode()).digest()[:16], "big"), 22)
        self.faults = FaultPlan(faults or FaultConfig())
        self.openai_admin_key = openai_admin_key
        self.analytics_key = anthropic_rbac.DEFAULT_ANALYTICS_KEY
        self.openai_admin_key_id = "key_" + b58(
            int.from_bytes(hashlib.sha256(openai_admin_key.encode()).digest()[:12], "big"), 16)
        self.openai = (OpenAIState(scenario.openai, self.as_of, self.openai_admin_key_id)
                       if scenario.openai is not None else None)
        self.agents = AgentsState(scenario.managed_agents, self.state.elapsed)
        self.agents.admin_key = admin_key
        self.requests: deque[RequestRecord] = deque(maxlen=100_000)
        self._host, self._port = host, port
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.cleanup: list[Any] = []

    # -- lifecycle -------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        """``http://host:port`` of the running server."""
        if self._httpd is None:
            raise RuntimeError("simulator not started")
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def planted(self) -> list[dict[str, Any]]:
        """The planted governance problems of the scenario."""
        return self.scenario.planted

    def start(self) -> SimulatorServer:
        """Bind and serve in a daemon thread."""
        server = self

        class Handler(_Handler):
            sim = server

        self._httpd = ThreadingHTTPServer((self._host, self._port), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever,
                                        name="tenure-simulator", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Block until :meth:`stop` is called from another thread or the thread ends."""
        if self._thread is None:
            self.start()
        assert self._thread is not None
        while self._thread.is_alive():
            self._thread.join(0.5)

    def stop(self) -> None:
        """Stop serving and remove any temporary scenario directory."""
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        for item in self.cleanup:
            item.cleanup()
        self.cleanup.clear()

    def __enter__(self) -> SimulatorServer:
        return self if self._httpd is not None else self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def set_faults(self, config: FaultConfig, reset_count: bool = True) -> None:
        """Replace the fault flags (and, by default, restart request numbering)."""
        self.faults.config = config
        if reset_count:
            self.faults.count = 0

    @property
    def oauth_token(self) -> str:
        """A user OAuth token with ``org:admin`` for the service-account and federation
        endpoints (``Authorization: Bearer`` + ``anthropic-beta: oauth-2025-04-20``): the
        scenario's first, else the default one."""
        for token in plane(self.state).tokens.values():
            if token.principal.get("type") == "user_actor" and "org:admin" in token.scope:
                return token.token
        return DEFAULT_OAUTH_TOKEN

    def mutations(self) -> list[RequestRecord]:
        """Every POST/DELETE received so far (a dry run must leave this empty)."""
        return [r for r in self.requests if r.method in ("POST", "DELETE", "PUT", "PATCH")]

    # -- request handling ------------------------------------------------------------------
    def handle(self, req: _Handler, method: str) -> None:
        """Answer one HTTP request."""
        url = urlsplit(req.path)
        query = parse_qs(url.query, keep_blank_values=True)
        query.pop("beta", None)
        decision = self.faults.decide(url.path)
        if decision.delay:
            time.sleep(decision.delay)
        status, body, headers = self._answer(req, method, url.path, query, decision)
        self.requests.append(RequestRecord(decision.number, method, url.path, url.query,
                                           status))
        payload = json.dumps(body).encode()
        if decision.kind is FaultKind.TRUNCATE and status == 200:
            payload = payload[: max(1, len(payload) // 2)]
        req.send_response(status)
        for name, value in headers.items():
            req.send_header(name, value)
        req.send_header("content-type", "application/json")
        req.send_header("content-length", str(len(payload)))
        req.end_headers()
        if method != "HEAD":
            req.wfile.write(payload)

    def _answer(self, req: _Handler, method: str, path: str, query: dict[str, list[str]],
                decision: Decision) -> tuple[int, dict[str, Any], dict[str, str]]:
        request_id = f"req_01{b58(decision.number * 7919 + 104729, 22)}"
        headers = {"request-id": request_id}
        try:
            self._fault(decision, headers)
            route, params = self._route(method, path)
            actor = self._authorize(req, route) or self._actor(req)
            if route.versioned and not req.headers.get("anthropic-version"):
                raise ApiError(400, "invalid_request_error",
                               "anthropic-version: header is required")
            check_feature(self.state, route)
            call = Call(self.state, method, query, params, self._body(req), actor,
                        self.faults.config.page_cap, openai=self.openai, agents=self.agents,
                        headers=req.headers)
            body = route.handler(call)
            self._pathology(query, body)
            return 200, body, headers
        except Exception as exc:  # a simulator bug must still answer in the envelope
            error = exc if isinstance(exc, ApiError) else ApiError(
                500, "api_error", f"simulator error: {type(exc).__name__}: {exc}")
            if path.startswith(OPENAI_PREFIXES):
                return self._openai_error(error, headers)
            if isinstance(error, anthropic_nhi_token.GrantError):  # RFC 6749 envelope
                return error.status, {"error": error.type,
                                      "error_description": error.message}, headers
            return error.status, {"type": "error", "error": {"type": error.type,
                                                             "message": error.message},
                                  "request_id": request_id}, headers

    @staticmethod
    def _openai_error(error: ApiError, headers: dict[str, str]
                      ) -> tuple[int, dict[str, Any], dict[str, str]]:
        """OpenAI's envelope: ``{"error": {"message", "type", "param", "code"}}``."""
        if ":" in error.type:  # raised by the OpenAI handlers as "type:code"
            kind, code = error.type.split(":", 1)
            mapped: tuple[str, str | None] = (kind, code)
        else:
            mapped = _OPENAI_ERRORS.get(error.type, (error.type, None))
        status = 503 if error.status == 529 else error.status  # OpenAI has no 529
        return status, {"error": {"message": error.message, "type": mapped[0], "param": None,
                                  "code": mapped[1]}}, headers

    def _fault(self, decision: Decision, headers: dict[str, str]) -> None:
        cfg = self.faults.config
        if decision.kind is FaultKind.RATE_LIMIT:
            if cfg.retry_after_http_date:
                when = datetime.now(UTC) + timedelta(seconds=cfg.retry_after)
                headers["retry-after"] = email.utils.format_datetime(when, usegmt=True)
            else:
                headers["retry-after"] = f"{cfg.retry_after:g}"
            raise ApiError(429, "rate_limit_error", "Number of requests has exceeded your "
                           "rate limit. Please try again later.")
        if decision.kind is FaultKind.OVERLOADED:
            raise ApiError(529, "overloaded_error", "Overloaded")
        if decision.kind is FaultKind.SERVER_ERROR:
            raise ApiError(cfg.server_error_status, "api_error", "Internal server error")

    def _route(self, method: str, path: str) -> tuple[Route, dict[str, str]]:
        allowed = False
        for route in self.routes:
            match = route.pattern.match(path)
            if match:
                if route.method == method:
                    return route, match.groupdict()
                allowed = True
        if allowed:
            raise ApiError(405, "invalid_request_error", f"Method {method} not allowed.")
        raise ApiError(404, "not_found_error", "The requested resource could not be found.")

    def _authorize(self, req: _Handler, route: Route) -> dict[str, Any] | None:
        """Refuse the request, or return the acting principal when the route names it
        (OAuth plane) instead of the Admin key."""
        if route.scope in anthropic_rbac.SCOPES:  # RBAC, Compliance directory, Analytics
            anthropic_rbac.authorize(route.scope, req.headers, self.admin_key,
                                     self.compliance_key, self.analytics_key)
            return None
        key = req.headers.get("x-api-key")
        auth = req.headers.get("authorization") or ""
        if route.scope in ("oauth", "token"):
            headers = {k.lower(): v for k, v in req.headers.items()}
            if route.scope == "token":
                return {"type": "token_endpoint", "headers": headers}
            return anthropic_nhi_token.authenticate(plane(self.state), headers, self.admin_key)
        if route.scope == "openai":
            bearer = auth[7:].strip() if auth.lower().startswith("bearer ") else None
            if bearer is not None and bearer == self.openai_admin_key:
                return None
            raise ApiError(401, "authentication_error",
                           "Incorrect API key provided. You can find your API key at "
                           "https://platform.openai.com/account/api-keys.")
        if route.scope == "workspace":
            return None  # managed agents: the handler checks the workspace key
        if route.scope == "compliance":
            bearer = auth[7:].strip() if auth.lower().startswith("bearer ") else None
            accepted = {self.compliance_key} if self.compliance_key else set()
            if self.admin_key_reads_compliance:
                accepted.add(self.admin_key)
            if key in accepted or bearer in accepted:
                return None
            if key == self.admin_key:
                raise ApiError(403, "permission_error",
                               "This API key does not have the read:compliance_activities "
                               "scope.")
        else:
            if key == self.admin_key:
                return None
            if key is not None and key == self.compliance_key:
                raise ApiError(403, "permission_error",
                               "This API key cannot access the Admin API.")
        raise ApiError(401, "authentication_error", "invalid x-api-key")

    @staticmethod
    def _body(req: _Handler) -> Any:
        length = int(req.headers.get("content-length") or 0)
        if not length:
            return None
        raw = req.rfile.read(length)
        try:
            return json.loads(raw)
        except ValueError:
            raise ApiError(400, "invalid_request_error",
                           "The request body is not valid JSON.") from None

    def _actor(self, req: _Handler) -> dict[str, Any]:
        # Changes made with the Admin key are admin_api_key_actor events (vendor-apis-nhi.md
        # §6.1), named by the key's id.
        return {"type": "admin_api_key_actor", "admin_api_key_id": self.admin_key_id,
                "ip_address": req.client_address[0],
                "user_agent": req.headers.get("user-agent") or ""}

    def _pathology(self, query: dict[str, list[str]], body: dict[str, Any]) -> None:
        cfg = self.faults.config
        if "has_more" not in body:
            return
        if cfg.empty_page_with_more and body["has_more"]:
            body["data"] = []
        if cfg.repeat_cursor:
            for param, field in _CURSOR_PARAMS:
                if query.get(param) and field in body:
                    body[field] = query[param][-1]
                    body["has_more"] = True


class _Handler(BaseHTTPRequestHandler):
    sim: SimulatorServer
    protocol_version = "HTTP/1.1"
    server_version = "tenure-simulator"
    # Headers and body go out in separate writes; with Nagle on, each keep-alive request
    # would wait out the peer's delayed ACK (~40 ms).
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        self.sim.handle(self, "GET")

    def do_POST(self) -> None:
        self.sim.handle(self, "POST")

    def do_DELETE(self) -> None:
        self.sim.handle(self, "DELETE")

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the request log lives in ``SimulatorServer.requests``."""
