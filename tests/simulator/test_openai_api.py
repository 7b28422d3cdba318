"""The simulator's OpenAI side over raw HTTP (httpx, never connector code): envelope, Unix
timestamps, auth and error shape, cursors, live owner_project_access, audit events per
mutation; and the generator keeps Anthropic-only output byte-identical."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tenure.simulator import Options, SimulatorServer, generate, start_simulator
from tenure.simulator.openai_state import OpenAIState
from tests.simulator.conftest import AS_OF

ORG = "/v1/organization"


@pytest.fixture
def sim() -> Iterator[SimulatorServer]:
    with start_simulator("mixed", seed=7, as_of=AS_OF) as server:
        yield server


def oai(sim: SimulatorServer) -> OpenAIState:
    assert sim.openai is not None
    return sim.openai


@pytest.fixture
def client(sim: SimulatorServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sim.base_url, timeout=10, headers={
            "authorization": f"Bearer {sim.openai_admin_key}"}) as c:
        yield c


def collect(client: httpx.Client, path: str, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    query = {**params, "limit": 3}
    while True:
        body = client.get(path, params=query).raise_for_status().json()
        assert body["object"] == "list"
        assert set(body) == {"object", "data", "first_id", "last_id", "has_more"}
        items += body["data"]
        if not body["has_more"]:
            return items
        query["after"] = body["last_id"]


def test_lists_use_the_openai_envelope_and_unix_seconds(sim: SimulatorServer,
                                                        client: httpx.Client) -> None:
    users = collect(client, f"{ORG}/users")
    assert {u["id"] for u in users} == set(oai(sim).users)
    assert all(u["object"] == "organization.user" for u in users)
    assert all(isinstance(u["added_at"], int) for u in users)
    assert any("api_key_last_used_at" in u for u in users)
    active = collect(client, f"{ORG}/projects")
    everything = collect(client, f"{ORG}/projects", include_archived="true")
    assert len(everything) == len(active) + 1
    archived = next(p for p in everything if p["status"] == "archived")
    assert isinstance(archived["archived_at"], int)
    keys = collect(client, f"{ORG}/projects/{everything[0]['id']}/api_keys",
                   owner_project_access="any")
    assert {k["owner_project_access"] for k in keys} == {"active", "inactive"}
    assert {k["owner"]["type"] for k in keys} == {"user", "service_account"}
    only_active = collect(client, f"{ORG}/projects/{everything[0]['id']}/api_keys")
    assert len(only_active) == len(keys) - 1  # default: active owners only


def test_auth_and_errors_in_openai_shape(sim: SimulatorServer, client: httpx.Client) -> None:
    bad = httpx.get(f"{sim.base_url}{ORG}/users", headers={"authorization": "Bearer nope"})
    assert bad.status_code == 401
    assert set(bad.json()["error"]) == {"message", "type", "param", "code"}
    assert bad.json()["error"]["code"] == "invalid_api_key"
    anthropic_key = httpx.get(f"{sim.base_url}{ORG}/users",
                              headers={"x-api-key": sim.admin_key})
    assert anthropic_key.status_code == 401
    missing = client.get(f"{ORG}/users/user-nobody")
    assert missing.status_code == 404
    assert missing.json()["error"]["type"] == "invalid_request_error"
    assert client.get(f"{ORG}/users", params={"limit": 101}).status_code == 400
    assert client.get(f"{ORG}/usage/completions").status_code == 400  # start_time required
    # The Anthropic side is untouched by the OpenAI routes.
    assert httpx.get(f"{sim.base_url}/v1/organizations/users", headers={
        "x-api-key": sim.admin_key, "anthropic-version": "2023-06-01"}).status_code == 200


def test_audit_logs_newest_first_with_time_filter_and_cursors(
    sim: SimulatorServer, client: httpx.Client
) -> None:
    everything = collect(client, f"{ORG}/audit_logs")
    times = [e["effective_at"] for e in everything]
    assert times == sorted(times, reverse=True)
    # A plain request never returns the tenant-scoped events.
    assert len(everything) == sum(not e["type"].startswith("tenant.") for e in oai(sim).audit)
    for e in everything:
        assert e["type"] in e  # details keyed by the event type
        assert e["actor"]["type"] in ("session", "api_key")
    middle = times[len(times) // 2]
    newer = collect(client, f"{ORG}/audit_logs", **{"effective_at[gte]": middle})
    assert newer
    assert all(e["effective_at"] >= middle for e in newer)
    page = client.get(f"{ORG}/audit_logs", params={"limit": 5, "after": everything[9]["id"]})
    assert [e["id"] for e in page.json()["data"]] == [e["id"] for e in everything[10:15]]
    back = client.get(f"{ORG}/audit_logs", params={"limit": 5, "before": everything[9]["id"]})
    assert [e["id"] for e in back.json()["data"]] == [e["id"] for e in everything[4:9]]


def test_usage_pages_daily_buckets_per_key(sim: SimulatorServer, client: httpx.Client) -> None:
    start = int(AS_OF.timestamp()) - 40 * 86_400
    buckets: list[dict[str, Any]] = []
    params: dict[str, Any] = {"start_time": start, "bucket_width": "1d",
                              "group_by[]": "api_key_id", "limit": 7}
    while True:
        body = client.get(f"{ORG}/usage/completions", params=params).json()
        assert body["object"] == "page"
        buckets += body["data"]
        if not body["has_more"]:
            break
        params["page"] = body["next_page"]
    assert len(buckets) == 41  # 40 days back, plus today
    assert all(b["end_time"] - b["start_time"] == 86_400 for b in buckets)
    assert any(r["api_key_id"] and r["num_model_requests"] > 0
               for b in buckets for r in b["results"])


def test_mutations_change_state_and_append_audit_events(
    sim: SimulatorServer, client: httpx.Client
) -> None:
    state = oai(sim)
    key = next(k for k in state.keys.values() if k["owner_type"] == "user")
    project, owner = key["project_id"], key["owner_id"]
    before = len(state.audit)
    refused = next(k for k in state.keys.values() if k["owner_type"] == "service_account")
    answer = client.delete(f"{ORG}/projects/{refused['project_id']}/api_keys/{refused['id']}")
    assert answer.status_code == 400
    assert "service account" in answer.json()["error"]["message"]
    # Removing the owner from the project makes the key read "inactive", live.
    assert client.delete(f"{ORG}/projects/{project}/users/{owner}").json()["deleted"]
    read = client.get(f"{ORG}/projects/{project}/api_keys/{key['id']}").json()
    assert read["owner_project_access"] == "inactive"
    deleted = client.delete(f"{ORG}/projects/{project}/api_keys/{key['id']}").json()
    assert deleted == {"object": "organization.project.api_key.deleted", "id": key["id"],
                       "deleted": True}
    assert client.get(f"{ORG}/projects/{project}/api_keys/{key['id']}").status_code == 404
    sa_id = refused["owner_id"]
    assert client.delete(
        f"{ORG}/projects/{refused['project_id']}/service_accounts/{sa_id}").status_code == 200
    assert refused["id"] not in state.keys  # its keys went with it
    accepted = next(i for i in state.invites.values() if i["status"] == "accepted")
    assert client.delete(f"{ORG}/invites/{accepted['id']}").status_code == 400
    newest = client.get(f"{ORG}/audit_logs", params={"limit": 3}).json()["data"]
    assert [e["type"] for e in newest] == ["service_account.deleted", "api_key.deleted",
                                           "role.assignment.deleted"]
    assert len(state.audit) == before + 3
    assert newest[0]["actor"]["type"] == "api_key"
    assert newest[0]["actor"]["api_key"]["id"] == sim.openai_admin_key_id
    assert "project" in newest[0]  # admin-key actions land on the default project


def test_without_openai_features_answers_403() -> None:
    with start_simulator("mixed", seed=1, as_of=AS_OF,
                         without=("openai_audit_logs",)) as server:
        answer = httpx.get(f"{server.base_url}{ORG}/audit_logs",
                           headers={"authorization": f"Bearer {server.openai_admin_key}"})
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "insufficient_permissions"


def test_anthropic_files_are_identical_with_or_without_openai(tmp_path: Path) -> None:
    def digest(path: Path, name: str) -> str:
        return hashlib.sha256((path / name).read_bytes()).hexdigest()

    generate(tmp_path / "a", Options(people=30, seed=9, anchor=AS_OF))
    generate(tmp_path / "b", Options(people=30, seed=9, anchor=AS_OF, openai=True))
    for name in ("hr.csv", "hr_after_move.csv", "scenario.json", "events.sqlite"):
        assert digest(tmp_path / "a", name) == digest(tmp_path / "b", name), name
    assert not (tmp_path / "a" / "openai.json").exists()
    assert (tmp_path / "b" / "openai.json").exists()
    plain = json.loads((tmp_path / "a" / "planted.json").read_text())
    mixed = json.loads((tmp_path / "b" / "planted.json").read_text())
    assert [p for p in mixed if p["platform"] == "anthropic"] == [
        {**p, "platform": "anthropic"} for p in plain]
    assert {p["platform"] for p in mixed} == {"anthropic", "openai"}
    generate(tmp_path / "c", Options(people=30, seed=9, anchor=AS_OF, openai=True))
    assert digest(tmp_path / "b", "openai.json") == digest(tmp_path / "c", "openai.json")


def test_tenant_events_only_with_tenant_only_and_never_mixed(sim: SimulatorServer,
                                                             client: httpx.Client) -> None:
    log = oai(sim).audit
    tenant = {e["id"] for e in log if e["type"].startswith("tenant.")}
    assert tenant  # the generated log has tenant-scoped events
    plain = {e["id"] for e in collect(client, f"{ORG}/audit_logs")}
    scoped = {e["id"] for e in collect(client, f"{ORG}/audit_logs", tenant_only="true")}
    assert plain == {e["id"] for e in log} - tenant
    assert scoped == tenant
    one = client.get(f"{ORG}/audit_logs", params={
        "tenant_only": "true", "event_types[]": ["tenant.user.removed"]}).json()
    assert {e["type"] for e in one["data"]} == {"tenant.user.removed"}
    for params in ({"tenant_only": "true", "event_types[]": ["tenant.user.removed",
                                                              "login.succeeded"]},
                   {"event_types[]": ["tenant.user.removed"]},
                   {"tenant_only": "maybe"}):
        resp = client.get(f"{ORG}/audit_logs", params=params)
        assert resp.status_code == 400, params
        assert resp.json()["error"]["type"] == "invalid_request_error"
    assignment = next(e for e in log if e["type"] == "role.assignment.created")
    assert {"principal_id", "principal_type", "resource_id", "resource_type"} <= set(
        assignment["details"])
