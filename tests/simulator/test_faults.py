"""Fault flags and pagination pathologies, all deterministic by request number."""

from __future__ import annotations

import email.utils
import json

import pytest

from tenure.simulator import FaultConfig, SimulatorServer
from tests.simulator.conftest import admin_client

USERS = "/v1/organizations/users"


def test_rate_limit_every_nth_with_seconds(fresh_sim: SimulatorServer) -> None:
    fresh_sim.set_faults(FaultConfig(rate_limit_every=3, retry_after=2))
    with admin_client(fresh_sim) as c:
        statuses = [c.get("/v1/organizations/me").status_code for _ in range(6)]
        assert statuses == [200, 200, 429, 200, 200, 429]
        assert [c.get("/v1/organizations/me").status_code for _ in range(2)] == [200, 200]
        limited = c.get("/v1/organizations/me")
        assert limited.status_code == 429
        assert limited.headers["retry-after"] == "2"
        assert limited.json()["error"]["type"] == "rate_limit_error"


def test_rate_limit_http_date(fresh_sim: SimulatorServer) -> None:
    fresh_sim.set_faults(FaultConfig(rate_limit_every=1, retry_after=30,
                                     retry_after_http_date=True))
    with admin_client(fresh_sim) as c:
        resp = c.get(USERS)
        assert resp.status_code == 429
        when = email.utils.parsedate_to_datetime(resp.headers["retry-after"])
        assert when.tzinfo is not None


@pytest.mark.parametrize(("config", "status", "type_"), [
    (FaultConfig(overloaded_every=2), 529, "overloaded_error"),
    (FaultConfig(server_error_every=2), 500, "api_error"),
    (FaultConfig(server_error_every=2, server_error_status=503), 503, "api_error"),
    (FaultConfig(fail_requests=frozenset({2})), 500, "api_error"),
])
def test_error_faults(fresh_sim: SimulatorServer, config: FaultConfig, status: int,
                      type_: str) -> None:
    fresh_sim.set_faults(config)
    with admin_client(fresh_sim) as c:
        assert c.get(USERS).status_code == 200
        failed = c.get(USERS)
        assert failed.status_code == status
        assert failed.json()["error"]["type"] == type_
        assert failed.json()["request_id"] == failed.headers["request-id"]


def test_truncated_json(fresh_sim: SimulatorServer) -> None:
    fresh_sim.set_faults(FaultConfig(truncate_every=2))
    with admin_client(fresh_sim) as c:
        c.get(USERS).json()
        cut = c.get(USERS)
        assert cut.status_code == 200
        with pytest.raises(json.JSONDecodeError):
            json.loads(cut.content)


def test_slow_pages_still_answer(fresh_sim: SimulatorServer) -> None:
    fresh_sim.set_faults(FaultConfig(slow_every=1, slow_seconds=0.05))
    with admin_client(fresh_sim) as c:
        assert c.get(USERS).status_code == 200


def test_page_cap(fresh_sim: SimulatorServer) -> None:
    fresh_sim.set_faults(FaultConfig(page_cap=4))
    with admin_client(fresh_sim) as c:
        body = c.get(USERS, params={"limit": 100}).json()
        assert len(body["data"]) == 4
        assert body["has_more"] is True
        feed = c.get("/v1/compliance/activities", params={"limit": 5000}).json()
        assert len(feed["data"]) == 4
        assert feed["has_more"] is True


def test_repeat_cursor(fresh_sim: SimulatorServer) -> None:
    fresh_sim.set_faults(FaultConfig(repeat_cursor=True))
    with admin_client(fresh_sim) as c:
        first = c.get(USERS, params={"limit": 3}).json()
        second = c.get(USERS, params={"limit": 3, "after_id": first["last_id"]}).json()
        assert second["last_id"] == first["last_id"]
        assert second["has_more"] is True


def test_empty_page_with_more(fresh_sim: SimulatorServer) -> None:
    fresh_sim.set_faults(FaultConfig(empty_page_with_more=True))
    with admin_client(fresh_sim) as c:
        body = c.get(USERS, params={"limit": 3}).json()
        assert body["data"] == []
        assert body["has_more"] is True
        assert body["last_id"]


def test_path_prefix_and_seeded_random_are_reproducible(fresh_sim: SimulatorServer) -> None:
    config = FaultConfig(random_rate=0.5, random_seed=11, path_prefix="/v1/compliance")
    runs = []
    with admin_client(fresh_sim) as c:
        for _ in range(2):
            fresh_sim.set_faults(config)
            runs.append([(c.get(USERS).status_code,
                          c.get("/v1/compliance/activities").status_code) for _ in range(10)])
    assert runs[0] == runs[1]
    assert {u for u, _ in runs[0]} == {200}
    assert {f for _, f in runs[0]} - {200}


def test_request_log(fresh_sim: SimulatorServer) -> None:
    fresh_sim.set_faults(FaultConfig(rate_limit_every=2))
    with admin_client(fresh_sim) as c:
        c.get(USERS)
        c.get(USERS)
    log = list(fresh_sim.requests)[-2:]
    assert [(r.number, r.status) for r in log] == [(1, 200), (2, 429)]
    assert fresh_sim.mutations() == []
