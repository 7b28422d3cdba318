"""The simulator's planted organization, synced through the real connectors into a store.

Shared by the end-to-end tests of checks, reviews and revocation.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from tenure.clock import Clock
from tenure.config import load_settings
from tenure.model import RunStatus
from tenure.services.context import App
from tenure.services.sync import run_source
from tenure.simulator import SimulatorServer, start_simulator
from tests.agent_keys import agent_workspaces_toml
from tests.conftest import FIXED_NOW


@dataclass
class PlantedOrg:
    """A running simulator and an App synced from it (HR source "hr", platform "claude")."""

    sim: SimulatorServer
    app: App
    config: Path
    planted: dict[str, set[str]]


@contextmanager
def planted_org(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch, *,
                hr_history: bool = False, extra_config: str = "") -> Iterator[PlantedOrg]:
    """Serve the default scenario (seed 7), sync HR and Claude, yield the org.

    ``hr_history`` imports the HR export before the moves (31 days ago) and after them
    (30 days ago), so the moves are recorded as mover changes; otherwise only the latter.
    """
    with start_simulator("default", seed=7, as_of=FIXED_NOW) as sim:
        monkeypatch.setenv("SIM_ADMIN_KEY", sim.admin_key)
        monkeypatch.setenv("SIM_COMPLIANCE_KEY", sim.compliance_key or "")
        monkeypatch.setenv("SIM_OAUTH_TOKEN", sim.oauth_token)
        monkeypatch.delenv("TENURE_DATABASE_URL", raising=False)
        config = tmp_path / "tenure.toml"
        config.write_text(
            f'[database]\nurl = "{database_url}"\n{extra_config}\n'
            '[[sources]]\nname = "hr"\ntype = "hr-csv"\npath = "hr.csv"\n'
            '[[sources]]\nname = "claude"\ntype = "anthropic"\n'
            f'base_url = "{sim.base_url}"\napi_key_env = "SIM_ADMIN_KEY"\n'
            'compliance_api_key_env = "SIM_COMPLIANCE_KEY"\n'
            'oauth_token_env = "SIM_OAUTH_TOKEN"\n'
            + agent_workspaces_toml(sim, monkeypatch.setenv), encoding="utf-8")
        settings = load_settings(config, env={})
        history = ((31, "hr.csv"), (30, "hr_after_move.csv")) if hr_history else (
            (0, "hr_after_move.csv"),)
        for days_ago, name in history:
            shutil.copy(sim.scenario.path / name, tmp_path / "hr.csv")
            then = App(settings=settings, clock=Clock(FIXED_NOW - timedelta(days=days_ago)),
                       actor="test")
            assert run_source(then, "hr").status is RunStatus.COMPLETE
            then.close()
        app = App(settings=settings, clock=Clock(FIXED_NOW), actor="test")
        synced = run_source(app, "claude")
        assert synced.status is RunStatus.COMPLETE, synced.error
        planted: dict[str, set[str]] = {}
        for plant in sim.planted:
            planted.setdefault(plant["check"], set()).add(plant["subject_id"])
        try:
            yield PlantedOrg(sim, app, config, planted)
        finally:
            app.close()
