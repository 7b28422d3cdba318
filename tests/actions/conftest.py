"""The planted organization served by the simulator and synced into a real store."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tenure.clock import Clock
from tenure.config import parse_settings
from tenure.model import RunStatus
from tenure.services.context import App
from tenure.services.sync import run_source
from tenure.simulator import SimulatorServer, start_simulator
from tests.conftest import FIXED_NOW


@dataclass
class Org:
    """A running simulator and an App synced from it."""

    sim: SimulatorServer
    app: App
    config: Path
    planted: dict[str, set[str]]


@pytest.fixture
def org(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Org]:
    with start_simulator("default", seed=7, as_of=FIXED_NOW) as sim:
        monkeypatch.setenv("SIM_ADMIN_KEY", sim.admin_key)
        monkeypatch.setenv("SIM_COMPLIANCE_KEY", sim.compliance_key or "")
        shutil.copy(sim.scenario.path / "hr_after_move.csv", tmp_path / "hr.csv")
        config = tmp_path / "tenure.toml"
        config.write_text(
            f'[database]\nurl = "{database_url}"\n'
            "[revocation]\nmax_actions = 10\nmax_percent = 50\n"
            "[[sources]]\nname = \"hr\"\ntype = \"hr-csv\"\npath = \"hr.csv\"\n"
            "[[sources]]\nname = \"claude\"\ntype = \"anthropic\"\n"
            f'base_url = "{sim.base_url}"\napi_key_env = "SIM_ADMIN_KEY"\n'
            'compliance_api_key_env = "SIM_COMPLIANCE_KEY"\n', encoding="utf-8")
        import tomllib

        settings = parse_settings(tomllib.loads(config.read_text()), path=config, env={})
        app = App(settings=settings, clock=Clock(FIXED_NOW), actor="test")
        assert run_source(app, "hr").status is RunStatus.COMPLETE
        assert run_source(app, "claude").status is RunStatus.COMPLETE
        planted: dict[str, set[str]] = {}
        for p in sim.planted:
            planted.setdefault(p["check"], set()).add(p["subject_id"])
        yield Org(sim, app, config, planted)
        app.close()
