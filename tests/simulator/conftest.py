"""Fixtures: a running simulator on loopback and raw httpx clients (never connector code)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from tenure.simulator import SimulatorServer, start_simulator

AS_OF = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
VERSION = "2023-06-01"


def admin_client(sim: SimulatorServer) -> httpx.Client:
    """A client that sends the admin key and the version header."""
    return httpx.Client(base_url=sim.base_url, timeout=10,
                        headers={"x-api-key": sim.admin_key, "anthropic-version": VERSION})


def collect(client: httpx.Client, path: str, **params: Any) -> list[dict[str, Any]]:
    """Every item of an id-paginated list, following last_id."""
    items: list[dict[str, Any]] = []
    query = dict(params)
    while True:
        body = client.get(path, params=query).raise_for_status().json()
        items += body["data"]
        if not body["has_more"]:
            return items
        query["after_id"] = body["last_id"]


@pytest.fixture(scope="module")
def sim() -> Iterator[SimulatorServer]:
    """The default scenario, read-only tests share it (mutating tests use ``fresh_sim``)."""
    server = start_simulator("default", seed=7, as_of=AS_OF)
    yield server
    server.stop()


@pytest.fixture
def fresh_sim() -> Iterator[SimulatorServer]:
    """A private simulator for tests that mutate state or set faults."""
    server = start_simulator("default", seed=7, as_of=AS_OF)
    yield server
    server.stop()


@pytest.fixture
def client(sim: SimulatorServer) -> Iterator[httpx.Client]:
    """Admin client on the shared simulator."""
    with admin_client(sim) as c:
        yield c
