"""Scenarios: the platform state a simulator serves, loaded from a directory or a JSON file.

``scenario.json`` (written by the generator, or by hand) holds the organization, its users,
invites, workspaces, workspace members and API keys. Every time is either a number — seconds
relative to ``anchor`` (negative = before) — or an absolute RFC 3339 string; both move with
``--as-of`` (the served "now" replaces the anchor). Activities, usage and Claude Code days live in
``events.sqlite`` next to it, or inline (``activities``, ``usage`` lists) in a hand-written file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from tenure.clock import parse_instant
from tenure.simulator.eventdb import EventReader, EventWriter

FORMAT = "tenure-simulator/1"
CONSOLE_ROLES = ("user", "developer", "billing", "admin", "claude_code_user")
ENTERPRISE_ROLES = ("user", "owner", "primary_owner", "membership_admin", "managed")
FEATURES = ("workspaces", "api_keys", "usage_report", "claude_code", "compliance")
# What the real API is taken to answer when an org lacks a feature [I]: a Compliance API that
# was never enabled refuses the key; resources an org kind does not have are not found.
DEFAULT_DISABLED_STATUS = {"workspaces": 404, "api_keys": 404, "usage_report": 404,
                           "claude_code": 404, "compliance": 403}


class ScenarioError(ValueError):
    """A scenario file or directory that cannot be served."""


@dataclass(slots=True)
class User:
    """An organization member."""

    id: str
    email: str
    name: str
    role: str
    added_at: float


@dataclass(slots=True)
class Invite:
    """An organization invite."""

    id: str
    email: str
    role: str
    invited_at: float
    expires_at: float
    status: str
    accepted_at: float | None = None


@dataclass(slots=True)
class Workspace:
    """A workspace; ``archived_at`` is None while active."""

    id: str
    name: str
    created_at: float
    archived_at: float | None = None
    display_color: str = "#6C5BB9"


@dataclass(slots=True)
class Member:
    """An explicit workspace membership (implicit admin/billing ones are derived)."""

    user_id: str
    workspace_id: str
    workspace_role: str


@dataclass(slots=True)
class ApiKey:
    """A standard API key; ``workspace_id`` None means the Default Workspace."""

    id: str
    name: str
    workspace_id: str | None
    created_at: float
    created_by: str | None
    partial_key_hint: str
    status: str
    expires_at: float | None = None
    service_account_id: str | None = None
    """The owning service account (``principal: service_account_actor``), if any."""


@dataclass(slots=True)
class Scenario:
    """Everything a simulator serves; times are offsets in seconds from ``anchor``."""

    anchor: datetime
    org: dict[str, Any]
    features: dict[str, bool]
    disabled_status: dict[str, int]
    directory: list[dict[str, Any]]
    users: list[User]
    invites: list[Invite]
    workspaces: list[Workspace]
    default_workspace_id: str
    members: list[Member]
    api_keys: list[ApiKey]
    models: list[str]
    events: EventReader
    admin_protection: bool = False
    path: Path | None = None
    planted: list[dict[str, Any]] = field(default_factory=list)
    openai: dict[str, Any] | None = None
    """The OpenAI organization served next to this one (``openai.json``), if any."""
    nhi_sa: dict[str, Any] = field(default_factory=dict)
    """Service accounts and workload identity federation (``anthropic_nhi_sa``)."""
    managed_agents: dict[str, Any] | None = None
    """The managed-agent plane (``managed_agents.json``, or inline), if any
    (``agents_state``)."""

    @property
    def kind(self) -> str:
        """``console`` or ``enterprise``."""
        return str(self.org.get("kind", "console"))

    def roles(self) -> tuple[str, ...]:
        """The org roles of this kind of organization."""
        return ENTERPRISE_ROLES if self.kind == "enterprise" else CONSOLE_ROLES


def _offset(value: Any, anchor: datetime) -> float:
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        return (parse_instant(value) - anchor).total_seconds()
    raise ScenarioError(f"not a time: {value!r}")


def _opt_offset(value: Any, anchor: datetime) -> float | None:
    return None if value is None else _offset(value, anchor)


def load(path: Path) -> Scenario:
    """Load a scenario directory (``scenario.json`` + ``events.sqlite``) or a JSON file."""
    file = path / "scenario.json" if path.is_dir() else path
    try:
        doc = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ScenarioError(f"{file}: {exc}") from None
    if doc.get("format", FORMAT) != FORMAT:
        raise ScenarioError(f"{file}: unsupported format {doc.get('format')!r}")
    directory: list[dict[str, Any]] = list(doc.get("directory", []))
    events_file = file.parent / str(doc.get("events", "events.sqlite"))
    if "activities" in doc or "usage" in doc or not events_file.exists():
        anchor = parse_instant(doc["anchor"])
        events = _inline_events(doc, anchor, directory)
    else:
        events = EventReader.open(events_file)
    scenario = from_document(doc, directory, events)
    scenario.path = file.parent if path.is_dir() else None
    openai = file.parent / "openai.json"
    if path.is_dir() and openai.exists():
        scenario.openai = json.loads(openai.read_text(encoding="utf-8"))
    agents_doc = file.parent / "managed_agents.json"
    if path.is_dir() and agents_doc.exists():
        scenario.managed_agents = json.loads(agents_doc.read_text(encoding="utf-8"))
    elif isinstance(doc.get("managed_agents"), dict):
        scenario.managed_agents = doc["managed_agents"]
    planted = file.parent / "planted.json"
    if path.is_dir() and planted.exists():
        scenario.planted = json.loads(planted.read_text(encoding="utf-8"))
    return scenario


def from_document(doc: dict[str, Any], directory: list[dict[str, Any]],
                  events: EventReader) -> Scenario:
    """Build a Scenario from a parsed ``scenario.json`` document."""
    try:
        anchor = parse_instant(doc["anchor"])
        org = dict(doc["org"])
        features = {f: bool(doc.get("features", {}).get(f, True)) for f in FEATURES}
        disabled = {**DEFAULT_DISABLED_STATUS, **doc.get("disabled_status", {})}
        users = [User(u["id"], u["email"], u.get("name", ""), u["role"],
                      _offset(u["added_at"], anchor)) for u in doc.get("users", [])]
        invites = [Invite(i["id"], i["email"], i["role"], _offset(i["invited_at"], anchor),
                          _offset(i["expires_at"], anchor), i["status"],
                          _opt_offset(i.get("accepted_at"), anchor))
                   for i in doc.get("invites", [])]
        workspaces = [Workspace(w["id"], w["name"], _offset(w["created_at"], anchor),
                                _opt_offset(w.get("archived_at"), anchor),
                                w.get("display_color", "#6C5BB9"))
                      for w in doc.get("workspaces", [])]
        members = [Member(m["user_id"], m["workspace_id"], m["workspace_role"])
                   for m in doc.get("members", [])]
        keys = [ApiKey(k["id"], k["name"], k.get("workspace_id"), _offset(k["created_at"], anchor),
                       k.get("created_by"), k.get("partial_key_hint", "sk-ant-api03-...AAAA"),
                       k.get("status", "active"), _opt_offset(k.get("expires_at"), anchor),
                       k.get("service_account_id"))
                for k in doc.get("api_keys", [])]
    except (KeyError, TypeError, ValueError) as exc:
        raise ScenarioError(f"invalid scenario: {type(exc).__name__}: {exc}") from None
    return Scenario(
        anchor=anchor, org=org, features=features, disabled_status=disabled,
        directory=directory, users=users, invites=invites, workspaces=workspaces,
        default_workspace_id=str(doc.get("default_workspace_id", "wrkspc_01Default")),
        members=members, api_keys=keys, models=list(doc.get("models", [])),
        events=events, admin_protection=bool(doc.get("admin_protection", False)),
        nhi_sa=dict(doc.get("nhi_sa") or {}))


def _actor_ref(actor: dict[str, Any], directory: list[dict[str, Any]],
               index: dict[str, int]) -> int:
    key = json.dumps(actor, sort_keys=True)
    if key not in index:
        index[key] = len(directory)
        directory.append(actor)
    return index[key]


def _inline_events(doc: dict[str, Any], anchor: datetime,
                   directory: list[dict[str, Any]]) -> EventReader:
    """Events of a hand-written scenario, loaded into an in-memory store."""
    writer = EventWriter(":memory:")
    index = {json.dumps(a, sort_keys=True): i for i, a in enumerate(directory)}
    rows = sorted(doc.get("activities", []), key=lambda a: _offset(a["created_at"], anchor))
    for act in rows:
        extra = {k: v for k, v in act.items() if k not in ("created_at", "type", "actor")}
        ref = _actor_ref(dict(act["actor"]), directory, index)
        writer.event(int(_offset(act["created_at"], anchor)), str(act["type"]), ref,
                     json.dumps(extra) if extra else None)
    key_index = {k["id"]: i for i, k in enumerate(doc.get("api_keys", []))}
    models = doc.setdefault("models", [])
    for u in sorted(doc.get("usage", []), key=lambda u: int(u["day"])):
        if u["model"] not in models:
            models.append(u["model"])
        cache = u.get("cache_creation", {})
        writer.usage((int(u["day"]), key_index[u["api_key_id"]], models.index(u["model"]),
                      int(u.get("uncached_input_tokens", 0)),
                      int(cache.get("ephemeral_5m_input_tokens", 0)),
                      int(cache.get("ephemeral_1h_input_tokens", 0)),
                      int(u.get("cache_read_input_tokens", 0)), int(u.get("output_tokens", 0)),
                      int(u.get("server_tool_use", {}).get("web_search_requests", 0))))
    return EventReader(writer.finish())
