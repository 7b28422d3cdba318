"""Containment of Anthropic service accounts, their memberships and federation rules: planned
as the exact OAuth-plane calls (rules before the service account), applied on the simulator
over real HTTP, verified by a fresh read; the vendor's refusal while a rule is live; manual
Console tasks where the OAuth credential is not configured. SQLite and PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from tenure.actions.plan import Plan, Target
from tenure.actions.planner import build_plan
from tenure.actions.runner import ApplyReport, Guards, apply_plan
from tenure.clock import Clock
from tenure.config import DatabaseConfig, Settings
from tenure.connectors.anthropic import AnthropicConfig
from tenure.model import RunStatus
from tenure.services.context import App
from tenure.services.sync import run_source
from tenure.simulator import SimulatorServer, start_simulator
from tests.agent_keys import agent_workspaces
from tests.connectors.nhi_plant import Planted, plant

pytestmark = pytest.mark.timeout(180)
GUARDS = Guards(max_actions=50, max_percent=100.0, max_plan_age=timedelta(hours=1),
                require_approval=False)


@pytest.fixture
def sim() -> Iterator[SimulatorServer]:
    with start_simulator("default", seed=3) as server:
        yield server


def make_app(database_url: str, sim: SimulatorServer, monkeypatch: pytest.MonkeyPatch,
             oauth: bool = True) -> App:
    monkeypatch.setenv("SIM_ADMIN_KEY", sim.admin_key)
    monkeypatch.setenv("SIM_OAUTH_TOKEN", sim.oauth_token)
    config = AnthropicConfig(name="claude", type="anthropic", base_url=sim.base_url,
                             api_key_env="SIM_ADMIN_KEY", activities=False, usage=False,
                             claude_code=False,
                             oauth_token_env="SIM_OAUTH_TOKEN" if oauth else None,
                             agent_workspaces=agent_workspaces(sim, monkeypatch.setenv))
    return App(settings=Settings(sources=(config,), database=DatabaseConfig(url=database_url)),
               clock=Clock(), actor="test")


@pytest.fixture
def synced(database_url: str, sim: SimulatorServer,
           monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[App, Planted]]:
    got = plant(sim)
    app = make_app(database_url, sim, monkeypatch)
    assert run_source(app, "claude").status is RunStatus.COMPLETE
    yield app, got
    app.close()


def target(app: App, kind: str, subject: str, operation: str = "revoke",
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


def steps(built: Plan) -> list[tuple[str, Any]]:
    return [(s.action, s.call.path if s.call else s.manual.why if s.manual else None)
            for s in built.steps]


def test_archiving_a_service_account_archives_its_rules_first(
        synced: tuple[App, Planted], sim: SimulatorServer) -> None:
    app, got = synced
    built = plan(app, target(app, "service_account", got.ci))
    assert [a for a, _ in steps(built)] == [
        "anthropic.archive_federation_rule", "anthropic.archive_federation_rule",
        "anthropic.archive_service_account", "anthropic.set_key_status"]
    assert built.steps[0].call is not None
    assert built.steps[0].call.path.endswith(f"{got.listed_rule}/archive")
    assert built.steps[1].call is not None
    assert built.steps[1].call.path.endswith(f"{got.main_rule}/archive")
    assert built.steps[2].args["after_rules"] == [got.listed_rule, got.main_rule]
    assert not sim.mutations()  # planning is a dry run
    report = apply(app, built)
    assert [s["status"] for s in report.steps] == ["applied"] * 4, report.steps
    assert all(s["verified"] for s in report.steps)
    p = got.plane
    assert p.service_accounts[got.ci].archived_at is not None
    assert p.rules[got.main_rule].archived_at is not None
    assert p.rules[got.main_rule].workspaces == {}
    assert sim.state.key_status(sim.state.keys[got.sa_key]) == "inactive"
    # the Admin key never reached the OAuth plane
    oauth = [r for r in sim.requests if r.path.startswith(("/v1/organizations/federation",
                                                           "/v1/organizations/service_acc"))]
    assert all(r.status < 400 for r in oauth)


def test_the_vendor_refuses_while_a_console_only_rule_is_live(
        synced: tuple[App, Planted], sim: SimulatorServer) -> None:
    app, got = synced
    built = plan(app, target(app, "service_account", got.admin))
    manual, archive = built.steps
    assert manual.action == "manual"
    assert manual.manual is not None
    assert "Console → Settings → Workload identity" in manual.manual.why
    assert "org:admin" in manual.manual.why
    assert archive.action == "anthropic.archive_service_account"
    report = apply(app, built)
    assert report.steps[0]["status"] == "manual"
    assert report.steps[1]["status"] == "failed"
    assert got.wild_rule in report.steps[1]["detail"]  # the vendor's 400 names the rule
    assert got.plane.service_accounts[got.admin].archived_at is None


def test_without_the_oauth_credential_every_step_is_a_console_task(
        database_url: str, sim: SimulatorServer, monkeypatch: pytest.MonkeyPatch) -> None:
    got = plant(sim)
    synced_app = make_app(database_url, sim, monkeypatch)
    assert run_source(synced_app, "claude").status is RunStatus.COMPLETE
    synced_app.close()
    app = make_app(database_url, sim, monkeypatch, oauth=False)
    try:
        built = plan(app, target(app, "service_account", got.ci),
                     target(app, "workload_identity", got.main_rule))
        kinds = [s.action for s in built.steps]
        assert kinds == ["manual", "manual", "manual", "anthropic.set_key_status", "manual"]
        whys = [s.manual.why for s in built.steps if s.manual]
        assert all("oauth_token_env" in w for w in whys)
        assert "Console → Settings → Service accounts" in whys[2]
        assert all(s.manual.owner == "security@example.com" for s in built.steps if s.manual)
    finally:
        app.close()


def test_memberships_remove_downgrade_and_the_implicit_default(
        synced: tuple[App, Planted], sim: SimulatorServer) -> None:
    app, got = synced
    explicit = f"{got.ci}@workspace:{got.ws2}:workspace_user"
    developer = f"{got.ci}@workspace:{got.ws}:workspace_developer"
    implicit = f"{got.ci}@workspace:{got.default_ws}:workspace_user"
    built = plan(app, target(app, "grant", explicit),
                 target(app, "grant", developer, "reduce", "workspace_restricted_developer"),
                 target(app, "grant", implicit))
    remove, reduce, keep = built.steps
    assert remove.action == "anthropic.remove_service_account_workspace"
    assert reduce.action == "anthropic.set_service_account_workspace_role"
    assert keep.action == "manual"
    assert keep.manual is not None
    assert "implicit default-workspace membership" in keep.manual.why
    assert "no call removes it" in keep.manual.why
    report = apply(app, built)
    assert [s["status"] for s in report.steps] == ["applied", "applied", "manual"]
    assert report.steps[0]["verified"]
    assert report.steps[1]["verified"]
    p = got.plane
    assert (got.ci, got.ws2) not in p.memberships
    assert p.memberships[(got.ci, got.ws)].workspace_role == "workspace_restricted_developer"


def test_rule_archive_and_service_account_downgrade(
        synced: tuple[App, Planted], sim: SimulatorServer) -> None:
    app, got = synced
    built = plan(app, target(app, "workload_identity", got.main_rule),
                 target(app, "service_account", got.admin, "reduce"),
                 target(app, "workload_identity", got.gone_rule))
    assert [s.action for s in built.steps] == ["anthropic.archive_federation_rule",
                                               "anthropic.set_service_account_role"]
    report = apply(app, built)
    assert [s["status"] for s in report.steps] == ["applied", "applied"]
    assert all(s["verified"] for s in report.steps)
    assert got.plane.rules[got.main_rule].archived_at is not None
    assert got.plane.service_accounts[got.admin].organization_role == "developer"
    # applying again is idempotent: already done, not an error
    again = plan(app, target(app, "workload_identity", got.main_rule))
    assert [s["status"] for s in apply(app, again).steps] == ["already_done"]
