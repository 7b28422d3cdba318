"""The OpenAI connector against the product simulator over real loopback HTTP.

The simulator's OpenAI side was written from vendor-apis.md §4 independently of the connector
(they share no code), so these tests catch a misreading on either side: envelope, cursors,
Unix-second timestamps, error shapes, 403s, retries and resumption.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tenure.clock import Clock
from tenure.config import DatabaseConfig, Settings
from tenure.connectors.openai import OpenAIConfig
from tenure.model import RunStatus
from tenure.services.context import App
from tenure.services.sync import SyncResult, run_source
from tenure.simulator import FaultConfig, SimulatorServer, start_simulator
from tenure.simulator.openai_state import OpenAIState
from tenure.store import schema

from .simhelpers import TENURE

pytestmark = pytest.mark.timeout(120)
AUDIT = "/v1/organization/audit_logs"
LOOKBACK = 400  # days: more than the oldest generated event, so the truth is the whole log


@pytest.fixture
def sim() -> Iterator[SimulatorServer]:
    with start_simulator("mixed", seed=3) as server:
        yield server


def oai(sim: SimulatorServer) -> OpenAIState:
    assert sim.openai is not None
    return sim.openai


def sim_app(database_url: str, sim: SimulatorServer, monkeypatch: pytest.MonkeyPatch,
            **options: Any) -> App:
    monkeypatch.setenv("SIM_OPENAI_KEY", sim.openai_admin_key)
    config = OpenAIConfig(name="openai", type="openai", base_url=sim.base_url,
                          api_key_env="SIM_OPENAI_KEY", organization_id="org-sim",
                          backoff_initial_seconds=0.01, backoff_max_seconds=0.05,
                          **{"lookback_days": LOOKBACK, **options})
    # The real clock: the simulator serves "now" as its anchor plus real elapsed time.
    return App(settings=Settings(sources=(config,), database=DatabaseConfig(url=database_url)),
               clock=Clock(), actor="test")


def present(app: App, table: sa.Table) -> set[str]:
    with app.engine.connect() as conn:
        return set(conn.execute(sa.select(table.c.external_id).where(
            table.c.removed_at.is_(None))).scalars())


def audit_ids(app: App) -> list[str]:
    """Stored audit-log ids, with repeats (synthesized last-use events excluded)."""
    a = schema.activities
    with app.engine.connect() as conn:
        return list(conn.execute(sa.select(a.c.external_id).where(
            a.c.source == "openai", a.c.external_id.like("audit_log-%"))).scalars())


def truth(sim: SimulatorServer) -> list[str]:
    return sorted(e["id"] for e in oai(sim).audit)


def usage_rows(app: App) -> set[tuple[str, str]]:
    u = schema.usage_daily
    with app.engine.connect() as conn:
        return {(str(r[0]), r[1]) for r in conn.execute(
            sa.select(u.c.day, u.c.subject_id).where(u.c.source == "openai"))}


def expected_usage(sim: SimulatorServer) -> set[tuple[str, str]]:
    return {(datetime.fromtimestamp(r[0], UTC).date().isoformat(), r[1])
            for r in oai(sim).usage}


def test_sync_matches_the_simulator(database_url: str, sim: SimulatorServer,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    state = oai(sim)
    app = sim_app(database_url, sim, monkeypatch, page_size=7)
    try:
        result = run_source(app, "openai")
        assert result.status is RunStatus.COMPLETE, (result.error, result.gaps)
        assert result.tenant == "org-sim"
        assert result.complete_types == {"account", "invite", "workspace", "grant",
                                         "credential", "group", "group_member", "role",
                                         "role_assignment"}
        assert present(app, schema.accounts) == set(state.users) | set(state.service_accounts)
        assert present(app, schema.credentials) == set(state.keys) | set(state.admin_keys)
        assert present(app, schema.workspaces) == set(state.projects)
        grants = {f"{u}@organization:org-sim:{v['role']}" for u, v in state.users.items()}
        grants |= {f"{u}@workspace:{p}:{m['role']}" for p, ms in state.members.items()
                   for u, m in ms.items()}
        grants |= {f"{s}@workspace:{v['project_id']}:{v['role']}"
                   for s, v in state.service_accounts.items()}
        assert present(app, schema.grants) == grants
        assert sorted(audit_ids(app)) == truth(sim)
        assert usage_rows(app) == expected_usage(sim)
        with app.engine.connect() as conn:
            access = dict(conn.execute(sa.select(schema.credentials.c.external_id,
                                                 schema.credentials.c.owner_access)).all())
        assert {k: state.owner_access(v) for k, v in state.keys.items()} == {
            k: access[k] for k in state.keys}
        audit_requests = sum(1 for r in sim.requests if r.path == AUDIT)
        again = run_source(app, "openai")
        assert again.status is RunStatus.COMPLETE
        assert sorted(audit_ids(app)) == truth(sim)  # nothing duplicated
        # Incremental: the second run reads only the overlap, one page per stream (the
        # organization's events and the tenant-scoped ones, each with its own cursor).
        assert sum(1 for r in sim.requests if r.path == AUDIT) - audit_requests == 2
        with app.engine.connect() as conn:
            cursors = dict(conn.execute(sa.select(schema.sync_cursors.c.stream,
                                                  schema.sync_cursors.c.cursor)).all())
            tenant = set(conn.execute(sa.select(schema.activities.c.action).where(
                schema.activities.c.action.like("tenant.%"))).scalars())
            assigned = conn.execute(
                sa.select(schema.activity_targets.c.target_id,
                          schema.activity_targets.c.relation)
                .join(schema.activities, sa.and_(
                    schema.activities.c.external_id == schema.activity_targets.c.external_id,
                    schema.activities.c.occurred_at == schema.activity_targets.c.occurred_at))
                .where(schema.activities.c.action == "role.assignment.created")).all()
        assert {"audit_logs", "audit_logs_tenant"} <= set(cursors)
        assert cursors["audit_logs"] != cursors["audit_logs_tenant"]
        assert tenant == {e["type"] for e in state.audit if e["type"].startswith("tenant.")}
        assert {r for r in assigned if r[1] == "subject"}  # the grantee is kept
        assert sim.mutations() == []  # a sync never writes to the vendor
    finally:
        app.close()


def test_faults_and_page_cap_still_give_the_exact_log(sqlite_url: str, sim: SimulatorServer,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    sim.set_faults(FaultConfig(random_rate=0.15, random_seed=5, retry_after=0.02,
                               truncate_every=11, page_cap=6, overloaded_every=13))
    app = sim_app(sqlite_url, sim, monkeypatch, max_retries=10)
    try:
        result = run_source(app, "openai")
        assert result.status is RunStatus.COMPLETE, (result.error, result.gaps)
        assert result.notes["http_retries"] > 0
        assert sorted(audit_ids(app)) == truth(sim)
        assert usage_rows(app) == expected_usage(sim)
    finally:
        app.close()


@pytest.mark.parametrize("pathology", [{"repeat_cursor": True},
                                       {"empty_page_with_more": True}])
@pytest.mark.timeout(60)
def test_pathologies_end_in_a_clear_error(sqlite_url: str, sim: SimulatorServer,
                                          monkeypatch: pytest.MonkeyPatch,
                                          pathology: dict[str, Any]) -> None:
    sim.set_faults(FaultConfig(page_cap=5, **pathology))
    app = sim_app(sqlite_url, sim, monkeypatch)
    try:
        result = run_source(app, "openai")
    finally:
        app.close()
    assert result.status is RunStatus.FAILED
    assert result.error is not None
    assert "again" in result.error or "empty page" in result.error


def test_what_the_key_may_not_read_is_a_gap(sqlite_url: str,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    without = ("openai_audit_logs", "openai_usage", "openai_admin_keys")
    with start_simulator("mixed", seed=2, without=without) as server:
        app = sim_app(sqlite_url, server, monkeypatch)
        try:
            result = run_source(app, "openai")
        finally:
            app.close()
    assert result.status is RunStatus.PARTIAL, result.error
    assert {g.record_type for g in result.gaps} == {"activity", "usage", "credential"}
    assert all("HTTP 403" in g.reason for g in result.gaps)
    # Keys were not all listed, so none may be retired; everything else is complete.
    assert result.complete_types == {"account", "invite", "workspace", "grant", "group",
                                     "group_member", "role", "role_assignment"}


def test_a_refused_bracket_filter_is_read_unfiltered(
    tmp_path: Path, sqlite_template: Path, sim: SimulatorServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    oai(sim).bracket_filter = False
    options: dict[str, Any] = {"lookback_days": 30, "page_size": 20, "max_retries": 0}
    shutil.copy(sqlite_template, tmp_path / "probe.db")
    sim.set_faults(FaultConfig())  # numbers requests from 1 again
    probe = sim_app(f"sqlite:///{tmp_path / 'probe.db'}", sim, monkeypatch, **options)
    try:
        assert run_source(probe, "openai").status is RunStatus.COMPLETE
    finally:
        probe.close()
    audit = [r for r in sim.requests if r.path == AUDIT]
    assert audit[0].status == 400  # the bracket form, refused
    assert len(audit) > 4
    # The unfiltered read fails at its third page, then resumes from the committed cursor.
    sim.set_faults(FaultConfig(fail_requests=frozenset({audit[3].number})))
    shutil.copy(sqlite_template, tmp_path / "store.db")
    app = sim_app(f"sqlite:///{tmp_path / 'store.db'}", sim, monkeypatch, **options)
    try:
        first = run_source(app, "openai")
        assert first.status is RunStatus.PARTIAL, first.error
        assert "audit_logs_filter" in first.notes
        tenant = {e["id"] for e in oai(sim).audit if e["type"].startswith("tenant.")}
        # Two pages of the organization's stream stayed; the tenant stream, with its own
        # cursor, was read in full all the same.
        assert len(set(audit_ids(app)) - tenant) == 40
        assert tenant & set(audit_ids(app))
        sim.set_faults(FaultConfig())
        result = run_source(app, "openai")
        assert result.status is RunStatus.COMPLETE, (result.error, result.gaps)
        since = oai(sim).now() - 30 * 86_400
        window = sorted(e["id"] for e in oai(sim).audit if e["effective_at"] >= since)
        assert sorted(audit_ids(app)) == window
    finally:
        app.close()


def _sync(app: App) -> SyncResult:
    return run_source(app, "openai")


def test_resume_after_a_failure_at_every_audit_page(
    tmp_path: Path, sqlite_template: Path, sim: SimulatorServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The audit log fails for good at page k (k = 1..all): what was committed stays, the
    next run resumes from the committed cursor; 0 lost, 0 duplicated."""
    page = 25
    sim.set_faults(FaultConfig())  # numbers requests from 1 again
    def fresh(name: str) -> str:
        shutil.copy(sqlite_template, tmp_path / name)
        return f"sqlite:///{tmp_path / name}"

    # The organization's stream alone (the tenant stream has its own test below).
    organization = sorted(i for i in truth(sim) if i not in _tenant_ids(sim))
    baseline = sim_app(fresh("baseline.db"), sim, monkeypatch, page_size=page,
                       usage=False, tenant_audit_logs=False)
    try:
        assert _sync(baseline).status is RunStatus.COMPLETE
    finally:
        baseline.close()
    numbers = [r.number for r in sim.requests if r.path == AUDIT]
    assert len(numbers) == len(organization) // page + 1
    for k, number in enumerate(numbers, start=1):
        sim.set_faults(FaultConfig(fail_requests=frozenset({number})))
        app = sim_app(fresh(f"resume{k}.db"), sim, monkeypatch, page_size=page,
                      max_retries=0, usage=False, tenant_audit_logs=False)
        try:
            first = _sync(app)
            assert first.status is RunStatus.PARTIAL, (k, first.error)
            assert [g.record_type for g in first.gaps] == ["activity"]
            kept = audit_ids(app)
            assert len(kept) == len(set(kept)) == (k - 1) * page
            sim.set_faults(FaultConfig())
            second = _sync(app)
            assert second.status is RunStatus.COMPLETE, (k, second.error)
            assert sorted(audit_ids(app)) == organization, k
        finally:
            app.close()


