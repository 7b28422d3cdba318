"""Issue 17, "never no data, so it passes": the Claude Enterprise switches (``rbac``,
``directory``, ``analytics``) left off are a Gap per record type they would have read, so the
checks that need those types say ``manual`` with the reason (and the setting to change) and
nothing already stored is retired; such Gaps alone leave the run ``complete``. Switched on
against the Enterprise simulator the same checks are judged. Real simulator over loopback,
SQLite and PostgreSQL."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from tenure.clock import Clock
from tenure.config import load_settings, parse_settings
from tenure.model import RunStatus
from tenure.services.context import App
from tenure.services.findings import run_checks
from tenure.services.sync import run_source
from tenure.simulator import start_simulator
from tenure.store import schema
from tests.conftest import FIXED_NOW
from tests.enterprise import enterprise_org

RBAC_CHECKS = ("privilege-via-group", "custom-role-privileged", "disabled-seat-still-granted",
               "idp-group-drift")
RBAC_OFF = "not read: Claude Enterprise RBAC is off for this source; set rbac = true"
ANALYTICS_OFF = "not read: Enterprise Analytics is off for this source"


def test_console_org_with_the_switches_off_is_manual_naming_the_reason(
        tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with start_simulator("default", seed=7, as_of=FIXED_NOW) as sim:
        monkeypatch.setenv("SIM_ADMIN_KEY", sim.admin_key)
        monkeypatch.setenv("SIM_COMPLIANCE_KEY", sim.compliance_key or "")
        monkeypatch.setenv("SIM_OAUTH_TOKEN", sim.oauth_token)
        assert sim.scenario.path is not None
        shutil.copy(sim.scenario.path / "hr_after_move.csv", tmp_path / "hr.csv")
        settings = parse_settings({
            "database": {"url": database_url},
            "sources": [
                {"name": "hr", "type": "hr-csv", "path": str(tmp_path / "hr.csv")},
                {"name": "console", "type": "anthropic", "base_url": sim.base_url,
                 "api_key_env": "SIM_ADMIN_KEY", "compliance_api_key_env": "SIM_COMPLIANCE_KEY",
                 "oauth_token_env": "SIM_OAUTH_TOKEN", "managed_agents": False}]},
            path=None, env={})
        app = App(settings=settings, clock=Clock(FIXED_NOW), actor="test")
        try:
            assert run_source(app, "hr").status is RunStatus.COMPLETE
            synced = run_source(app, "console")
            assert synced.error is None
            # Only switched-off Gaps: the run read everything it was configured to read.
            assert synced.status is RunStatus.COMPLETE
            assert all(g.switched_off for g in synced.gaps), synced.gaps
            gaps = {g.record_type: g.reason for g in synced.gaps}
            assert set(gaps) == {"role", "group", "group_member", "role_assignment",
                                 "directory", "analytics_user"}
            for record_type in ("role", "group", "group_member", "role_assignment"):
                assert gaps[record_type].startswith(RBAC_OFF), record_type
            assert gaps["directory"].startswith("not read: the Compliance directory is off")
            assert gaps["analytics_user"].startswith(ANALYTICS_OFF)
            outcomes = {o.check.id: o for o in run_checks(app).outcomes}
        finally:
            app.close()
    for check_id in RBAC_CHECKS:
        outcome = outcomes[check_id]
        assert outcome.error is None
        assert set(outcome.manual) == {"console"}, (check_id, outcome.manual)
        assert RBAC_OFF in outcome.manual["console"], outcome.manual
        assert not [r for r in outcome.results if str(r.status) == "fail"], check_id
    # Analytics only ever adds activity (it can clear a seat, never fail one), so without it
    # dormant-account still judges on the feed and usage and says which signal it used.
    dormant = outcomes["dormant-account"]
    assert dormant.manual == {}, dormant.manual
    fails = [r for r in dormant.results if str(r.status) == "fail"]
    assert fails
    assert all(r.hit.evidence["signal"] != "Enterprise Analytics last_activity_date"
               for r in fails)


def test_enterprise_org_judged_with_the_switches_on_then_kept_and_manual_when_off(
        tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with enterprise_org(tmp_path, database_url, monkeypatch) as org:
        assert not {g.record_type for g in org.result.gaps} & {
            "role", "group", "group_member", "role_assignment", "directory", "analytics_user"}
        on = {o.check.id: o for o in run_checks(org.app).outcomes}
        for check_id in RBAC_CHECKS:
            assert on[check_id].manual == {}, (check_id, on[check_id].manual)
            fails = {r.hit.subject_id for r in on[check_id].results if str(r.status) == "fail"}
            assert fails == org.planted.get(check_id, set()), check_id
        with org.app.engine.connect() as conn:
            before = _live_counts(conn)
        assert all(before.values()), before

        # The admin switches RBAC, the directory and Analytics off: nothing read is retired.
        config = tmp_path / "tenure.toml"
        text = config.read_text(encoding="utf-8")
        for switch in ("rbac", "directory", "analytics"):
            text = text.replace(f"{switch} = true", f"{switch} = false")
        config.write_text(text, encoding="utf-8")
        app = App(settings=load_settings(config, env={}), clock=Clock(FIXED_NOW),
                  actor="test")
        try:
            again = run_source(app, "claude")
            assert again.error is None
            assert not {k: v for k, v in again.retired.items()
                        if k in before and v}, again.retired
            with app.engine.connect() as conn:
                assert _live_counts(conn) == before
            off = {o.check.id: o for o in run_checks(app).outcomes}
        finally:
            app.close()
    for check_id in RBAC_CHECKS:
        assert set(off[check_id].manual) == {"claude"}, (check_id, off[check_id].manual)
        assert RBAC_OFF in off[check_id].manual["claude"]


def _live_counts(conn: sa.Connection) -> dict[str, int]:
    tables = {"role": schema.roles, "group": schema.groups,
              "group_member": schema.group_members, "role_assignment": schema.role_assignments,
              "analytics_user": schema.analytics_users}
    return {name: conn.execute(sa.select(sa.func.count()).select_from(table).where(
        table.c.source == "claude", table.c.removed_at.is_(None))).scalar_one()
        for name, table in tables.items()}
