"""usage_report/messages (buckets, group_by, next_page) and usage_report/claude_code."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

import httpx

from tenure.simulator import SimulatorServer
from tests.simulator.conftest import AS_OF

MESSAGES = "/v1/organizations/usage_report/messages"


def _pages(client: httpx.Client, path: str, **params: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    query = dict(params)
    while True:
        body = client.get(path, params=query).raise_for_status().json()
        assert set(body) == {"data", "has_more", "next_page"}
        out += body["data"]
        if not body["has_more"]:
            assert body["next_page"] is None
            return out
        assert body["next_page"].startswith("page_")
        query["page"] = body["next_page"]


def _totals(buckets: list[dict[str, Any]]) -> Counter[str]:
    out: Counter[str] = Counter()
    for bucket in buckets:
        for r in bucket["results"]:
            out[r["api_key_id"]] += r["uncached_input_tokens"] + r["output_tokens"]
    return out


def test_daily_buckets_by_key(client: httpx.Client) -> None:
    start = (AS_OF - timedelta(days=20)).strftime("%Y-%m-%dT00:00:00Z")
    days = _pages(client, MESSAGES, starting_at=start, **{"group_by[]": "api_key_id"})
    assert len(days) == 21  # 20 whole days + today up to now, 7 per page by default
    assert days[0]["starting_at"] == start
    item = next(r for d in days for r in d["results"])
    assert {"uncached_input_tokens", "cache_creation", "cache_read_input_tokens",
            "output_tokens", "server_tool_use", "api_key_id", "workspace_id",
            "model"} <= set(item)
    assert item["api_key_id"].startswith("apikey_")
    assert item["model"] is None
    assert _totals(days)


def test_hourly_buckets_sum_to_daily(client: httpx.Client) -> None:
    day = (AS_OF - timedelta(days=3)).strftime("%Y-%m-%dT00:00:00Z")
    end = (AS_OF - timedelta(days=2)).strftime("%Y-%m-%dT00:00:00Z")
    daily = _pages(client, MESSAGES, starting_at=day, ending_at=end,
                   **{"group_by[]": "api_key_id"})
    hourly = _pages(client, MESSAGES, starting_at=day, ending_at=end, bucket_width="1h",
                    limit=5, **{"group_by[]": "api_key_id"})
    assert len(daily) == 1
    assert len(hourly) == 24
    assert _totals(daily) == _totals(hourly)


def test_ungrouped_and_filtered(client: httpx.Client) -> None:
    start = (AS_OF - timedelta(days=5)).strftime("%Y-%m-%dT00:00:00Z")
    grouped = _pages(client, MESSAGES, starting_at=start, **{"group_by[]": "api_key_id"})
    flat = _pages(client, MESSAGES, starting_at=start)
    for g, f in zip(grouped, flat, strict=True):
        assert len(f["results"]) <= 1
        assert sum(r["output_tokens"] for r in g["results"]) == \
            sum(r["output_tokens"] for r in f["results"])
        assert all(r["api_key_id"] is None for r in f["results"])
    key = next(r["api_key_id"] for d in grouped for r in d["results"])
    only = _pages(client, MESSAGES, starting_at=start, **{"group_by[]": "api_key_id",
                                                          "api_key_ids[]": key})
    assert {r["api_key_id"] for d in only for r in d["results"]} == {key}


def test_usage_validation(client: httpx.Client) -> None:
    assert client.get(MESSAGES).json()["error"]["type"] == "invalid_request_error"
    start = "2026-11-01T00:00:00Z"
    assert client.get(MESSAGES, params={"starting_at": start, "limit": 32}).status_code == 400
    assert client.get(MESSAGES, params={"starting_at": start,
                                        "bucket_width": "2d"}).status_code == 400
    assert client.get(MESSAGES, params={"starting_at": start,
                                        "group_by[]": "nope"}).status_code == 400
    assert client.get(MESSAGES, params={"starting_at": start,
                                        "page": "bogus"}).status_code == 400


def test_claude_code(client: httpx.Client, sim: SimulatorServer) -> None:
    path = "/v1/organizations/usage_report/claude_code"
    day = (AS_OF - timedelta(days=2)).date().isoformat()
    records = _pages(client, path, starting_at=day, limit=2)
    assert records
    first = records[0]
    assert first["date"] == f"{day}T00:00:00Z"
    assert first["actor"]["type"] == "user_actor"
    assert "@" in first["actor"]["email_address"]
    assert first["customer_type"] == "api"
    assert {"num_sessions", "lines_of_code", "commits_by_claude_code",
            "pull_requests_by_claude_code"} <= set(first["core_metrics"])
    assert first["model_breakdown"][0]["estimated_cost"]["currency"] == "USD"
    emails = [r["actor"]["email_address"] for r in records if r["actor"]["type"] == "user_actor"]
    assert len(emails) == len(set(emails))
    keys = [r["actor"] for r in records if r["actor"]["type"] == "api_actor"]
    assert keys  # API-key actors are named by key name only
    assert all(set(k) == {"type", "api_key_name"} for k in keys)
    assert client.get(path).status_code == 400
    del sim