def _tenant_ids(sim: SimulatorServer) -> set[str]:
    return {e["id"] for e in oai(sim).audit if e["type"].startswith("tenant.")}


def test_the_tenant_stream_fails_and_resumes_on_its_own(
    tmp_path: Path, sqlite_template: Path, sim: SimulatorServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A failed tenant_only request is a Gap for that stream only: the organization's events
    are all stored, and the next run reads the tenant events from their own cursor."""
    def fresh(name: str) -> str:
        shutil.copy(sqlite_template, tmp_path / name)
        return f"sqlite:///{tmp_path / name}"

    sim.set_faults(FaultConfig())  # numbers requests from 1 again
    probe = sim_app(fresh("probe.db"), sim, monkeypatch, usage=False)
    try:
        assert _sync(probe).status is RunStatus.COMPLETE
    finally:
        probe.close()
    tenant_requests = frozenset(r.number for r in sim.requests
                                if r.path == AUDIT and "tenant_only=true" in r.query)
    assert tenant_requests
    assert all("tenant_only" not in r.query for r in sim.requests
               if r.path == AUDIT and r.number not in tenant_requests)
    sim.set_faults(FaultConfig(fail_requests=tenant_requests))
    app = sim_app(fresh("store.db"), sim, monkeypatch, usage=False, max_retries=0)
    try:
        first = _sync(app)
        assert first.status is RunStatus.PARTIAL, first.error
        assert [g.record_type for g in first.gaps] == ["activity"]
        assert set(audit_ids(app)) == set(truth(sim)) - _tenant_ids(sim)
        sim.set_faults(FaultConfig())
        again = _sync(app)
        assert again.status is RunStatus.COMPLETE, (again.error, again.gaps)
        assert sorted(audit_ids(app)) == truth(sim)
    finally:
        app.close()


def test_cli_sync_with_faults_shows_retries_and_gaps_and_no_secret(
    tmp_path: Path, sqlite_url: str
) -> None:
    faults = FaultConfig(random_rate=0.2, random_seed=1, retry_after=0.02)
    with start_simulator("mixed", seed=4, faults=faults,
                         without=("openai_audit_logs",)) as server:
        config = tmp_path / "tenure.toml"
        config.write_text(
            '[[sources]]\nname = "openai"\ntype = "openai"\n'
            f'base_url = "{server.base_url}"\napi_key_env = "SIM_OPENAI_KEY"\n'
            "backoff_initial_seconds = 0.02\nmax_retries = 10\n", encoding="utf-8")
        env = {**os.environ, "SIM_OPENAI_KEY": server.openai_admin_key,
               "TENURE_DATABASE_URL": sqlite_url, "TENURE_CONFIG": str(config),
               "COLUMNS": "250", "NO_COLOR": "1"}
        done = subprocess.run([TENURE, "sync"], env=env, capture_output=True, text=True,
                              timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "partial" in done.stdout
    assert "activity: invalid_request_error (HTTP 403)" in done.stdout
    row = next(line for line in done.stdout.splitlines() if line.strip().startswith("│ openai"))
    assert int([cell.strip() for cell in row.split("│")][-3]) > 0  # retries taken
    assert server.openai_admin_key not in done.stdout + done.stderr
