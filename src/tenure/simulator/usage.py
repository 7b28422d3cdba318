"""``usage_report/messages`` and ``usage_report/claude_code``: time-bucketed, ``next_page``.

Usage is stored per key per day; finer buckets place a key's whole day in one hour of it (and
in that hour's first minute), so every bucket width sums to the same daily totals.
"""

from __future__ import annotations

import base64
import binascii
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

from tenure.clock import parse_instant
from tenure.simulator.state import OrgState, invalid

WIDTHS = {"1d": (timedelta(days=1), 7, 31), "1h": (timedelta(hours=1), 24, 168),
          "1m": (timedelta(minutes=1), 60, 1440)}
GROUPS = ("api_key_id", "workspace_id", "model", "service_tier", "context_window",
          "inference_geo", "account_id", "service_account_id", "speed")
TERMINALS = ("vscode", "iTerm.app", "cursor", "Apple_Terminal", "jetbrains")


def _token(text: str) -> str:
    return "page_" + base64.b64encode(text.encode()).decode()


def _untoken(token: str) -> str:
    if not token.startswith("page_"):
        raise invalid("page: invalid page token")
    try:
        return base64.b64decode(token[5:], validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise invalid("page: invalid page token") from None


def _instant(value: str | None, name: str) -> datetime:
    if not value:
        raise invalid(f"{name}: Field required")
    try:
        return parse_instant(value)
    except ValueError:
        raise invalid(f"{name}: invalid RFC 3339 datetime {value!r}") from None


def _snap(when: datetime, width: str) -> datetime:
    if width == "1d":
        return when.replace(hour=0, minute=0, second=0, microsecond=0)
    if width == "1h":
        return when.replace(minute=0, second=0, microsecond=0)
    return when.replace(second=0, microsecond=0)


def _last(q: dict[str, list[str]], name: str) -> str | None:
    values = q.get(name)
    return values[-1] if values else None


def _limit(raw: str | None, default: int, maximum: int) -> int:
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise invalid(f"limit: not an integer: {raw!r}") from None
    if not 1 <= value <= maximum:
        raise invalid(f"limit: must be between 1 and {maximum}")
    return value


def messages_report(state: OrgState, q: dict[str, list[str]],
                    page_cap: int) -> dict[str, Any]:
    """The body of ``GET /v1/organizations/usage_report/messages``."""
    width = _last(q, "bucket_width") or "1d"
    if width not in WIDTHS:
        raise invalid("bucket_width: expected one of 1d, 1h, 1m")
    step, default, maximum = WIDTHS[width]
    limit = _limit(_last(q, "limit"), default, maximum)
    if page_cap:
        limit = min(limit, page_cap)
    groups = q.get("group_by[]", []) + q.get("group_by", [])
    for g in groups:
        if g not in GROUPS:
            raise invalid(f"group_by: unknown value {g!r}")
    start = _snap(_instant(_last(q, "starting_at"), "starting_at"), width)
    end = (_instant(q["ending_at"][-1], "ending_at") if q.get("ending_at")
           else state.now())
    if q.get("page"):
        start = _instant(_untoken(q["page"][-1]), "page")
    buckets: list[tuple[datetime, datetime]] = []
    cursor = start
    while cursor < end and len(buckets) < limit:
        buckets.append((cursor, cursor + step))
        cursor += step
    has_more = cursor < end
    data = [{"starting_at": _iso(b0), "ending_at": _iso(b1), "results": []}
            for b0, b1 in buckets]
    if buckets:
        _fill(state, q, groups, width, buckets, data)
    return {"data": data, "has_more": has_more,
            "next_page": _token(_iso(cursor)) if has_more else None}


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _fill(state: OrgState, q: dict[str, list[str]], groups: list[str], width: str,
          buckets: list[tuple[datetime, datetime]], data: list[dict[str, Any]]) -> None:
    today = state.as_of.date()
    first = (buckets[0][0].date() - today).days
    last = (buckets[-1][1].date() - today).days
    keys = list(state.scenario.api_keys)
    models = state.scenario.models
    want_keys = set(q.get("api_key_ids[]", [])) or None
    want_ws = set(q.get("workspace_ids[]", [])) or None
    want_models = set(q.get("models[]", [])) or None
    sums: dict[tuple[int, tuple[Any, ...]], list[int]] = defaultdict(lambda: [0] * 6)
    for row in state.scenario.events.usage_rows(first, last):
        day, key_ref, model_ref, *counts = row
        key = keys[key_ref]
        model = models[model_ref]
        if (want_keys and key.id not in want_keys) or (want_models and model not in want_models) \
                or (want_ws and key.workspace_id not in want_ws):
            continue
        when = datetime.combine(today + timedelta(days=day), datetime.min.time(), UTC)
        if width != "1d":
            when += timedelta(hours=9 + key_ref % 8)
        index = _bucket_index(buckets, when)
        if index is None:
            continue
        values = {"api_key_id": key.id, "workspace_id": key.workspace_id, "model": model,
                  "service_tier": "standard", "context_window": "0-200k",
                  "inference_geo": "global", "account_id": None, "service_account_id": None,
                  "speed": None}
        group_key = tuple(values[g] if g in groups else None for g in GROUPS)
        acc = sums[(index, group_key)]
        for i, value in enumerate(counts):
            acc[i] += value
    for (index, group_key), (unc, c5, c1, cread, out, web) in sorted(
            sums.items(), key=lambda kv: (kv[0][0], [str(v) for v in kv[0][1]])):
        item: dict[str, Any] = {
            "uncached_input_tokens": unc,
            "cache_creation": {"ephemeral_1h_input_tokens": c1, "ephemeral_5m_input_tokens": c5},
            "cache_read_input_tokens": cread, "output_tokens": out,
            "server_tool_use": {"web_search_requests": web},
        }
        item.update({g: v for g, v in zip(GROUPS, group_key, strict=True) if g != "speed"})
        data[index]["results"].append(item)


def _bucket_index(buckets: list[tuple[datetime, datetime]], when: datetime) -> int | None:
    step = buckets[0][1] - buckets[0][0]
    index = int((when - buckets[0][0]) / step)
    if 0 <= index < len(buckets) and buckets[index][0] <= when < buckets[index][1]:
        return index
    return None


def claude_code_report(state: OrgState, q: dict[str, list[str]],
                       page_cap: int) -> dict[str, Any]:
    """The body of ``GET /v1/organizations/usage_report/claude_code`` (one UTC day)."""
    raw = _last(q, "starting_at")
    if not raw:
        raise invalid("starting_at: Field required")
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise invalid(f"starting_at: expected YYYY-MM-DD, got {raw!r}") from None
    limit = _limit(_last(q, "limit"), 20, 1000)
    if page_cap:
        limit = min(limit, page_cap)
    offset = 0
    if q.get("page"):
        text = _untoken(q["page"][-1])
        if not text.isdigit():
            raise invalid("page: invalid page token")
        offset = int(text)
    rel = (day - state.as_of.date()).days
    rows = state.scenario.events.claude_code_rows(rel, offset, limit + 1)
    has_more = len(rows) > limit
    org = state.scenario.org
    directory = state.scenario.directory
    customer = "subscription" if state.scenario.kind == "enterprise" else "api"
    data = []
    for (_, actor, terminal, sessions, added, removed, commits, prs, acc, rej, model,
         tin, tout, tcr, tcc, cost) in rows[:limit]:
        entry = directory[actor]
        data.append({
            "date": f"{day.isoformat()}T00:00:00Z",
            # Claude Code names API-key actors by key name, users by email (§2.3).
            "actor": ({"type": "api_actor", "api_key_name": entry["api_key_name"]}
                      if entry["type"] == "api_actor"
                      else {"type": "user_actor", "email_address": entry["email_address"]}),
            "organization_id": org.get("id"), "customer_type": customer,
            "terminal_type": TERMINALS[terminal % len(TERMINALS)],
            "core_metrics": {"num_sessions": sessions,
                             "lines_of_code": {"added": added, "removed": removed},
                             "commits_by_claude_code": commits,
                             "pull_requests_by_claude_code": prs},
            "tool_actions": {name: {"accepted": acc if name == "edit_tool" else acc // 4,
                                    "rejected": rej if name == "edit_tool" else rej // 4}
                             for name in ("edit_tool", "multi_edit_tool", "write_tool",
                                          "notebook_edit_tool")},
            "model_breakdown": [{
                "model": state.scenario.models[model] if state.scenario.models else "claude",
                "tokens": {"input": tin, "output": tout, "cache_read": tcr,
                           "cache_creation": tcc},
                "estimated_cost": {"currency": "USD", "amount": cost}}],
        })
    return {"data": data, "has_more": has_more,
            "next_page": _token(str(offset + limit)) if has_more else None}
