"""The Compliance activity feed: order, cursors both ways, filters, keys (vendor-apis 3.1-3.2)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from tenure.simulator import SimulatorServer, start_simulator
from tests.simulator.conftest import AS_OF, VERSION

FEED = "/v1/compliance/activities"


def _feed(sim: SimulatorServer, **params: Any) -> httpx.Response:
    return httpx.get(f"{sim.base_url}{FEED}", params=params, timeout=10,
                     headers={"x-api-key": sim.compliance_key or "",
                              "anthropic-version": VERSION})


def _walk_back(sim: SimulatorServer, limit: int, **params: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    query = {"limit": limit, **params}
    while True:
        body = _feed(sim, **query).raise_for_status().json()
        out += body["data"]
        if not body["has_more"]:
            return out
        query["after_id"] = body["last_id"]


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_reverse_chronological_and_complete(sim: SimulatorServer) -> None:
    everything = _walk_back(sim, 97)
    ids = [a["id"] for a in everything]
    assert len(ids) == len(set(ids)) == sim.state.feed.total()
    assert ids == list(sim.state.feed.ids())
    times = [_when(a["created_at"]) for a in everything]
    assert times == sorted(times, reverse=True)
    assert times[0] <= AS_OF
    first = everything[0]
    assert first["id"].startswith("activity_01")
    assert len(first["id"]) == 33
    assert {"id", "created_at", "organization_id", "organization_uuid", "actor",
            "type"} <= set(first)


def test_before_id_goes_forward(sim: SimulatorServer) -> None:
    everything = _walk_back(sim, 1000)
    oldest = everything[-1]["id"]
    forward: list[dict[str, Any]] = []
    cursor = oldest
    while True:
        body = _feed(sim, limit=250, before_id=cursor).json()
        times = [_when(a["created_at"]) for a in body["data"]]
        assert times == sorted(times, reverse=True)  # pages are always newest first
        forward = body["data"] + forward
        if not body["has_more"]:
            break
        cursor = body["first_id"]
    assert [a["id"] for a in forward] == [a["id"] for a in everything[:-1]]


def test_created_at_and_type_filters(sim: SimulatorServer) -> None:
    lo, hi = AS_OF - timedelta(days=10), AS_OF - timedelta(days=3)
    window = _walk_back(sim, 500, **{"created_at.gte": lo.isoformat(),
                                     "created_at.lt": hi.isoformat()})
    everything = _walk_back(sim, 5000)
    expected = [a["id"] for a in everything if lo <= _when(a["created_at"]) < hi]
    assert [a["id"] for a in window] == expected
    assert expected
    logins = _walk_back(sim, 300, **{"activity_types[]": ["sso_login_succeeded",
                                                          "org_user_deleted"]})
    assert {a["type"] for a in logins} == {"sso_login_succeeded", "org_user_deleted"}
    assert len(logins) == sum(a["type"] in ("sso_login_succeeded", "org_user_deleted")
                              for a in everything)
    assert all(a["organization_id"] is None for a in logins
               if a["type"] == "sso_login_succeeded")
    actor = logins[0]["actor"]["user_id"]
    mine = _walk_back(sim, 100, **{"actor_ids[]": actor})
    assert mine
    assert all(a["actor"].get("user_id") == actor for a in mine)


def test_limit_bounds(sim: SimulatorServer) -> None:
    assert len(_feed(sim).json()["data"]) == 100
    assert len(_feed(sim, limit=5000).json()["data"]) == min(5000, sim.state.feed.total())
    assert _feed(sim, limit=5001).status_code == 400
    assert _feed(sim, after_id="activity_01bogus").status_code == 400


def test_compliance_keys(sim: SimulatorServer) -> None:
    url = f"{sim.base_url}{FEED}"
    bearer = httpx.get(url, headers={"authorization": f"Bearer {sim.compliance_key}",
                                     "anthropic-version": VERSION})
    assert bearer.status_code == 200
    admin = httpx.get(url, headers={"x-api-key": sim.admin_key, "anthropic-version": VERSION})
    assert admin.status_code == 200
    wrong = httpx.get(url, headers={"authorization": "Bearer sk-ant-api01-wrong",
                                    "anthropic-version": VERSION})
    assert wrong.status_code == 401


def test_admin_key_without_compliance_scope() -> None:
    with start_simulator("default", seed=1, as_of=AS_OF,
                         admin_key_reads_compliance=False) as sim:
        resp = httpx.get(f"{sim.base_url}{FEED}", headers={"x-api-key": sim.admin_key,
                                                           "anthropic-version": VERSION})
        assert resp.status_code == 403
        assert resp.json()["error"]["type"] == "permission_error"


@pytest.mark.parametrize(("scenario", "path", "status", "type_"), [
    ("no-compliance", FEED, 403, "permission_error"),
    ("enterprise", "/v1/organizations/workspaces", 404, "not_found_error"),
    ("enterprise", "/v1/organizations/api_keys", 404, "not_found_error"),
])
def test_missing_features(scenario: str, path: str, status: int, type_: str) -> None:
    with start_simulator(scenario, seed=2, as_of=AS_OF) as sim:
        resp = httpx.get(f"{sim.base_url}{path}", headers={"x-api-key": sim.admin_key,
                                                           "anthropic-version": VERSION})
        assert resp.status_code == status
        assert resp.json()["error"]["type"] == type_
        users = httpx.get(f"{sim.base_url}/v1/organizations/users",
                          headers={"x-api-key": sim.admin_key, "anthropic-version": VERSION})
        assert users.status_code == 200


def test_enterprise_roles() -> None:
    with start_simulator("enterprise", seed=2, as_of=AS_OF) as sim:
        body = httpx.get(f"{sim.base_url}/v1/organizations/users", params={"limit": 1000},
                         headers={"x-api-key": sim.admin_key,
                                  "anthropic-version": VERSION}).json()
        roles = {u["role"] for u in body["data"]}
        assert roles <= {"user", "owner", "primary_owner", "membership_admin", "managed"}
        assert "primary_owner" in roles


def test_without_feature_switch() -> None:
    with start_simulator("default", seed=2, as_of=AS_OF,
                         without=("compliance", "api_keys")) as sim:
        headers = {"x-api-key": sim.admin_key, "anthropic-version": VERSION}
        assert httpx.get(f"{sim.base_url}{FEED}", headers=headers).status_code == 403
        assert httpx.get(f"{sim.base_url}/v1/organizations/api_keys",
                         headers=headers).status_code == 404
        sim.scenario.features["compliance"] = True  # switchable while serving
        assert httpx.get(f"{sim.base_url}{FEED}", headers=headers).status_code == 200
