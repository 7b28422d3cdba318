"""The Anthropic connector against the product simulator over real loopback HTTP.

The simulator was written from the same contract by someone else and shares no code with the
connector, so these tests catch misreadings on either side.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tenure.clock import Clock
from tenure.config import DatabaseConfig, Settings
from tenure.connectors.anthropic import AnthropicConfig
from tenure.connectors.anthropic.actions import (
    DowngradeOrgRole,
    Outcome,
    RemoveOrgUser,
    RemoveWorkspaceMember,
    SetKeyStatus,
)
from tenure.connectors.anthropic.fetch import make_client
from tenure.model import RunStatus
from tenure.services.context import App
from tenure.services.sync import run_source
from tenure.simulator import FaultConfig, SimulatorServer, start_simulator
from tenure.simulator.anthropic_nhi_sa import plane
from tenure.store import schema
from tests.agent_keys import agent_workspaces
from tests.gaps import read_gaps

from .simhelpers import TENURE, history_days, sim_env, stored_activity_ids, write_config

pytestmark = pytest.mark.timeout(180)


@pytest.fixture
def sim() -> Iterator[SimulatorServer]:
    with start_simulator("default", seed=3) as server:
        yield server


def sim_app(database_url: str, sim: SimulatorServer, monkeypatch: pytest.MonkeyPatch,
            **options: Any) -> App:
    monkeypatch.setenv("SIM_ADMIN_KEY", sim.admin_key)
    monkeypatch.setenv("SIM_OAUTH_TOKEN", sim.oauth_token)
    if sim.compliance_key:
        monkeypatch.setenv("SIM_COMPLIANCE_KEY", sim.compliance_key)
    config = AnthropicConfig(
        name="claude", type="anthropic", base_url=sim.base_url, api_key_env="SIM_ADMIN_KEY",
        compliance_api_key_env="SIM_COMPLIANCE_KEY" if sim.compliance_key else None,
        backoff_initial_seconds=0.01, backoff_max_seconds=0.1,
        **{"lookback_days": history_days(sim), "oauth_token_env": "SIM_OAUTH_TOKEN",
           "agent_workspaces": agent_workspaces(sim, monkeypatch.setenv), **options})
    # The real clock: the simulator serves "now" as its anchor plus real elapsed time.
    return App(settings=Settings(sources=(config,), database=DatabaseConfig(url=database_url)),
               clock=Clock(), actor="test")


def truth(sim: SimulatorServer) -> list[str]:
    return list(sim.state.feed.ids())


def present(app: App, table: sa.Table) -> set[str]:
    with app.engine.connect() as conn:
        return set(conn.execute(sa.select(table.c.external_id).where(
            table.c.removed_at.is_(None))).scalars())


def test_sync_matches_the_simulator(database_url: str, sim: SimulatorServer,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    app = sim_app(database_url, sim, monkeypatch, activity_page_size=100)
    try:
        result = run_source(app, "claude")
        assert result.status is RunStatus.COMPLETE, (result.error, result.gaps)
        assert result.tenant == sim.scenario.org["id"]
        assert result.complete_types == {"account", "invite", "workspace", "grant",
                                         "service_account", "federation_issuer",
                                         "federation_rule",
                                         "credential", "agent", "agent_environment",
                                         "agent_deployment", "vault", "vault_credential"}
        # seats and the service accounts the generator plants (the OAuth plane)
        assert present(app, schema.accounts) == set(sim.state.users) | set(
            plane(sim.state).service_accounts)
        assert present(app, schema.agents) == set(sim.agents.agents)
        assert present(app, schema.credentials) == set(sim.state.keys)
        # include_default=true: the default workspace is a real, stored workspace
        assert present(app, schema.workspaces) == set(sim.state.workspaces) | {
            sim.scenario.default_workspace_id}
        with app.engine.connect() as conn:
            scoped = set(conn.execute(sa.select(schema.credentials.c.workspace_id)).scalars())
            owners = dict(conn.execute(sa.select(schema.credentials.c.external_id,
                                                 schema.credentials.c.owner_id)).all())
        assert scoped <= present(app, schema.workspaces)  # every key points at a real one
        # the simulator spells principal both ways (user_actor/user_id and user/id); a key a
        # service account owns names it
        assert owners == {k.id: k.service_account_id or k.created_by
                          for k in sim.state.keys.values()}
        assert "unrecognised_key_owners" not in result.notes
        # org admins' implicit workspace_admin role in the default workspace is a real grant
        default = sim.scenario.default_workspace_id
        admins = {u.id for u in sim.state.users.values() if u.role == "admin"}
        with app.engine.connect() as conn:
            in_default = set(conn.execute(sa.select(schema.grants.c.account_id).where(
                schema.grants.c.scope_id == default,
                schema.grants.c.role == "workspace_admin")).scalars())
        assert admins
        assert admins <= in_default
        ids = stored_activity_ids(database_url)
        assert sorted(ids) == sorted(truth(sim))
        again = run_source(app, "claude")
        assert again.status is RunStatus.COMPLETE
        assert sorted(stored_activity_ids(database_url)) == sorted(truth(sim))
    finally:
        app.close()


def test_revocation_actions_against_the_simulator(database_url: str, sim: SimulatorServer,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    # Tenure is told the id of its own Admin key: its changes come back as Tenure's.
    app = sim_app(database_url, sim, monkeypatch, admin_key_id=sim.admin_key_id)
    config = app.settings.source("claude")
    assert isinstance(config, AnthropicConfig)
    try:
        run_source(app, "claude")
        users = [u for u in sim.state.users.values() if u.role in ("user", "developer")]
        victim, demoted = users[0].id, users[1].id
        key = next(k for k in sim.state.keys.values() if sim.state.key_status(k) == "active")
        member = next(iter(sim.state.members.values()))
        with make_client(config, sim.admin_key) as client:
            actions = [RemoveOrgUser(victim), DowngradeOrgRole(demoted, "user"),
                       SetKeyStatus(key.id, "archived"),
                       RemoveWorkspaceMember(member.workspace_id, member.user_id)]
            for action in actions:
                first = action.execute(client)
                assert action.verify(client), action
                # Idempotent: a second run changes nothing and says so.
                assert action.execute(client).outcome is Outcome.ALREADY_DONE, action
                assert first.outcome in (Outcome.APPLIED, Outcome.ALREADY_DONE)
        result = run_source(app, "claude")
        assert result.status is RunStatus.COMPLETE
        assert victim not in present(app, schema.accounts)
        with app.engine.connect() as conn:
            status = conn.execute(sa.select(schema.credentials.c.status).where(
                schema.credentials.c.external_id == key.id)).scalar_one()
            actions_seen = set(conn.execute(sa.select(schema.activities.c.action).where(
                schema.activities.c.category == "admin")).scalars())
        assert status == "archived"
        assert {"org_user_deleted", "scoped_api_key_updated"} <= actions_seen
        assert sorted(stored_activity_ids(database_url)) == sorted(truth(sim))
        with app.engine.connect() as conn:
            removal = conn.execute(
                sa.select(schema.activities.c.actor_kind, schema.activities.c.actor_id,
                          schema.activity_targets.c.target_id,
                          schema.activity_targets.c.target_email)
                .join(schema.activity_targets, sa.and_(
                    schema.activity_targets.c.external_id == schema.activities.c.external_id,
                    schema.activity_targets.c.occurred_at == schema.activities.c.occurred_at))
                .where(schema.activities.c.action == "org_user_deleted",
                       schema.activity_targets.c.target_id == victim)).one()
        assert tuple(removal) == ("tenure", sim.admin_key_id, victim,
                                  removal.target_email)
        assert removal.target_email  # deleted_user_email is kept
    finally:
        app.close()


def test_feed_actors_targets_and_claude_code_keys(sqlite_url: str, sim: SimulatorServer,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    app = sim_app(sqlite_url, sim, monkeypatch)
    a, t = schema.activities, schema.activity_targets
    try:
        result = run_source(app, "claude")
        assert result.status is RunStatus.COMPLETE, (result.error, result.gaps)
        with app.engine.connect() as conn:
            kinds = set(conn.execute(sa.select(a.c.actor_kind).distinct()).scalars())
            staff = conn.execute(sa.select(a.c.category, a.c.actor_id).where(
                a.c.actor_kind == "vendor_staff").distinct()).all()
            grouped = conn.execute(sa.select(sa.func.count()).select_from(t).where(
                t.c.target_type == "account")).scalar_one()
            cc_keys = set(conn.execute(sa.select(a.c.actor_id).where(
                a.c.action == "claude_code_usage", a.c.actor_kind == "api_key")).scalars())
        assert {"user", "admin_key", "service_account", "scim", "vendor_staff", "system",
                "unauthenticated"} <= kinds
        assert staff == [("vendor_access", "anthropic")]
        assert grouped >= 1  # group_member_added: one target per member
        steady = next(d for d in sim.scenario.directory
                      if d["type"] == "api_actor" and d.get("api_key_id"))
        assert cc_keys == {steady["api_key_id"], None}  # resolved, and one left unresolved
        assert result.notes["claude_code_unresolved_keys"] == {
            "retired-ci-key": "no active key has this name"}
    finally:
        app.close()


def test_admin_role_cannot_be_assigned() -> None:
    with pytest.raises(ValueError, match="cannot be assigned"):
        DowngradeOrgRole("user_x", "admin")
    assert SetKeyStatus("apikey_x", "inactive").call().body == {"status": "inactive"}
    call = RemoveWorkspaceMember("wrkspc_1", "user_2").call()
    assert (call.method, call.path) == ("DELETE",
                                        "/v1/organizations/workspaces/wrkspc_1/members/user_2")


@pytest.mark.parametrize(("scenario", "gaps"), [
    # No workspaces, so no workspace credential for managed agents either: Gaps, not empties.
    ("enterprise", {"workspace", "credential", "usage", "agent", "agent_environment",
                    "agent_deployment", "vault", "vault_credential"}),
    ("no-compliance", {"activity"}),
])
def test_features_an_org_lacks_are_gaps(sqlite_url: str, monkeypatch: pytest.MonkeyPatch,
                                        scenario: str, gaps: set[str]) -> None:
    with start_simulator(scenario, seed=2) as server:
        app = sim_app(sqlite_url, server, monkeypatch)
        try:
            result = run_source(app, "claude")
        finally:
            app.close()
    assert result.status is RunStatus.PARTIAL, result.error
    assert {g.record_type for g in read_gaps(result.gaps)} == gaps
    assert {"account", "invite"} <= result.complete_types


def test_faults_and_page_cap_still_give_the_exact_feed(sqlite_url: str, sim: SimulatorServer,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    sim.set_faults(FaultConfig(random_rate=0.15, random_seed=5, retry_after=0.05,
                               truncate_every=11, page_cap=40))
    app = sim_app(sqlite_url, sim, monkeypatch, max_retries=10)
    try:
        result = run_source(app, "claude")
    finally:
        app.close()
    assert result.status is RunStatus.COMPLETE, (result.error, result.gaps)
    assert result.notes["http_retries"] > 0
    assert sorted(stored_activity_ids(sqlite_url)) == sorted(truth(sim))


@pytest.mark.parametrize("pathology", [{"repeat_cursor": True},
                                       {"empty_page_with_more": True, "page_cap": 30}])
@pytest.mark.timeout(60)
def test_simulator_pathologies_end_in_a_clear_error(
    sqlite_url: str, sim: SimulatorServer, monkeypatch: pytest.MonkeyPatch,
    pathology: dict[str, Any],
) -> None:
    sim.set_faults(FaultConfig(page_cap=30, **{k: v for k, v in pathology.items()
                                               if k != "page_cap"}))
    app = sim_app(sqlite_url, sim, monkeypatch)
    try:
        result = run_source(app, "claude")
    finally:
        app.close()
    assert result.status is RunStatus.FAILED
    assert result.error is not None
    assert "again" in result.error or "empty page" in result.error


def test_cli_sync_with_faults_shows_retries_and_gaps(tmp_path: Path, sqlite_url: str) -> None:
    with start_simulator("no-compliance", seed=4,
                         faults=FaultConfig(random_rate=0.2, random_seed=1,
                                            retry_after=0.05)) as server:
        config = write_config(tmp_path / "tenure.toml", server, lookback_days=30,
                              backoff_initial_seconds=0.02, max_retries=10)
        done = subprocess.run([TENURE, "sync"], env=sim_env(server, sqlite_url, config),
                              capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "partial" in out
    assert "activity: permission_error (HTTP 403)" in out
    assert "retries" in out
    row = next(line for line in out.splitlines() if line.strip().startswith("│ claude"))
    retries = [cell.strip() for cell in row.split("│")][-3]
    assert int(retries) > 0
    assert server.admin_key not in out + done.stderr


def snapshot(url: str) -> dict[str, Any]:
    """Everything a sync leaves in the store that later stages read."""
    engine = sa.create_engine(url)
    out: dict[str, Any] = {}
    try:
        with engine.connect() as conn:
            for name, table in (("account", schema.accounts), ("invite", schema.invites),
                                ("workspace", schema.workspaces),
                                ("credential", schema.credentials), ("grant", schema.grants)):
                out[name] = sorted(conn.execute(sa.select(table.c.external_id).where(
                    table.c.removed_at.is_(None))).scalars())
            out["usage"] = sorted(conn.execute(sa.select(
                schema.usage_daily.c.subject_id, schema.usage_daily.c.day,
                schema.usage_daily.c.input_tokens, schema.usage_daily.c.output_tokens)).all())
            out["activity"] = sorted(conn.execute(sa.select(
                schema.activities.c.external_id)).scalars())
            out["rollups"] = sorted(conn.execute(sa.select(
                schema.activity_daily.c.principal_type, schema.activity_daily.c.principal_id,
                schema.activity_daily.c.day, schema.activity_daily.c.category,
                schema.activity_daily.c.events)).all())
    finally:
        engine.dispose()
    return out


@pytest.mark.timeout(600)
def test_t2_a_fault_at_every_request_is_recorded_then_resumes_identically(
    tmp_path: Path, sqlite_template: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """T2: fail request N (N = 1..all) with no retries left; the run ends complete, partial
    (a Gap) or failed — always recorded — and a clean re-run gives the baseline store."""
    import shutil

    with start_simulator("default", seed=8) as server:
        def fresh(name: str) -> str:
            path = tmp_path / f"{name}.db"
            shutil.copy(sqlite_template, path)
            return f"sqlite:///{path}"

        def run(url: str) -> Any:
            app = sim_app(url, server, monkeypatch, claude_code=False, max_retries=0)
            try:
                return run_source(app, "claude")
            finally:
                app.close()

        base_url = fresh("baseline")
        server.set_faults(FaultConfig())
        assert run(base_url).status is RunStatus.COMPLETE
        total = server.faults.count
        baseline = snapshot(base_url)
        outcomes: dict[str, int] = {}
        for n in range(1, total + 1):
            url = fresh(f"n{n}")
            server.set_faults(FaultConfig(fail_requests=frozenset({n}), server_error_status=503))
            faulted = run(url)
            outcomes[str(faulted.status)] = outcomes.get(str(faulted.status), 0) + 1
            if faulted.status is RunStatus.FAILED:
                assert faulted.error
                assert "503" in faulted.error
            elif faulted.status is RunStatus.PARTIAL:
                assert {g.reason for g in read_gaps(faulted.gaps)} <= {"unavailable after retries",
                                                            "workspaces unreadable"}
            server.set_faults(FaultConfig())
            assert run(url).status is RunStatus.COMPLETE
            assert snapshot(url) == baseline, f"fault at request {n} changed the outcome"
    assert outcomes.get("partial", 0) > 0
