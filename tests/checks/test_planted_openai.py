"""End to end on a mixed organization: HR + Anthropic + OpenAI synced through the real
connectors from one simulator; every check finds exactly the planted problems of *both*
platforms, with no platform-specific branch in any check."""

from __future__ import annotations

import shutil
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from tenure.checks.base import SubjectType
from tenure.clock import Clock
from tenure.config import parse_settings
from tenure.connectors.anthropic.enterprise_sync import RBAC_TYPES
from tenure.connectors.base import load_builtin_connectors
from tenure.model import PrivilegeTier, RunStatus
from tenure.privilege import LEGACY_ROLE_PERMISSIONS, legacy_role_tier, role_tier
from tenure.services.context import App
from tenure.services.findings import run_checks
from tenure.services.sync import run_source
from tenure.simulator import start_simulator
from tenure.store import schema
from tests.agent_keys import agent_workspaces
from tests.conftest import FIXED_NOW

# privileged-without-purpose judges the admin tier by default (docs/effective-access.md).
ADMIN_TIER_ROLES = tuple(r for r in LEGACY_ROLE_PERMISSIONS
                         if legacy_role_tier(r) is PrivilegeTier.ADMIN)
UNPLANTED = {"privileged-without-purpose", "access-past-purpose"}
# The non-human identity checks: their plants come with the NHI simulator state (issue 16).
NHI_PENDING: set[str] = set()
RBAC_OFF = "not read: Claude Enterprise RBAC is off for this source"

pytestmark = pytest.mark.timeout(120)
source_types = load_builtin_connectors()


def test_mixed_org_every_planted_problem_and_nothing_else(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with start_simulator("mixed", seed=7, as_of=FIXED_NOW) as sim:
        monkeypatch.setenv("SIM_ADMIN_KEY", sim.admin_key)
        monkeypatch.setenv("SIM_COMPLIANCE_KEY", sim.compliance_key or "")
        monkeypatch.setenv("SIM_OAUTH_TOKEN", sim.oauth_token)
        monkeypatch.setenv("SIM_OPENAI_KEY", sim.openai_admin_key)
        hr = tmp_path / "hr.csv"
        assert sim.scenario.path is not None
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
                {"name": "openai", "type": "openai", "base_url": sim.base_url,
                 "api_key_env": "SIM_OPENAI_KEY", "organization_id": "org-sim"},
            ]}, path=None, env={})

        def app_at(days_ago: int) -> App:
            return App(settings=settings, clock=Clock(FIXED_NOW - timedelta(days=days_ago)),
                       actor="test")

        shutil.copy(sim.scenario.path / "hr.csv", hr)
        assert run_source(app_at(31), "hr").status is RunStatus.COMPLETE
        shutil.copy(sim.scenario.path / "hr_after_move.csv", hr)
        assert run_source(app_at(30), "hr").status is RunStatus.COMPLETE
        app = app_at(0)
        for source in ("anthropic", "openai"):
            synced = run_source(app, source)
            assert synced.status is RunStatus.COMPLETE, (source, synced.error, synced.gaps)
        summary = run_checks(app)
        # Admin through a group or a custom role, from the simulator's truth (not the store).
        assert sim.openai is not None
        rbac = sim.openai.rbac
        admin_roles = {r for r, v in rbac.roles.items()
                       if role_tier(v["permissions"]) is PrivilegeTier.ADMIN}
        via_rbac = {("openai", pid) for ptype, pid, _, role in rbac.assignments
                    if ptype == "user" and role in admin_roles}
        via_rbac |= {("openai", user) for ptype, pid, _, role in rbac.assignments
                     if ptype == "group" and role in admin_roles for user in rbac.members[pid]}
        planted: dict[str, set[tuple[str, str]]] = defaultdict(set)
        for plant in sim.planted:
            planted[plant["check"]].add((plant["platform"], plant["subject_id"]))

    found: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for outcome in summary.outcomes:
        assert outcome.error is None, outcome.error
        # Manual exactly where a connector does not produce what the check reads (the
        # Anthropic RBAC reader is issue 17's other half), never for a gap or a failure.
        needs = set(outcome.check.platform_needs)
        unread = {s for s in ("anthropic", "openai")
                  if needs & set(source_types.get(s).record_types)
                  and not needs <= set(source_types.get(s).record_types)}
        # The anthropic source leaves rbac off (its default): the checks reading RBAC types
        # are manual for it with that reason (issue 17), never a pass on no data.
        if needs & set(RBAC_TYPES):
            unread.add("anthropic")
        assert set(outcome.manual) == unread, (outcome.check.id, outcome.manual)
        assert all("does not provide" in r or RBAC_OFF in r for r in outcome.manual.values())
        for result in outcome.results:
            if result.hit.subject_type is SubjectType.SOURCE:
                continue  # the manual result of a source named above
            subject = result.hit.subject_id
            if outcome.check.id == "mover-stale-access":
                subject = subject.split("@")[0]
            found[outcome.check.id].add((result.hit.source, subject))
    assert set(planted) == {c.check.id for c in summary.outcomes} - UNPLANTED - NHI_PENDING
    for check_id, subjects in sorted(planted.items()):
        assert found[check_id] == subjects, check_id
    # Both platforms contribute plants to the shared checks.
    openai_checks = {c for c, subjects in planted.items() if any(p == "openai"
                                                                   for p, _ in subjects)}
    assert {"leaver-active-account", "orphaned-key", "dormant-key", "never-used-key",
            "key-in-archived-workspace", "long-lived-key"} <= openai_checks
    assert found["access-past-purpose"] == set()
    with app.engine.connect() as conn:
        privileged = {(row[0], row[1]) for row in conn.execute(
            sa.select(schema.accounts.c.source, schema.accounts.c.external_id).where(
                schema.accounts.c.removed_at.is_(None),
                schema.accounts.c.role.in_(ADMIN_TIER_ROLES)))}
    assert via_rbac  # the generated org has admins through a group and a custom role
    assert found["privileged-without-purpose"] == privileged | via_rbac
    app.close()
