"""A tiny Anthropic-shaped fault server for connector tests (NOT the product simulator).

It serves the recorded pages in ``tests/data/anthropic`` (or any state a test builds), pages
them by the contract's rules, and injects faults from a script. It runs over real loopback
HTTP (``LoopbackServer``) or, for fast property tests, behind ``httpx.MockTransport``.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

DATA = Path(__file__).parent.parent / "data" / "anthropic"
ADMIN_KEY = "sk-ant-admin01-TESTCANARY-admin-0123456789abcdef"
COMPLIANCE_KEY = "sk-ant-api01-TESTCANARY-compliance-0123456789abcdef"

Query = dict[str, list[str]]


@dataclass
class Reply:
    """What the server sends back. ``truncate`` cuts the body after N bytes but keeps the
    declared Content-Length (a connection cut mid-body); ``hang`` sleeps first."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None
    truncate: int | None = None
    hang: float = 0.0
    drop: bool = False

    def payload(self) -> bytes:
        """The body bytes."""
        if self.raw is not None:
            return self.raw
        return json.dumps(self.body).encode() if self.body is not None else b""


Handler = Callable[[str, str, Query, dict[str, str], bytes], Reply]


def error(status: int, kind: str, message: str = "", **headers: str) -> Reply:
    """An Anthropic error envelope."""
    return Reply(status, {"type": "error", "error": {"type": kind, "message": message or kind}},
                 headers=dict(headers))


class _RequestHandler(BaseHTTPRequestHandler):
    handler: Handler

    def _serve(self) -> None:
        import time

        parts = urlsplit(self.path)
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        reply = self.handler(self.command, parts.path, parse_qs(parts.query),
                             {k.lower(): v for k, v in self.headers.items()}, body)
        if reply.hang:
            time.sleep(reply.hang)
        if reply.drop:
            self.close_connection = True
            return
        payload = reply.payload()
        self.send_response(reply.status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(payload)))
        self.send_header("request-id", "req_test")
        for key, value in reply.headers.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(payload[: reply.truncate] if reply.truncate is not None else payload)
        if reply.truncate is not None:
            self.close_connection = True

    do_GET = do_POST = do_DELETE = _serve

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def loopback(handler: Handler) -> Iterator[str]:
    """Serve ``handler`` on 127.0.0.1 in a thread; yields the base URL."""
    cls = type("H", (_RequestHandler,), {"handler": staticmethod(handler)})
    server = ThreadingHTTPServer(("127.0.0.1", 0), cls)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02},
                              daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def mock_transport(handler: Handler) -> httpx.MockTransport:
    """The same handler behind an in-process transport (no sockets; for property tests)."""

    def respond(request: httpx.Request) -> httpx.Response:
        reply = handler(request.method, request.url.path, parse_qs(request.url.query.decode()),
                        dict(request.headers), request.content)
        if reply.drop:
            raise httpx.RemoteProtocolError("server dropped the connection", request=request)
        payload = reply.payload()
        if reply.truncate is not None:
            payload = payload[: reply.truncate]
        return httpx.Response(reply.status, content=payload, headers=reply.headers)

    return httpx.MockTransport(respond)


def load(name: str) -> Any:
    """A recorded page."""
    return json.loads((DATA / f"{name}.json").read_text())


def iso(value: datetime) -> str:
    """RFC 3339 with a Z."""
    return value.isoformat().replace("+00:00", "Z")


