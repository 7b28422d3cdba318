"""An Enterprise org served by the simulator and synced into a store through the real
connector (RBAC, Compliance directory, Analytics), with the IdP's SCIM push applied through
Tenure's real SCIM receiver. Shared by the issue-17 tests (effective access, checks)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tenure.api import create_app
from tenure.clock import Clock
from tenure.config import load_settings
from tenure.services.context import App
from tenure.services.scim_tokens import create_token
from tenure.services.sync import SyncResult, run_source
from tenure.simulator import SimulatorServer, start_simulator
from tests.conftest import FIXED_NOW, signed_in

CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
CORE_GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"


@dataclass
class EnterpriseOrg:
    """The running simulator, the synced App, the run and the plants by check."""

    sim: SimulatorServer
    app: App
    result: SyncResult
    planted: dict[str, set[str]]
    entries: list[dict[str, Any]]


def config_text(sim: SimulatorServer, database_url: str, *, analytics: bool = True,
                compliance: bool = True, idp: str = "okta", analytics_key: bool = True,
                analytics_days: int = 90) -> str:
    """tenure.toml for the Enterprise source (and the IdP's SCIM source)."""
    lines = [f'[database]\nurl = "{database_url}"',
             '[[sources]]\nname = "hr"\ntype = "hr-csv"\npath = "hr.csv"',
             f'[[sources]]\nname = "{idp}"\ntype = "scim"',
             '[[sources]]\nname = "claude"\ntype = "anthropic"',
             f'base_url = "{sim.base_url}"', 'api_key_env = "SIM_ADMIN_KEY"',
             "rbac = true", "directory = true", f"analytics = {str(analytics).lower()}",
             f"analytics_days = {analytics_days}"]
    if compliance:
        lines.append('compliance_api_key_env = "SIM_COMPLIANCE_KEY"')
    if analytics and analytics_key:
        lines.append('analytics_api_key_env = "SIM_ANALYTICS_KEY"')
    return "\n".join(lines) + "\n"


def push_idp(app: App, doc: dict[str, Any]) -> None:
    """What the identity provider pushes (``idp_push.json``), through the SCIM API."""
    _, token = create_token(signed_in(app, "scim-admin@northwind.example"), doc["source"])
    with TestClient(create_app(app), raise_server_exceptions=True) as client:
        client.headers.update({"Authorization": f"Bearer {token}",
                               "Content-Type": "application/scim+json"})
        ids: dict[str, str] = {}
        for user in doc["users"]:
            answer = client.post("/scim/v2/Users", content=json.dumps({
                "schemas": [CORE_USER], "userName": user["userName"],
                "externalId": user["externalId"], "displayName": user["displayName"],
                "emails": [{"primary": True, "value": user["email"], "type": "work"}],
                "active": user["active"]}))
            assert answer.status_code == 201, answer.text
            ids[user["email"]] = answer.json()["id"]
        for group in doc["groups"]:
            answer = client.post("/scim/v2/Groups", content=json.dumps({
                "schemas": [CORE_GROUP], "displayName": group["displayName"],
                "externalId": group["externalId"],
                "members": [{"value": ids[m]} for m in group["members"]]}))
            assert answer.status_code == 201, answer.text


@contextmanager
def enterprise_org(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch, *,
                   seed: int = 2, as_of: datetime = FIXED_NOW, analytics: bool = True,
                   compliance: bool = True, idp_push: bool = True, analytics_key: bool = True,
                   analytics_days: int = 90, variant: Any = None,
                   compliance_scopes: set[str] | None = None) -> Iterator[EnterpriseOrg]:
    """Serve the built-in Enterprise scenario, push the IdP's groups, sync ``claude``."""
    with start_simulator("enterprise", seed=seed, as_of=as_of) as sim:
        from tenure.simulator.anthropic_rbac import plane

        if variant is not None:
            plane(sim.state).variant = variant
        if compliance_scopes is not None:
            plane(sim.state).compliance_scopes = set(compliance_scopes)
        monkeypatch.setenv("SIM_ADMIN_KEY", sim.admin_key)
        monkeypatch.setenv("SIM_COMPLIANCE_KEY", sim.compliance_key or "")
        monkeypatch.setenv("SIM_ANALYTICS_KEY", sim.analytics_key)
        monkeypatch.delenv("TENURE_DATABASE_URL", raising=False)
        config = tmp_path / "tenure.toml"
        config.write_text(config_text(sim, database_url, analytics=analytics,
                                      compliance=compliance, analytics_key=analytics_key,
                                      analytics_days=analytics_days),
                          encoding="utf-8")
        settings = load_settings(config, env={})
        app = App(settings=settings, clock=Clock(as_of), actor="test")
        assert sim.scenario.path is not None
        shutil.copy(sim.scenario.path / "hr_after_move.csv", tmp_path / "hr.csv")
        assert run_source(app, "hr").error is None
        if idp_push:
            push_idp(app, json.loads((sim.scenario.path / "idp_push.json").read_text()))
        result = run_source(app, "claude")
        planted: dict[str, set[str]] = {}
        for plant in sim.planted:
            planted.setdefault(plant["check"], set()).add(plant["subject_id"])
        try:
            yield EnterpriseOrg(sim, app, result, planted, list(sim.planted))
        finally:
            app.close()
