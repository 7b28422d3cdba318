"""Managed agents and their environments (vendor-apis-nhi.md §4.1-4.2) as typed records.

Pure. The agent's ``tools`` become the *effective* per-tool list: each tool's ``configs[]``
entry, else its toolset's ``default_config``, else the vendor default (agent toolset: enabled
and ``always_allow``; MCP toolset: ``always_ask``, per the permission-policies page). Every
documented shape is read: the SDK's tools union (``agent_toolset_20260401``, ``mcp_toolset``,
``custom``), CART's flattened ``{name, permission_policy: "always_allow"}`` tools, a ``model``
as a string or an object, ``effort`` as a string or an object. Unknown shapes are kept and
named in the notes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from tenure.connectors.anthropic.agent_shapes import (
    JSON,
    Notes,
    egress,
    mapping,
    metadata,
    require_id,
    text,
    when,
)
from tenure.model import Agent, AgentEnvironment, AgentTool, EgressKind, ToolPermission, ToolsetKind

AGENT_TOOLS = ("bash", "edit", "read", "write", "glob", "grep", "web_fetch", "web_search")
"""The tools of ``agent_toolset_20260401`` (all present unless disabled)."""
READ_ONLY_AGENT_TOOLS = frozenset({"read", "glob", "grep", "web_fetch", "web_search"})
"""Sandbox tools that only read; every other sandbox tool (bash, edit, write, any new one)
is taken to change things."""
READ_ONLY_VERBS = frozenset({
    "get", "list", "read", "search", "fetch", "query", "describe", "find", "view", "show",
    "lookup", "count", "browse", "retrieve", "inspect", "stat", "head", "whoami", "ping",
})
"""First words of MCP tool names that read only (``get_issue``, ``listRepos``). An MCP tool
whose name does not start with one — or a tool of the server not named in ``configs[]`` —
is treated as one that changes things: MCP servers do not declare which tools write."""
ALL_OTHER_TOOLS = "*"
"""The name standing for every tool of an MCP server not named in ``configs[]``."""

_WORD = re.compile(r"[A-Za-z][a-z]*|[0-9]+")


def mcp_tool_changes_things(name: str) -> bool:
    """False only for an MCP tool recognisably read-only by its name."""
    words = _WORD.findall(name)
    return not (words and words[0].lower() in READ_ONLY_VERBS)


def _policy(value: Any, default: str, record_id: str, notes: Notes) -> str:
    """A ``permission_policy`` (``{type}`` object or bare string) as its type word."""
    if value is None:
        return default
    word = value.get("type") if isinstance(value, Mapping) else value
    if isinstance(word, str) and word in ToolPermission.__members__.values():
        return str(ToolPermission(word))
    notes.unknown("permission_policy", record_id, value)
    # Kept as the vendor wrote it: a check comparing with the enum will not mistake it.
    return str(word) if isinstance(word, str) and word else "unknown"


def _enabled(value: Any, default: bool) -> bool:
    return value if isinstance(value, bool) else default


def _configs(tool: JSON) -> dict[str, JSON]:
    configs = tool.get("configs")
    if not isinstance(configs, list):
        return {}
    return {c["name"]: c for c in configs
            if isinstance(c, Mapping) and isinstance(c.get("name"), str)}


def _agent_toolset(tool: JSON, record_id: str, notes: Notes) -> list[AgentTool]:
    default = mapping(tool.get("default_config"))
    base_enabled = _enabled(default.get("enabled"), True)
    base_policy = _policy(default.get("permission_policy"), ToolPermission.ALWAYS_ALLOW,
                          record_id, notes)
    configs = _configs(tool)
    names = list(AGENT_TOOLS) + [n for n in configs if n not in AGENT_TOOLS]
    out = []
    for name in names:
        cfg = configs.get(name, {})
        out.append(AgentTool(
            ToolsetKind.AGENT_TOOLSET, name, _enabled(cfg.get("enabled"), base_enabled),
            _policy(cfg.get("permission_policy"), base_policy, record_id, notes),
            name not in READ_ONLY_AGENT_TOOLS))
    return out


def _mcp_toolset(tool: JSON, record_id: str, notes: Notes) -> list[AgentTool]:
    server = text(tool, "mcp_server_name")
    default = mapping(tool.get("default_config"))
    base_enabled = _enabled(default.get("enabled"), True)
    # An entry-level permission_policy (flattened samples) is read as the toolset default.
    base_policy = _policy(default.get("permission_policy", tool.get("permission_policy")),
                          ToolPermission.ALWAYS_ASK, record_id, notes)
    out = [AgentTool(ToolsetKind.MCP_TOOLSET, ALL_OTHER_TOOLS, base_enabled, base_policy, True,
                     server)]
    for name, cfg in _configs(tool).items():
        out.append(AgentTool(
            ToolsetKind.MCP_TOOLSET, name, _enabled(cfg.get("enabled"), base_enabled),
            _policy(cfg.get("permission_policy"), base_policy, record_id, notes),
            mcp_tool_changes_things(name), server))
    return out


def effective_tools(tools: Any, record_id: str, notes: Notes) -> tuple[AgentTool, ...]:
    """The effective per-tool list of an agent's ``tools[]``."""
    if not isinstance(tools, list):
        if tools is not None:
            notes.unknown("tools", record_id, tools)
        return ()
    out: list[AgentTool] = []
    for tool in tools:
        kind = tool.get("type") if isinstance(tool, Mapping) else None
        if not isinstance(tool, Mapping):
            notes.unknown("tool", record_id, tool)
            continue
        if isinstance(kind, str) and kind.startswith("agent_toolset_"):
            out += _agent_toolset(tool, record_id, notes)
        elif kind == "mcp_toolset":
            out += _mcp_toolset(tool, record_id, notes)
        elif kind == "custom":
            out.append(AgentTool(ToolsetKind.CUSTOM, text(tool, "name") or "", True, None,
                                 True))
        elif kind is None and isinstance(tool.get("name"), str) and tool["name"] in AGENT_TOOLS:
            # CART's flattened sample: one sandbox tool with its policy as a bare string.
            name = tool["name"]
            out.append(AgentTool(
                ToolsetKind.AGENT_TOOLSET, name, _enabled(tool.get("enabled"), True),
                _policy(tool.get("permission_policy"), ToolPermission.ALWAYS_ALLOW, record_id,
                        notes), name not in READ_ONLY_AGENT_TOOLS))
        else:
            notes.unknown("tool type", record_id, kind if kind is not None else dict(tool))
            out.append(AgentTool(ToolsetKind.UNKNOWN, str(kind or tool.get("name") or ""),
                                 None, None, None))
    return tuple(out)