class FakeAnthropic:
    """State + contract paging + scripted faults. Call it as a ``Handler``."""

    def __init__(self) -> None:
        self.org: dict[str, Any] = load("organization")
        self.users: list[dict[str, Any]] = load("users")["data"]
        self.invites: list[dict[str, Any]] = load("invites")["data"]
        self.workspaces: list[dict[str, Any]] = load("workspaces")["data"]
        self.members: dict[str, list[dict[str, Any]]] = {
            w["id"]: load(f"members_{w['id']}")["data"] for w in self.workspaces}
        self.keys: list[dict[str, Any]] = load("api_keys")["data"]
        self.usage: list[dict[str, Any]] = load("usage_messages")["data"]
        self.claude_code: list[dict[str, Any]] = load("claude_code")["data"]
        self.activities: list[dict[str, Any]] = load("activities")["data"]
        self.denied: set[str] = set()  # path prefixes answering 403
        self.missing: set[str] = set()  # path prefixes answering 404
        self.faults: list[Reply | None] = []  # consumed one per request (None = no fault)
        self.fault_when: Callable[[str, Query], Reply | None] | None = None
        self.page_cap: int | None = None
        self.calls: list[tuple[str, str, Query]] = []
        self.lock = threading.Lock()
        self.compliance_bearer_only = False
        self.legacy_limit = False  # older docs: Admin list limit 1..100, 400 above

    # -- dispatch --------------------------------------------------------------------------

    def __call__(self, method: str, path: str, query: Query, headers: dict[str, str],
                 body: bytes) -> Reply:
        with self.lock:
            self.calls.append((method, path, query))
            if headers.get("anthropic-version") != "2023-06-01":
                return error(400, "invalid_request_error", "anthropic-version header required")
            key = headers.get("x-api-key") or headers.get("authorization", "").removeprefix(
                "Bearer ")
            if path.startswith("/v1/compliance"):
                if self.compliance_bearer_only and "x-api-key" in headers:
                    return error(401, "authentication_error", f"invalid x-api-key {key}")
                if key not in (COMPLIANCE_KEY, ADMIN_KEY):
                    return error(401, "authentication_error", "invalid key")
            elif key != ADMIN_KEY:
                return error(401, "authentication_error", f"invalid x-api-key {key}")
            if self.faults:
                fault = self.faults.pop(0)
                if fault is not None:
                    return fault
            if self.fault_when is not None:
                fault = self.fault_when(path, query)
                if fault is not None:
                    return fault
            if any(path.startswith(p) for p in self.denied):
                return error(403, "permission_error", "this key may not read that")
            if any(path.startswith(p) for p in self.missing):
                return error(404, "not_found_error")
            return self._route(method, path, query, body)

    def _route(self, method: str, path: str, query: Query, body: bytes) -> Reply:
        parts = path.strip("/").split("/")
        org = "/v1/organizations/"
        if path == org + "me":
            return Reply(body=self.org)
        if path == org + "users":
            return self._list(self.users, query, "id")
        if path.startswith(org + "users/"):
            return self._one(method, self.users, parts[3], body, "user_deleted")
        if path == org + "invites":
            return self._list(self.invites, query, "id")
        if path == org + "workspaces":
            spaces = self.workspaces if _flag(query, "include_archived") else [
                w for w in self.workspaces if not w.get("archived_at")]
            return self._list(spaces, query, "id")
        if len(parts) == 5 and parts[4] == "members":
            if parts[3] not in self.members:
                return error(404, "not_found_error")
            return self._list(self.members[parts[3]], query, "user_id")
        if len(parts) == 6 and parts[4] == "members":
            members = self.members.get(parts[3], [])
            return self._one(method, members, parts[5], body, "workspace_member_deleted",
                             key="user_id")
        if path == org + "api_keys":
            return self._list(self.keys, query, "id")
        if path.startswith(org + "api_keys/"):
            return self._one(method, self.keys, parts[3], body, None)
        if path == org + "usage_report/messages":
            return self._usage(query)
        if path == org + "usage_report/claude_code":
            return self._claude_code(query)
        if path == "/v1/compliance/activities":
            return self._activities(query)
        return error(404, "not_found_error")

    # -- endpoints -------------------------------------------------------------------------

    def _limit(self, query: Query, default: int, maximum: int) -> int:
        limit = min(int(query.get("limit", [default])[0]), maximum)
        return min(limit, self.page_cap) if self.page_cap else limit

    def _list(self, items: list[dict[str, Any]], query: Query, key: str) -> Reply:
        if self.legacy_limit and int(query.get("limit", [20])[0]) > 100:
            return error(400, "invalid_request_error", "limit: must be at most 100")
        # A record without its id (a test planting a bad one) sorts first and keeps its place.
        ordered = sorted(items, key=lambda i: str(i.get(key, "")))
        after = query.get("after_id", [None])[0]
        if after is not None:
            ordered = [i for i in ordered if str(i.get(key, "")) > after]
        limit = self._limit(query, 20, 1000)
        page = ordered[:limit]
        return Reply(body={"data": page, "has_more": len(ordered) > limit,
                           "first_id": page[0].get(key) if page else None,
                           "last_id": page[-1].get(key) if page else None})

    def _one(self, method: str, items: list[dict[str, Any]], ident: str, body: bytes,
             deleted: str | None, key: str = "id") -> Reply:
        found = [i for i in items if i.get(key) == ident]
        if not found:
            return error(404, "not_found_error")
        obj = found[0]
        if method == "DELETE" and deleted:
            items.remove(obj)
            return Reply(body={"id": ident, "type": deleted})
        if method == "POST":
            obj.update(json.loads(body or b"{}"))
        return Reply(body=obj)

    def _usage(self, query: Query) -> Reply:
        start = _parse(query["starting_at"][0])
        end = _parse(query["ending_at"][0]) if "ending_at" in query else start + timedelta(7)
        buckets = [b for b in self.usage if start <= _parse(b["starting_at"]) < end]
        offset = int(base64.b64decode(query["page"][0]).decode()) if "page" in query else 0
        limit = self._limit(query, 7, 31)
        page = buckets[offset:offset + limit]
        more = offset + limit < len(buckets)
        token = base64.b64encode(str(offset + limit).encode()).decode() if more else None
        return Reply(body={"data": page, "has_more": more, "next_page": token})

    def _claude_code(self, query: Query) -> Reply:
        day = date.fromisoformat(query["starting_at"][0])
        records = [r for r in self.claude_code if _parse(r["date"]).date() == day]
        offset = int(query.get("page", ["0"])[0])
        limit = self._limit(query, 20, 1000)
        more = offset + limit < len(records)
        return Reply(body={"data": records[offset:offset + limit], "has_more": more,
                           "next_page": str(offset + limit) if more else None})

    def ordered_activities(self, query: Query) -> list[dict[str, Any]]:
        """The feed newest first within the query's created_at bounds."""
        events = sorted(self.activities, key=lambda a: (a["created_at"], a["id"]), reverse=True)
        bounds = {"gte": lambda t, v: t >= v, "gt": lambda t, v: t > v,
                  "lte": lambda t, v: t <= v, "lt": lambda t, v: t < v}
        for op, test in bounds.items():
            if f"created_at.{op}" in query:
                value = _parse(query[f"created_at.{op}"][0])
                events = [e for e in events if test(_parse(e["created_at"]), value)]
        if "activity_types[]" in query:
            events = [e for e in events if e["type"] in query["activity_types[]"]]
        return events

    def _activities(self, query: Query) -> Reply:
        events = self.ordered_activities(query)
        after = query.get("after_id", [None])[0]
        if after is not None:
            ids = [e["id"] for e in events]
            if after not in ids:
                return error(400, "invalid_request_error", f"unknown after_id {after}")
            events = events[ids.index(after) + 1:]
        limit = self._limit(query, 100, 5000)
        page = events[:limit]
        return Reply(body={"data": page, "has_more": len(events) > limit,
                           "first_id": page[0]["id"] if page else None,
                           "last_id": page[-1]["id"] if page else None})

    # -- helpers for tests -----------------------------------------------------------------

    def add_activities(self, count: int, *, start: datetime, step: timedelta,
                       prefix: str = "act") -> list[str]:
        """Append ``count`` synthetic events from ``start`` every ``step``; returns ids."""
        ids = []
        for n in range(count):
            ident = f"activity_{prefix}{len(self.activities):08d}"
            self.activities.append({
                "id": ident, "created_at": iso(start + n * step), "type": "claude_chat_created",
                "actor": {"type": "user_actor", "user_id": "user_02Bob000000000000000000",
                          "email_address": "bob@acme.test"}, "claude_chat_id": f"chat_{n}"})
            ids.append(ident)
        return ids


def _flag(query: Query, name: str) -> bool:
    return query.get(name, ["false"])[0].lower() == "true"


def _parse(text: str) -> datetime:
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)
