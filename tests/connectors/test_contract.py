"""The connector contract suite: one parametrized suite every vendor connector must pass,
run against the simulator over loopback (both platforms from one server).

- complete pagination: tiny pages and a page cap still list exactly the vendor's state;
- records validate: only typed model records, tz-aware times, ids present;
- Gap on 403: an unreadable feed is a Gap, never an empty success;
- resume after a crash: abandoning the stream after any committed batch and resuming from the
  committed cursors loses and duplicates nothing;
- read-only: a sync and a revocation *plan* make no mutating vendor call.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest

from tenure.actions.plan import Target
from tenure.actions.providers import load_builtin_providers
from tenure.clock import Clock
from tenure.config import SourceConfig
from tenure.connectors.anthropic import AnthropicConfig, AnthropicConnector
from tenure.connectors.base import Batch, Connector, StreamComplete, SyncContext, SyncItem
from tenure.connectors.openai import OpenAIConfig, OpenAIConnector
from tenure.model import RECORD_TYPES, Account, Activity, Gap
from tenure.simulator import FaultConfig, SimulatorServer, start_simulator
from tenure.simulator.anthropic_nhi_sa import plane
from tests.agent_keys import agent_workspaces
from tests.gaps import read_gaps

from .simhelpers import history_days

pytestmark = pytest.mark.timeout(120)


@dataclass(frozen=True)
class Platform:
    """How the suite drives one connector against the simulator."""

    name: str
    build: Callable[[SimulatorServer, dict[str, Any]], tuple[SourceConfig, Connector]]
    env: Callable[[SimulatorServer], dict[str, str]]
    accounts: Callable[[SimulatorServer], set[str]]
    events: Callable[[SimulatorServer], set[str]]
    event_prefix: str
    event_stream: str
    without_events: str
    key_target: Callable[[SimulatorServer], tuple[str, dict[str, Any]]]


def _anthropic(sim: SimulatorServer, options: dict[str, Any]
               ) -> tuple[SourceConfig, Connector]:
    config = AnthropicConfig(
        name="claude", type="anthropic", base_url=sim.base_url, api_key_env="SIM_ADMIN_KEY",
        compliance_api_key_env="SIM_COMPLIANCE_KEY", claude_code=False,
        oauth_token_env="SIM_OAUTH_TOKEN",
        agent_workspaces=agent_workspaces(sim, lambda _name, _key: None),
        backoff_initial_seconds=0.01, backoff_max_seconds=0.05,
        **{"lookback_days": history_days(sim), **options})
    return config, AnthropicConnector(config)


def _agent_env(sim: SimulatorServer) -> dict[str, str]:
    env: dict[str, str] = {}
    agent_workspaces(sim, env.__setitem__)
    return env


def _openai(sim: SimulatorServer, options: dict[str, Any]) -> tuple[SourceConfig, Connector]:
    options = {k: min(v, 100) if k == "page_size" else v for k, v in options.items()
               if k != "activity_page_size"}
    config = OpenAIConfig(name="openai", type="openai", base_url=sim.base_url,
                          api_key_env="SIM_OPENAI_KEY", backoff_initial_seconds=0.01,
                          backoff_max_seconds=0.05, **{"lookback_days": 400, **options})
    return config, OpenAIConnector(config)


def _anthropic_key(sim: SimulatorServer) -> tuple[str, dict[str, Any]]:
    key = next(k for k in sim.state.keys.values() if sim.state.key_status(k) == "active")
    return key.id, {"kind": "api_key", "status": "active", "owner_id": key.created_by,
                    "workspace_id": key.workspace_id}


def _openai_key(sim: SimulatorServer) -> tuple[str, dict[str, Any]]:
    assert sim.openai is not None
    key = next(iter(sim.openai.keys.values()))
    return key["id"], {"kind": "api_key", "status": "active", "owner_id": key["owner_id"],
                       "owner_type": key["owner_type"], "workspace_id": key["project_id"]}


def _openai_state(sim: SimulatorServer) -> Any:
    assert sim.openai is not None
    return sim.openai


PLATFORMS = [
    Platform(
        name="anthropic", build=_anthropic,
        env=lambda s: {"SIM_ADMIN_KEY": s.admin_key,
                       "SIM_COMPLIANCE_KEY": s.compliance_key or "",
                       "SIM_OAUTH_TOKEN": s.oauth_token, **_agent_env(s)},
        accounts=lambda s: set(s.state.users) | set(plane(s.state).service_accounts),
        events=lambda s: set(s.state.feed.ids()),
        event_prefix="activity_", event_stream="activities", without_events="compliance",
        key_target=_anthropic_key),
    Platform(
        name="openai", build=_openai,
        env=lambda s: {"SIM_OPENAI_KEY": s.openai_admin_key},
        accounts=lambda s: set(_openai_state(s).users) | set(_openai_state(s).service_accounts),
        events=lambda s: {e["id"] for e in _openai_state(s).audit},
        event_prefix="audit_log-", event_stream="audit_logs",
        without_events="openai_audit_logs", key_target=_openai_key),
]


@pytest.fixture(params=PLATFORMS, ids=lambda p: p.name)
def platform(request: pytest.FixtureRequest) -> Platform:
    chosen: Platform = request.param
    return chosen


@pytest.fixture(scope="module")
def sim() -> Iterator[SimulatorServer]:
    with start_simulator("mixed", seed=5) as server:
        yield server


def run(platform: Platform, sim: SimulatorServer, cursors: dict[str, Any] | None = None,
        stop_after: int | None = None, **options: Any) -> tuple[list[SyncItem], dict[str, Any]]:
    """Drive the connector like the engine: commit each batch's cursor; "crash" (abandon the
    stream) after ``stop_after`` event batches."""
    _, connector = platform.build(sim, options)
    committed = dict(cursors or {})
    ctx = SyncContext(source=platform.name, clock=Clock(), cursors=dict(committed),
                      env=platform.env(sim))
    items: list[SyncItem] = []
    seen = 0
    stream = connector.sync(ctx)
    try:
        for item in stream:
            items.append(item)
            if isinstance(item, Batch) and item.cursor is not None:
                committed[item.stream] = item.cursor
            if isinstance(item, Batch) and item.stream == platform.event_stream:
                seen += 1
                if stop_after is not None and seen >= stop_after:
                    break
    finally:
        close = getattr(stream, "close", None)
        if close is not None:
            close()
    return items, committed


def records(items: list[SyncItem]) -> list[Any]:
    return [r for i in items if isinstance(i, Batch) for r in i.records]


def event_ids(platform: Platform, items: list[SyncItem]) -> list[str]:
    return [r.external_id for r in records(items) if isinstance(r, Activity)
            and r.external_id.startswith(platform.event_prefix)]


def test_complete_pagination_with_tiny_pages(platform: Platform, sim: SimulatorServer) -> None:
    sim.set_faults(FaultConfig(page_cap=3))
    try:
        items, _ = run(platform, sim, page_size=4, activity_page_size=5)
    finally:
        sim.set_faults(FaultConfig())
    assert not read_gaps(i for i in items if isinstance(i, Gap))
    complete = {i.record_type for i in items if isinstance(i, StreamComplete)}
    assert {"account", "credential", "invite", "workspace"} <= complete
    accounts = {r.external_id for r in records(items) if isinstance(r, Account)}
    assert accounts == platform.accounts(sim)
    ids = event_ids(platform, items)
    assert len(ids) == len(set(ids))
    assert set(ids) == platform.events(sim)


def test_records_validate(platform: Platform, sim: SimulatorServer) -> None:
    items, _ = run(platform, sim)
    assert items
    for record in records(items):
        assert type(record) in RECORD_TYPES, type(record)
        for f in dataclasses.fields(record):
            value = getattr(record, f.name)
            if isinstance(value, datetime):
                assert value.tzinfo is not None, (record, f.name)
        ident = getattr(record, "external_id", None)
        assert ident is None or (isinstance(ident, str) and ident), record


def test_an_unreadable_feed_is_a_gap(platform: Platform) -> None:
    with start_simulator("mixed", seed=5, without=(platform.without_events,)) as server:
        items, _ = run(platform, server)
    gaps = read_gaps(i for i in items if isinstance(i, Gap))
    assert {g.record_type for g in gaps} == {"activity"}
    assert all("403" in g.reason for g in gaps)


@pytest.mark.parametrize("stop_after", [1, 2, 3])
def test_resume_after_a_crash_loses_and_duplicates_nothing(
    platform: Platform, sim: SimulatorServer, stop_after: int
) -> None:
    first, cursors = run(platform, sim, stop_after=stop_after, page_size=50,
                         activity_page_size=40)
    second, _ = run(platform, sim, cursors=cursors, page_size=50, activity_page_size=40)
    ids = event_ids(platform, first) + event_ids(platform, second)
    assert set(ids) == platform.events(sim)
    # Only the page that was in flight may be read twice (dedup by id makes it harmless).
    assert len(ids) - len(set(ids)) <= 100


def test_sync_and_plan_make_no_mutating_call(platform: Platform, sim: SimulatorServer) -> None:
    before = len(sim.mutations())
    run(platform, sim)
    provider = load_builtin_providers().get(platform.name)
    key_id, state = platform.key_target(sim)
    planned = provider.plan(Target(source=platform.name, tenant="t", kind="api_key",
                                   subject_id=key_id, label=key_id, operation="revoke",
                                   reason="contract"), state, task_owner="o", task_due="d")
    assert planned.call is not None
    assert planned.call.method in ("POST", "DELETE")
    assert len(sim.mutations()) == before