def _model(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        return text(value, "id")
    return None


def _servers(value: Any) -> tuple[dict[str, Any], ...]:
    if not isinstance(value, list):
        return ()
    return tuple({k: s.get(k) for k in ("name", "type", "url") if k in s}
                 for s in value if isinstance(s, Mapping))


def _skills(value: Any) -> tuple[dict[str, Any], ...]:
    if not isinstance(value, list):
        return ()
    return tuple({k: s.get(k) for k in ("type", "skill_id", "version") if k in s}
                 for s in value if isinstance(s, Mapping))


def agent(obj: JSON, workspace_id: str, notes: Notes) -> Agent:
    """A ``BetaManagedAgentsAgent`` of ``workspace_id``."""
    ident = require_id(obj, "agent")
    version = obj.get("version")
    return Agent(
        external_id=ident, workspace_id=workspace_id, name=text(obj, "name") or "",
        description=text(obj, "description"),
        version=version if isinstance(version, int) and not isinstance(version, bool) else None,
        model=_model(obj.get("model")), tools=effective_tools(obj.get("tools"), ident, notes),
        mcp_servers=_servers(obj.get("mcp_servers")), skills=_skills(obj.get("skills")),
        metadata=metadata(obj), created_at=when(obj, "created_at"),
        updated_at=when(obj, "updated_at"), archived_at=when(obj, "archived_at"))


def environment(obj: JSON, workspace_id: str, notes: Notes) -> AgentEnvironment:
    """A ``BetaEnvironment`` of ``workspace_id`` with its egress."""
    ident = require_id(obj, "environment")
    config = obj.get("config")
    config_type = text(config, "type") if isinstance(config, Mapping) else None
    hosts: tuple[str, ...] = ()
    mcp = pkg = None
    if config_type == "self_hosted":
        kind = EgressKind.SELF_HOSTED
    elif config_type == "cloud" and isinstance(config, Mapping):
        kind, hosts, mcp, pkg = egress(config.get("networking"), ident, notes)
    else:
        notes.unknown("environment config", ident, config)
        kind = EgressKind.UNKNOWN
    return AgentEnvironment(
        external_id=ident, workspace_id=workspace_id, name=text(obj, "name") or "",
        description=text(obj, "description"), scope=text(obj, "scope"),
        config_type=config_type, networking=kind, allowed_hosts=hosts, allow_mcp_servers=mcp,
        allow_package_managers=pkg, metadata=metadata(obj),
        created_at=when(obj, "created_at"), updated_at=when(obj, "updated_at"),
        archived_at=when(obj, "archived_at"))
