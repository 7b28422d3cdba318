"""End to end: the simulator's planted organization, synced through the real connectors,
yields exactly the planted problems for each check that has plants."""

from __future__ import annotations

import shutil
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from tenure.checks.availability import NO_SOURCE
from tenure.checks.base import FindingStatus
from tenure.clock import Clock
from tenure.config import parse_settings
from tenure.model import PrivilegeTier, RunStatus
from tenure.privilege import LEGACY_ROLE_PERMISSIONS, legacy_role_tier
from tenure.services.context import App
from tenure.services.findings import run_checks
from tenure.services.sync import run_source
from tenure.simulator import start_simulator
from tenure.store import schema
from tests.agent_keys import agent_workspaces
from tests.conftest import FIXED_NOW

# The simulator plants nothing for these (it records no purposes): checked separately below.
# privileged-without-purpose judges the admin tier by default (docs/effective-access.md).
ADMIN_TIER_ROLES = tuple(r for r in LEGACY_ROLE_PERMISSIONS
                         if legacy_role_tier(r) is PrivilegeTier.ADMIN)
UNPLANTED = {"privileged-without-purpose", "access-past-purpose"}
# The non-human identity checks: their plants come with the NHI simulator state (issue 16).
NHI_PENDING: set[str] = set()
# Groups and custom roles exist in Claude Enterprise only: planted in the Enterprise org
# (test_planted_enterprise.py); a Console org has none, so they must find nothing here.
ENTERPRISE_ONLY = {"privilege-via-group", "custom-role-privileged",
                   "disabled-seat-still-granted", "idp-group-drift"}
# The source leaves rbac, directory and analytics off (their default): each type they read is
# a Gap, so the checks above are manual with that reason, never a pass on no data.
RBAC_OFF = ("not read: Claude Enterprise RBAC is off for this source; set rbac = true on a "
            "Claude Enterprise org")
SWITCHED_OFF = {
    *((t, RBAC_OFF) for t in ("role", "group", "group_member", "role_assignment")),
    ("directory", "not read: the Compliance directory is off for this source; set directory "
     "= true with a Compliance Access Key"),
    ("analytics_user", "not read: Enterprise Analytics is off for this source; set analytics "
     "= true and analytics_api_key_env on a Claude Enterprise org"),
}


def test_every_planted_problem_and_nothing_else(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with start_simulator("default", seed=7, as_of=FIXED_NOW) as sim:
        monkeypatch.setenv("SIM_ADMIN_KEY", sim.admin_key)
        monkeypatch.setenv("SIM_COMPLIANCE_KEY", sim.compliance_key or "")
        monkeypatch.setenv("SIM_OAUTH_TOKEN", sim.oauth_token)
        hr = tmp_path / "hr.csv"
        settings = parse_settings({
            "database": {"url": database_url},
            "sources": [
                {"name": "hr", "type": "hr-csv", "path": str(hr)},
                {"name": "anthropic", "type": "anthropic", "base_url": sim.base_url,
                 "api_key_env": "SIM_ADMIN_KEY",
                 "compliance_api_key_env": "SIM_COMPLIANCE_KEY",
                 "oauth_token_env": "SIM_OAUTH_TOKEN",
                 "agent_workspaces": [w.model_dump() for w in agent_workspaces(
                     sim, monkeypatch.setenv)]},
            ]}, path=None, env={})

        def app_at(days_ago: int) -> App:
            return App(settings=settings, clock=Clock(FIXED_NOW - timedelta(days=days_ago)),
                       actor="test")

        # HR before the moves, then after them (30 days ago), then the platform today.
        shutil.copy(sim.scenario.path / "hr.csv", hr)
        assert run_source(app_at(31), "hr").status is RunStatus.COMPLETE
        shutil.copy(sim.scenario.path / "hr_after_move.csv", hr)
        assert run_source(app_at(30), "hr").status is RunStatus.COMPLETE
        app = app_at(0)
        synced = run_source(app, "anthropic")
        # The Enterprise switches left off (issue 17) are a Gap per type, not a partial run.
        assert synced.status is RunStatus.COMPLETE, synced.error
        assert {(g.record_type, g.reason) for g in synced.gaps} == SWITCHED_OFF
        summary = run_checks(app)
        planted: dict[str, set[str]] = defaultdict(set)
        for plant in sim.planted:
            planted[plant["check"]].add(plant["subject_id"])

    found: dict[str, set[str]] = defaultdict(set)
    # Checks reading data the Anthropic connector does not produce (yet: its RBAC reader) are
    # manual with that reason, never a pass; every other check must judge.
    unjudged = set()
    for outcome in summary.outcomes:
        assert outcome.error is None, outcome.error
        if outcome.check.id in ENTERPRISE_ONLY:
            assert set(outcome.manual) == {"anthropic"}, (outcome.check.id, outcome.manual)
            assert RBAC_OFF in outcome.manual["anthropic"]
            assert not [r for r in outcome.results if r.status is FindingStatus.FAIL]
            continue
        if outcome.manual and all(source == NO_SOURCE or "does not provide" in reason
                                  for source, reason in outcome.manual.items()):
            unjudged.add(outcome.check.id)
            continue
        assert outcome.manual == {}, (outcome.check.id, outcome.manual)
        for result in outcome.results:
            subject = result.hit.subject_id
            if outcome.check.id == "mover-stale-access":  # grants: the mover's account
                subject = subject.split("@")[0]
            found[outcome.check.id].add(subject)
    assert set(planted) == ({c.check.id for c in summary.outcomes} - UNPLANTED - NHI_PENDING
                            - unjudged - ENTERPRISE_ONLY)
    for check_id, subjects in sorted(planted.items()):
        assert found[check_id] == subjects, check_id
    assert found["access-past-purpose"] == set()
    with app.engine.connect() as conn:
        privileged = {row[0] for row in conn.execute(
            sa.select(schema.accounts.c.external_id).where(
                schema.accounts.c.removed_at.is_(None),
                schema.accounts.c.role.in_(ADMIN_TIER_ROLES)))}
    assert found["privileged-without-purpose"] == privileged
    app.close()
