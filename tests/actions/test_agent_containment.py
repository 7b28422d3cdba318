"""Containment of managed agents: pause, archive or strip the vaults of a deployment, archive
an agent (or pause its deployments), archive a vault credential — planned as the exact
workspace-plane calls, applied on the simulator over real HTTP with the workspace's own key,
verified by a fresh read, idempotent; a Console task for the sponsor where the workspace has
no key configured. SQLite and PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta

import pytest

from tenure.actions.anthropic_agents import WITHOUT_VAULTS
from tenure.actions.plan import Plan, Target
from tenure.actions.planner import build_plan
from tenure.actions.runner import ApplyReport, Guards, apply_plan
from tenure.clock import Clock
from tenure.config import DatabaseConfig, Settings
from tenure.connectors.anthropic import AnthropicConfig
from tenure.connectors.anthropic import agent_actions as vendor
from tenure.connectors.anthropic.agents_fetch import workspace_client
from tenure.connectors.anthropic.fetch import HttpOptions
from tenure.connectors.vendor_actions import Outcome
from tenure.model import RunStatus
from tenure.services.context import App
from tenure.services.sync import run_source
from tenure.simulator import SimulatorServer, start_simulator
from tests.agent_keys import agent_workspaces

pytestmark = pytest.mark.timeout(180)
GUARDS = Guards(max_actions=50, max_percent=100.0, max_plan_age=timedelta(hours=1),
                require_approval=False)


@pytest.fixture
def sim() -> Iterator[SimulatorServer]:
    with start_simulator("default", seed=3) as server:
        yield server


def make_app(database_url: str, sim: SimulatorServer, monkeypatch: pytest.MonkeyPatch,
             keys: bool = True) -> App:
    monkeypatch.setenv("SIM_ADMIN_KEY", sim.admin_key)
    monkeypatch.setenv("SIM_OAUTH_TOKEN", sim.oauth_token)
    config = AnthropicConfig(name="claude", type="anthropic", base_url=sim.base_url,
                             api_key_env="SIM_ADMIN_KEY", activities=False, usage=False,
                             claude_code=False, oauth_token_env="SIM_OAUTH_TOKEN",
                             agent_workspaces=agent_workspaces(sim, monkeypatch.setenv)
                             if keys else ())
    return App(settings=Settings(sources=(config,), database=DatabaseConfig(url=database_url)),
               clock=Clock(), actor="test")


@pytest.fixture
def app(database_url: str, sim: SimulatorServer,
        monkeypatch: pytest.MonkeyPatch) -> Iterator[App]:
    application = make_app(database_url, sim, monkeypatch)
    assert run_source(application, "claude").status is RunStatus.COMPLETE
    yield application
    application.close()


def target(kind: str, subject: str, operation: str = "revoke",
           role: str | None = None) -> Target:
    return Target(source="claude", tenant="t", kind=kind, subject_id=subject, label=subject,
                  operation=operation, reason="test", target_role=role)


def plan(app: App, *targets: Target) -> Plan:
    with app.engine.begin() as conn:
        built, _ = build_plan(conn, app.settings, list(targets), origin="test",
                              created_by="admin@example.com", now=app.wall(),
                              task_owner="security@example.com")
    return built


def apply(app: App, built: Plan) -> ApplyReport:
    return apply_plan(app.engine, app.settings, built, claimed_hash=built.sha256,
                      approve_hash=built.sha256, guards=GUARDS, actor="test", now=app.wall(),
                      env=dict(os.environ))


def by_name(sim: SimulatorServer, name: str) -> str:
    return next(d.id for d in sim.agents.deployments.values() if d.name == name)


def test_pause_then_archive_a_deployment(app: App, sim: SimulatorServer) -> None:
    dep = by_name(sim, "weekly-report")
    built = plan(app, target("deployment", dep, "reduce"))
    assert [s.action for s in built.steps] == ["anthropic.pause_deployment"]
    assert built.steps[0].call is not None
    assert built.steps[0].call.path == f"/v1/deployments/{dep}/pause"
    assert not sim.mutations()  # planning is a dry run
    report = apply(app, built)
    assert [(s["status"], s["verified"]) for s in report.steps] == [("applied", True)]
    assert sim.agents.deployments[dep].status == "paused"
    assert sim.agents.deployments[dep].paused_reason == {"type": "manual"}
    # Already paused: success, no second pause.
    again = apply(app, plan(app, target("deployment", dep, "reduce")))
    assert [s["status"] for s in again.steps] == ["already_done"]
    archived = apply(app, plan(app, target("deployment", dep)))
    assert [(s["status"], s["verified"]) for s in archived.steps] == [("applied", True)]
    assert sim.agents.deployments[dep].archived_at is not None
    # Every call carried the workspace's key and the beta header (the simulator refuses
    # anything else), and none used the Admin key.
    assert all(r.status < 400 for r in sim.requests if r.path.startswith("/v1/deployments"))


def test_strip_a_deployments_vaults(app: App, sim: SimulatorServer) -> None:
    dep = by_name(sim, "ops-autopilot-nightly")
    assert sim.agents.deployments[dep].vault_ids
    built = plan(app, target("deployment", dep, "reduce", WITHOUT_VAULTS))
    assert built.steps[0].action == "anthropic.remove_deployment_vaults"
    assert built.steps[0].call is not None
    assert built.steps[0].call.body == {"vault_ids": []}
    report = apply(app, built)
    assert [(s["status"], s["verified"]) for s in report.steps] == [("applied", True)]
    assert sim.agents.deployments[dep].vault_ids == []
    assert sim.agents.deployments[dep].status == "active"


def test_archive_an_agent_and_its_deployments_pause(app: App, sim: SimulatorServer) -> None:
    dep = sim.agents.deployments[by_name(sim, "ops-autopilot-nightly")]
    built = plan(app, target("agent", dep.agent_id))
    assert [s.action for s in built.steps] == ["anthropic.archive_agent"]
    report = apply(app, built)
    assert [(s["status"], s["verified"]) for s in report.steps] == [("applied", True)]
    assert sim.agents.agents[dep.agent_id].archived_at is not None
    assert dep.status == "paused"
    assert dep.paused_reason == {"type": "error", "error": {"type": "agent_archived_error"}}
    # Archived in the store after the next sync: nothing left to plan.
    assert run_source(app, "claude").status is RunStatus.COMPLETE
    assert plan(app, target("agent", dep.agent_id)).steps == []


def test_reduce_an_agent_pauses_each_live_deployment(app: App, sim: SimulatorServer) -> None:
    dep = sim.agents.deployments[by_name(sim, "ticket-sync-hourly")]
    built = plan(app, target("agent", dep.agent_id, "reduce"))
    assert [s.action for s in built.steps] == ["anthropic.pause_deployment"]
    report = apply(app, built)
    assert [(s["status"], s["verified"]) for s in report.steps] == [("applied", True)]
    assert dep.status == "paused"
    assert sim.agents.agents[dep.agent_id].archived_at is None


def test_archive_a_vault_credential(app: App, sim: SimulatorServer) -> None:
    cred = next(c for c in sim.agents.credentials.values()
                if c.display_name == "Linear (expired)")
    built = plan(app, target("vault_credential", cred.id))
    assert built.steps[0].call is not None
    assert built.steps[0].call.path == f"/v1/vaults/{cred.vault_id}/credentials/{cred.id}/archive"
    report = apply(app, built)
    assert [(s["status"], s["verified"]) for s in report.steps] == [("applied", True)]
    assert cred.archived_at is not None


def test_actions_are_idempotent_on_the_workspace_client(app: App, sim: SimulatorServer) -> None:
    dep = sim.agents.deployments[by_name(sim, "weekly-report")]
    key = sim.agents.workspace_keys()[dep.workspace_id]
    config = app.settings.source("claude")
    assert isinstance(config, AnthropicConfig)
    with workspace_client(config, key, HttpOptions()) as client:
        for action in (vendor.PauseDeployment(dep.id), vendor.RemoveDeploymentVaults(dep.id),
                       vendor.ArchiveDeployment(dep.id), vendor.ArchiveAgent(dep.agent_id)):
            action.execute(client)
            assert action.verify(client), action
            assert action.execute(client).outcome is Outcome.ALREADY_DONE, action
        gone = vendor.ArchiveVaultCredential("vlt_missing", "vcrd_missing")
        assert gone.execute(client).outcome is Outcome.ALREADY_DONE
        assert gone.verify(client)


def test_without_the_workspace_key_every_step_is_a_console_task(
        database_url: str, app: App, sim: SimulatorServer,
        monkeypatch: pytest.MonkeyPatch) -> None:
    dep = by_name(sim, "weekly-report")
    agent = sim.agents.deployments[dep].agent_id
    cred = next(iter(sim.agents.credentials))
    keyless = make_app(database_url, sim, monkeypatch, keys=False)
    try:
        built = plan(keyless, target("deployment", dep, "reduce"), target("agent", agent),
                     target("vault_credential", cred))
        assert [s.action for s in built.steps] == ["manual", "manual", "manual"]
        for step in built.steps:
            assert step.manual is not None
            assert "Claude Console → Managed Agents" in step.manual.why
            assert sim.agents.deployments[dep].workspace_id in step.manual.why
            assert step.manual.owner == "security@example.com"  # no sponsor recorded
            assert "No sponsor is recorded" in step.manual.why
        report = apply(keyless, built)
        assert [s["status"] for s in report.steps] == ["manual"] * 3
        assert not sim.mutations()
    finally:
        keyless.close()


def test_a_console_task_goes_to_the_agents_sponsor(
        database_url: str, app: App, sim: SimulatorServer,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from tenure.nhi.resolve import refresh

    agent = next(a for a in sim.agents.agents.values() if a.name == "Ops autopilot")
    with app.engine.begin() as conn:
        refresh(conn, app.settings.nhi, app.now())
    keyless = make_app(database_url, sim, monkeypatch, keys=False)
    try:
        (step,) = plan(keyless, target("agent", agent.id)).steps
        assert step.manual is not None
        assert step.manual.owner == agent.metadata["owner"]
        assert f"Accountable: {agent.metadata['owner']}" in step.manual.why
    finally:
        keyless.close()
