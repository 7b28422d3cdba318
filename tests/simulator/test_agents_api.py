"""The simulator's managed-agents plane over raw HTTP (never connector code): beta header,
workspace-bound keys, family B paging, no owner fields, auto-pause, archive semantics."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tenure.simulator import SimulatorServer, start_simulator
from tenure.simulator.agents_population import AgentPlanter
from tenure.simulator.agents_state import AgentsState

from .conftest import AS_OF, VERSION

BETA = "managed-agents-2026-04-01"
OWNER_WORDS = ("owner", "creator", "created_by")


def ws_client(sim: SimulatorServer, workspace: str, beta: str | None = BETA) -> httpx.Client:
    headers = {"x-api-key": sim.agents.workspace_keys()[workspace],
               "anthropic-version": VERSION}
    if beta:
        headers["anthropic-beta"] = beta
    return httpx.Client(base_url=sim.base_url, timeout=10, headers=headers)


def first_workspace(sim: SimulatorServer) -> str:
    return next(iter(sim.agents.workspace_keys()))


def pages(client: httpx.Client, path: str, **params: Any) -> tuple[list[dict[str, Any]], int]:
    """Every item of a family-B listing, following next_page alone; and the page count."""
    items: list[dict[str, Any]] = []
    query = dict(params)
    count = 0
    while True:
        body = client.get(path, params=query).raise_for_status().json()
        count += 1
        items += body["data"]
        if not body.get("next_page"):
            return items, count
        query["page"] = body["next_page"]


@pytest.fixture
def sim() -> Iterator[SimulatorServer]:
    with start_simulator("default", seed=7, as_of=AS_OF) as server:
        yield server


def test_beta_header_and_keys(sim: SimulatorServer) -> None:
    ws = first_workspace(sim)
    with ws_client(sim, ws, beta=None) as c:
        r = c.get("/v1/agents")
        assert r.status_code == 400
        assert BETA in r.json()["error"]["message"]
    with ws_client(sim, ws, beta=f"files-api-2025-04-14,{BETA}") as c:
        assert c.get("/v1/agents").status_code == 200  # merged with other betas
    with ws_client(sim, ws, beta=f"{BETA},agent-memory-2026-07-22") as c:
        assert c.get("/v1/agents").status_code == 400
    admin = {"x-api-key": sim.admin_key, "anthropic-version": VERSION, "anthropic-beta": BETA}
    assert httpx.get(sim.base_url + "/v1/agents", headers=admin).status_code == 403
    bogus = {**admin, "x-api-key": "sk-ant-api03-nope"}
    assert httpx.get(sim.base_url + "/v1/agents", headers=bogus).status_code == 401


def test_a_key_sees_only_its_workspace(sim: SimulatorServer) -> None:
    keys = sim.agents.workspace_keys()
    assert len(keys) >= 2
    seen: dict[str, set[str]] = {}
    for ws in keys:
        with ws_client(sim, ws) as c:
            items, _ = pages(c, "/v1/agents", include_archived="true")
            seen[ws] = {a["id"] for a in items}
            assert seen[ws] == {a.id for a in sim.agents.agents.values()
                                if a.workspace_id == ws}
    a, b = list(keys)[:2]
    foreign = next(iter(seen[b]))
    with ws_client(sim, a) as c:
        assert c.get(f"/v1/agents/{foreign}").status_code == 404


def test_family_b_paging_and_no_owner_fields(sim: SimulatorServer) -> None:
    ws = first_workspace(sim)
    with ws_client(sim, ws) as c:
        everything, _ = pages(c, "/v1/agents")
        paged, count = pages(c, "/v1/agents", limit=1)
        assert [a["id"] for a in paged] == [a["id"] for a in everything]
        assert count == len(everything)
        assert c.get("/v1/agents", params={"page": "nonsense"}).status_code == 400
        assert c.get("/v1/agents", params={"limit": 101}).status_code == 400
        bodies = [c.get(p).json() for p in ("/v1/agents", "/v1/deployments",
                                            "/v1/environments", "/v1/vaults",
                                            "/v1/deployment_runs")]
    for body in bodies:
        for item in body["data"]:
            assert not [k for k in item if any(w in k for w in OWNER_WORDS)], item


def test_archiving_a_vault_auto_pauses_its_deployments(sim: SimulatorServer) -> None:
    ws = first_workspace(sim)
    with ws_client(sim, ws) as c:
        deps = [d for d in pages(c, "/v1/deployments")[0] if d["vault_ids"]]
        dep = deps[0]
        assert dep["status"] == "active"
        c.post(f"/v1/vaults/{dep['vault_ids'][0]}/archive").raise_for_status()
        again = c.get(f"/v1/deployments/{dep['id']}").json()
        assert again["status"] == "paused"
        assert again["paused_reason"] == {"type": "error",
                                          "error": {"type": "vault_archived_error"}}
        run = c.post(f"/v1/deployments/{dep['id']}/unpause").json()
        assert run["status"] == "active"
        run = c.post(f"/v1/deployments/{dep['id']}/run").json()
        assert run["error"]["type"] == "vault_archived_error"
        assert "session_id" not in run


def test_archiving_agent_or_environment_auto_pauses(sim: SimulatorServer) -> None:
    ws = first_workspace(sim)
    with ws_client(sim, ws) as c:
        deps = pages(c, "/v1/deployments")[0]
        by_agent, by_env = deps[0], deps[1]
        c.post(f"/v1/agents/{by_agent['agent']['id']}/archive").raise_for_status()
        c.post(f"/v1/agents/{by_agent['agent']['id']}/archive").raise_for_status()  # idempotent
        reason = c.get(f"/v1/deployments/{by_agent['id']}").json()["paused_reason"]
        assert reason["error"]["type"] == "agent_archived_error"
        c.post(f"/v1/environments/{by_env['environment_id']}/archive").raise_for_status()
        paused = [d for d in pages(c, "/v1/deployments")[0]
                  if d["environment_id"] == by_env["environment_id"]]
        assert paused
        assert {d["status"] for d in paused} == {"paused"}


def test_pause_archive_update_and_runs(sim: SimulatorServer) -> None:
    ws = first_workspace(sim)
    with ws_client(sim, ws) as c:
        dep = next(d for d in pages(c, "/v1/deployments")[0] if d["schedule"])
        assert len(dep["schedule"]["upcoming_runs_at"]) == 5
        paused = c.post(f"/v1/deployments/{dep['id']}/pause").json()
        assert (paused["status"], paused["paused_reason"]) == ("paused", {"type": "manual"})
        assert c.post(f"/v1/deployments/{dep['id']}/pause").json()["status"] == "paused"
        updated = c.post(f"/v1/deployments/{dep['id']}", json={"vault_ids": []}).json()
        assert updated["vault_ids"] == []
        assert c.post(f"/v1/deployments/{dep['id']}",
                      json={"vault_ids": ["vlt_nope"]}).status_code == 400
        archived = c.post(f"/v1/deployments/{dep['id']}/archive").json()
        assert archived["archived_at"] is not None
        assert archived["schedule"]["upcoming_runs_at"] == []
        assert c.post(f"/v1/deployments/{dep['id']}/unpause").status_code == 400
        assert dep["id"] not in {d["id"] for d in pages(c, "/v1/deployments")[0]}
        assert dep["id"] in {d["id"] for d in pages(c, "/v1/deployments",
                                                    include_archived="true")[0]}
        runs = pages(c, "/v1/deployment_runs", deployment_id=dep["id"])[0]
        assert runs
        assert [r["created_at"] for r in runs] == sorted((r["created_at"] for r in runs),
                                                         reverse=True)
        assert all(("session_id" in r) != ("error" in r) for r in runs)
        assert pages(c, "/v1/deployment_runs", deployment_id="depl_unknown")[0] == []
        errors = pages(c, "/v1/deployment_runs", has_error="true")[0]
        assert all("error" in r for r in errors)
        assert c.get("/v1/deployment_runs", params={"limit": 1000}).status_code == 200
        assert c.get("/v1/deployment_runs", params={"page": "page_999999"}).status_code == 400


def test_credentials_archive_delete_and_validate_is_recorded(sim: SimulatorServer) -> None:
    ws = first_workspace(sim)
    with ws_client(sim, ws) as c:
        vault = pages(c, "/v1/vaults")[0][0]["id"]
        creds = pages(c, f"/v1/vaults/{vault}/credentials")[0]
        cred = creds[0]["id"]
        for word in ("'token'", "'access_token'", "'secret_value'", "'refresh_token'"):
            assert word not in str(creds)
        archived = c.post(f"/v1/vaults/{vault}/credentials/{cred}/archive").json()
        assert archived["archived_at"] is not None
        assert cred not in {x["id"] for x in pages(c, f"/v1/vaults/{vault}/credentials")[0]}
        deleted = c.delete(f"/v1/vaults/{vault}/credentials/{cred}").json()
        assert deleted == {"id": cred, "type": "vault_credential_deleted"}
        assert c.get(f"/v1/vaults/{vault}/credentials/{cred}").status_code == 404
        assert sim.agents.validations == []


def test_planter_builds_a_servable_plane() -> None:
    p = AgentPlanter(seed=1)
    p.key("wrkspc_1")
    env = p.environment("wrkspc_1", "e", networking="self_hosted")
    agent = p.agent("wrkspc_1", "a", owner="ana@example.com")
    p.deployment("wrkspc_1", "d", agent, env, cron=None, runs=2, run_error="unknown_error")
    state = AgentsState(p.doc, lambda: 0.0)
    assert state.agents[agent].metadata == {"owner": "ana@example.com"}
    assert len(state.runs) == 2
    assert next(iter(state.deployments.values())).schedule is None
