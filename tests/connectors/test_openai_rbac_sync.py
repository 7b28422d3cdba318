"""The OpenAI groups/roles/role-assignments streams against the simulator over real loopback
HTTP, on SQLite and PostgreSQL: what is stored equals what the simulator holds; an org
without RBAC is a Gap for exactly those types; a removed member is retired after a complete
run."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from tenure.model import RunStatus
from tenure.services.sync import run_source
from tenure.simulator import FaultConfig, SimulatorServer, start_simulator
from tenure.simulator.openai_state import OpenAIState
from tenure.store import schema

from .test_openai_simulator import present, sim_app

pytestmark = pytest.mark.timeout(120)
RBAC_TYPES = {"group", "group_member", "role", "role_assignment"}


@pytest.fixture
def sim() -> Iterator[SimulatorServer]:
    with start_simulator("mixed", seed=7) as server:
        yield server


def oai(sim: SimulatorServer) -> OpenAIState:
    assert sim.openai is not None
    return sim.openai


def expected_assignments(state: OpenAIState) -> set[str]:
    out = set()
    for ptype, pid, scope, role_id in state.rbac.assignments:
        level = f"workspace:{scope}" if scope else "organization:"
        out.add(f"{ptype}:{pid}@{level}:{role_id}")
    return out


def test_rbac_sync_matches_the_simulator(database_url: str, sim: SimulatorServer,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    state = oai(sim)
    app = sim_app(database_url, sim, monkeypatch, page_size=1)  # every list pages
    try:
        result = run_source(app, "openai")
        assert result.status is RunStatus.COMPLETE, (result.error, result.gaps)
        assert result.complete_types >= RBAC_TYPES
        assert present(app, schema.groups) == set(state.rbac.groups)
        assert present(app, schema.group_members) == {
            f"{g}:{u}" for g, members in state.rbac.members.items() for u in members}
        assert present(app, schema.roles) == set(state.rbac.roles)
        assert present(app, schema.role_assignments) == expected_assignments(state)
        g = schema.groups
        with app.engine.connect() as conn:
            sources = dict(conn.execute(sa.select(g.c.external_id, g.c.source_type)).all())
            origins = set(conn.execute(sa.select(
                schema.role_assignments.c.principal_id,
                schema.role_assignments.c.origin).where(
                schema.role_assignments.c.scope_type == "workspace",
                schema.role_assignments.c.principal_kind == "group")).all())
        assert {k for k, v in sources.items() if v == "scim"} == {
            k for k, v in state.rbac.groups.items() if v["is_scim_managed"]}
        assert {o for _, o in origins} == {"project_group"}
        assert sim.mutations() == []

        # A member removed on the platform is retired by the next complete run.
        group_id = next(g for g, v in state.rbac.groups.items() if not v["is_scim_managed"]
                        and state.rbac.members[g])
        user_id = next(iter(state.rbac.members[group_id]))
        state.rbac.remove_member(group_id, user_id)
        assert run_source(app, "openai").status is RunStatus.COMPLETE
        assert f"{group_id}:{user_id}" not in present(app, schema.group_members)
    finally:
        app.close()


def test_an_org_without_rbac_is_a_gap_not_an_empty_list(
        sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with start_simulator("mixed", seed=7) as server:
        app = sim_app(sqlite_url, server, monkeypatch)
        try:
            assert run_source(app, "openai").status is RunStatus.COMPLETE
            before = present(app, schema.role_assignments)
            oai(server).disabled.add("rbac")
            result = run_source(app, "openai")
            after = present(app, schema.role_assignments)
        finally:
            app.close()
    assert result.status is RunStatus.PARTIAL
    assert {g.record_type for g in result.gaps} == RBAC_TYPES
    assert all("HTTP 403" in g.reason for g in result.gaps)
    assert not RBAC_TYPES & result.complete_types
    assert after == before  # nothing retired on a listing that could not be read


def test_fan_out_under_rate_limits_still_reads_everything(
        sqlite_url: str, sim: SimulatorServer, monkeypatch: pytest.MonkeyPatch) -> None:
    sim.set_faults(FaultConfig(rate_limit_every=3, retry_after=0.01, path_prefix="/v1/"))
    app = sim_app(sqlite_url, sim, monkeypatch, fanout_concurrency=8, max_retries=20)
    try:
        result = run_source(app, "openai")
        assert result.status is RunStatus.COMPLETE, (result.error, result.gaps)
        assert present(app, schema.role_assignments) == expected_assignments(oai(sim))
    finally:
        app.close()


def test_one_unreadable_user_is_a_gap_for_assignments_only(
        sqlite_url: str, sim: SimulatorServer, monkeypatch: pytest.MonkeyPatch) -> None:
    state = oai(sim)
    app = sim_app(sqlite_url, sim, monkeypatch, max_retries=1)
    try:
        assert run_source(app, "openai").status is RunStatus.COMPLETE
        before = present(app, schema.role_assignments)
        user_id = next(k[1] for k in state.rbac.assignments if k[0] == "user")
        state.rbac.assignments.clear()  # would retire every assignment, if the run completed
        sim.set_faults(FaultConfig(server_error_every=1,
                                   path_prefix=f"/v1/organization/users/{user_id}/roles"))
        result = run_source(app, "openai")
        after = present(app, schema.role_assignments)
    finally:
        app.close()
    assert result.status is RunStatus.PARTIAL
    assert {g.record_type for g in result.gaps} == {"role_assignment"}
    assert {"group", "group_member", "role"} <= result.complete_types
    assert "role_assignment" not in result.complete_types
    assert after == before
