"""OpenAI identity fidelity against the simulator over real loopback HTTP (issue 15): the
admin-key listing overlap, one bad user quarantined, the narrower key listing is a Gap, and
the user flags classify seats."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from tenure.model import RunStatus
from tenure.services.sync import run_source
from tenure.simulator import SimulatorServer, start_simulator
from tenure.store import schema

from .test_openai_simulator import oai, sim_app

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def sim() -> Iterator[SimulatorServer]:
    with start_simulator("mixed", seed=3) as server:
        yield server


def _credentials(app: object, run_id: str) -> dict[str, tuple[str, str | None, str | None]]:
    c = schema.credentials
    with app.engine.connect() as conn:  # type: ignore[attr-defined]
        return {r.external_id: (r.kind, r.workspace_id, r.owner_access) for r in conn.execute(
            sa.select(c.c.external_id, c.c.kind, c.c.workspace_id, c.c.owner_access)
            .where(c.c.removed_at.is_(None), c.c.sync_run_id == run_id))}


def test_project_keys_leaked_into_the_admin_listing_never_overwrite_them(
        database_url: str, sim: SimulatorServer, monkeypatch: pytest.MonkeyPatch) -> None:
    state = oai(sim)
    state.quirks.add("admin_keys_list_project_keys")
    app = sim_app(database_url, sim, monkeypatch, usage=False, audit_logs=False)
    result = run_source(app, "openai")
    assert result.status is RunStatus.COMPLETE, result.gaps
    stored = _credentials(app, result.run_id)
    project_keys = {k["id"]: k["project_id"] for k in state.keys.values()}
    assert project_keys
    for key_id, project_id in project_keys.items():
        kind, workspace, access = stored[key_id]
        assert kind == "api_key"  # still the project key, with its project and access
        assert workspace == project_id
        assert access in ("active", "inactive")
    admins = {k for k, v in stored.items() if v[0] == "admin_key"}
    assert admins == set(state.admin_keys)
    overlap = result.notes["admin_key_listing_overlap"]
    assert overlap["already_project_keys"] + overlap["project_secret_shape"] == len(project_keys)
    # the summary's written count is what the store holds
    assert result.written["credential"] == len(stored)
    app.close()


def test_a_user_without_id_is_quarantined_and_the_rest_stored(
        database_url: str, sim: SimulatorServer, monkeypatch: pytest.MonkeyPatch) -> None:
    state = oai(sim)
    app = sim_app(database_url, sim, monkeypatch, usage=False, audit_logs=False)
    first = run_source(app, "openai")
    assert first.status is RunStatus.COMPLETE
    state.quirks.add("user_without_id")
    result = run_source(app, "openai")
    assert result.status is RunStatus.PARTIAL
    (problem,) = result.problems
    assert problem["endpoint"] == "/v1/organization/users"
    assert "first page" in str(problem["page"])
    assert problem["field"] == "id"
    assert problem["index"] == 0
    with app.engine.connect() as conn:
        users = conn.execute(sa.select(sa.func.count()).select_from(schema.accounts).where(
            schema.accounts.c.kind == "user", schema.accounts.c.removed_at.is_(None),
            schema.accounts.c.sync_run_id == result.run_id)).scalar_one()
        gone = conn.execute(sa.select(sa.func.count()).select_from(schema.accounts).where(
            schema.accounts.c.removed_at.is_not(None))).scalar_one()
        gaps = {(g.record_type, g.reason) for g in conn.execute(
            sa.select(schema.gaps.c.record_type, schema.gaps.c.reason).where(
                schema.gaps.c.sync_run_id == result.run_id))}
        raw = conn.execute(sa.select(sa.func.count()).select_from(schema.raw_pages).where(
            schema.raw_pages.c.sync_run_id == result.run_id,
            schema.raw_pages.c.locator.like("/v1/organization/users%"))).scalar_one()
    assert users == len(state.users) - 1  # the rest of the source is stored
    assert gone == 0  # and nothing is retired on an incomplete listing
    assert {("account", "quarantined vendor record"),
            ("grant", "quarantined vendor record")} <= gaps
    assert raw >= 1  # the raw page with the bad record is kept
    assert "account" not in result.complete_types
    app.close()


def test_the_narrower_key_listing_is_a_gap(database_url: str, sim: SimulatorServer,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    oai(sim).quirks.add("refuse_owner_project_access")
    app = sim_app(database_url, sim, monkeypatch, usage=False, audit_logs=False)
    result = run_source(app, "openai")
    assert result.status is RunStatus.PARTIAL
    narrowed = [g for g in result.gaps if g.reason == "narrower key listing"]
    assert len(narrowed) == len(oai(sim).projects)
    assert all(g.record_type == "credential" for g in narrowed)
    assert "owner lost project access" in narrowed[0].detail
    assert "credential" not in result.complete_types
    app.close()
