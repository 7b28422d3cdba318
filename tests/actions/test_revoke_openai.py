"""Revocation on the OpenAI simulator: plan → approve → apply → verified, including the key
the API cannot delete on its own (a service account's), which the plan turns into the service
account's deletion and says why."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tenure.actions.runner import ApplyRefused
from tenure.clock import Clock
from tenure.config import load_settings
from tenure.model import RunStatus
from tenure.services import revocation
from tenure.services.context import App
from tenure.services.findings import run_checks
from tenure.services.sync import run_source
from tenure.simulator import SimulatorServer, start_simulator
from tenure.store import schema
from tests.conftest import FIXED_NOW, signed_in

pytestmark = pytest.mark.timeout(120)


@dataclass
class OpenAIOrg:
    sim: SimulatorServer
    app: App
    planted: dict[str, set[str]]


@pytest.fixture
def org(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
        ) -> Iterator[OpenAIOrg]:
    with start_simulator("mixed", seed=7, as_of=FIXED_NOW) as sim:
        monkeypatch.setenv("SIM_OPENAI_KEY", sim.openai_admin_key)
        monkeypatch.delenv("TENURE_DATABASE_URL", raising=False)
        config = tmp_path / "tenure.toml"
        config.write_text(
            f'[database]\nurl = "{database_url}"\n'
            "[revocation]\nmax_actions = 10\nmax_percent = 50\n"
            '[[sources]]\nname = "hr"\ntype = "hr-csv"\npath = "hr.csv"\n'
            '[[sources]]\nname = "openai"\ntype = "openai"\n'
            f'base_url = "{sim.base_url}"\napi_key_env = "SIM_OPENAI_KEY"\n',
            encoding="utf-8")
        assert sim.scenario.path is not None
        shutil.copy(sim.scenario.path / "hr_after_move.csv", tmp_path / "hr.csv")
        app = App(settings=load_settings(config, env={}), clock=Clock(FIXED_NOW), actor="test")
        for source in ("hr", "openai"):
            assert run_source(app, source).status is RunStatus.COMPLETE
        planted: dict[str, set[str]] = {}
        for plant in sim.planted:
            if plant["platform"] == "openai":
                planted.setdefault(plant["check"], set()).add(plant["subject_id"])
        try:
            yield OpenAIOrg(sim, app, planted)
        finally:
            app.close()


def _plan(org: OpenAIOrg, tmp_path: Path, **origin: str) -> tuple[Path, dict[str, Any]]:
    made, _ = revocation.plan_revocation(signed_in(org.app, "planner@corp.io"), **origin)
    path = tmp_path / f"{made.id}.json"
    path.write_text(made.to_json(), encoding="utf-8")
    return path, json.loads(made.to_json())


def test_leaver_seat_and_key_are_deleted_and_verified(org: OpenAIOrg, tmp_path: Path) -> None:
    assert org.sim.openai is not None
    (leaver,) = org.planted["leaver-active-account"]
    (key,) = org.planted["leaver-active-key"]
    path, document = _plan(org, tmp_path, trigger="leaver")
    steps = {(s["target"]["kind"], s["target"]["subject_id"]): s for s in document["steps"]}
    assert set(steps) == {("account", leaver), ("api_key", key)}
    seat, secret = steps[("account", leaver)], steps[("api_key", key)]
    assert (seat["action"], seat["call"]["method"], seat["call"]["path"]) == (
        "openai.delete_user", "DELETE", f"/v1/organization/users/{leaver}")
    project = org.sim.openai.keys[key]["project_id"]
    assert (secret["action"], secret["call"]["path"]) == (
        "openai.delete_key", f"/v1/organization/projects/{project}/api_keys/{key}")
    sha = str(document["sha256"])
    before = len(org.sim.mutations())
    with pytest.raises(ApplyRefused, match="NotApproved"):
        revocation.apply(signed_in(org.app, "ciso@corp.io"), path, approve_hash=sha)
    assert len(org.sim.mutations()) == before  # refused: 0 vendor calls
    revocation.approve_plan(signed_in(org.app, "ciso@corp.io"), path)
    report = revocation.apply(signed_in(org.app, "ciso@corp.io"), path, approve_hash=sha)
    assert report.count("failed") == 0
    assert all(s.get("verified") for s in report.steps)
    assert report.resynced == ["openai"]
    assert leaver not in org.sim.openai.users
    assert key not in org.sim.openai.keys
    audit = [e["type"] for e in org.sim.openai.audit[-2:]]
    assert sorted(audit) == ["api_key.deleted", "user.deleted"]
    with org.app.engine.connect() as conn:
        present = set(conn.execute(sa.select(schema.accounts.c.external_id).where(
            schema.accounts.c.removed_at.is_(None))).scalars())
    assert leaver not in present
    mutations = len(org.sim.mutations())
    ciso = signed_in(org.app, "ciso@corp.io")
    assert revocation.apply(ciso, path, approve_hash=sha).calls == 0
    assert len(org.sim.mutations()) == mutations


def test_service_account_key_plans_the_service_account_deletion(
    org: OpenAIOrg, tmp_path: Path
) -> None:
    assert org.sim.openai is not None
    state = org.sim.openai
    dormant = org.planted["dormant-key"]
    sa_key = next(k for k in dormant if state.keys[k]["owner_type"] == "service_account")
    user_key = next(k for k in dormant if k != sa_key)
    sa_id, project = state.keys[sa_key]["owner_id"], state.keys[sa_key]["project_id"]
    run_checks(org.app)
    path, document = _plan(org, tmp_path, check="dormant-key")
    steps = {s["target"]["subject_id"]: s for s in document["steps"]}
    assert set(steps) == dormant
    via_sa = steps[sa_key]
    assert via_sa["action"] == "openai.delete_service_account"
    assert via_sa["call"]["path"] == (
        f"/v1/organization/projects/{project}/service_accounts/{sa_id}")
    assert "cannot delete a service account's key on its own" in via_sa["args"]["note"]
    assert steps[user_key]["action"] == "openai.delete_key"
    revocation.approve_plan(signed_in(org.app, "ciso@corp.io"), path)
    report = revocation.apply(signed_in(org.app, "ciso@corp.io"), path,
                              approve_hash=str(document["sha256"]))
    assert report.count("failed") == 0
    assert all(s.get("verified") for s in report.steps)
    assert sa_id not in state.service_accounts
    assert sa_key not in state.keys
    assert user_key not in state.keys
    with org.app.engine.connect() as conn:
        gone = set(conn.execute(sa.select(schema.credentials.c.external_id).where(
            schema.credentials.c.removed_at.is_not(None))).scalars())
    assert {sa_key, user_key} <= gone
