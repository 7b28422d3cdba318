"""A vendor (the simulator, over loopback HTTP) serving a user name with a lone surrogate
(``"\\ud800"``, valid JSON), terminal escapes and the configured admin key itself: the sync
completes (partial, with a problem naming the record and field), nothing unsafe is stored, the
key is nowhere in the store (records, raw pages, ledger) and not on the account's web page."""

from __future__ import annotations

import dataclasses
import zlib
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from tenure.api import create_app
from tenure.clock import Clock
from tenure.config import DatabaseConfig, Settings
from tenure.connectors.anthropic import AnthropicConfig
from tenure.model import RunStatus
from tenure.services import web_users
from tenure.services.context import App
from tenure.services.sync import run_source
from tenure.services.web_users import Role
from tenure.simulator import SimulatorServer, start_simulator
from tenure.store import schema
from tests.agent_keys import agent_workspaces
from tests.web.conftest import ORIGIN, csrf_of

pytestmark = pytest.mark.timeout(180)
PASSWORD = "correct horse battery staple"


@pytest.fixture
def sim() -> Iterator[SimulatorServer]:
    with start_simulator("default", seed=3) as server:
        yield server


def _dump(app: App) -> str:
    """Every stored string that could carry the key: records, raw pages, ledger, runs."""
    parts: list[str] = []
    with app.engine.connect() as conn:
        for table in (schema.accounts, schema.credentials, schema.workspaces, schema.grants,
                      schema.ledger_entries, schema.sync_runs):
            parts += [repr(tuple(r)) for r in conn.execute(sa.select(table))]
        for body, locator in conn.execute(sa.select(schema.raw_pages.c.body,
                                                     schema.raw_pages.c.locator)):
            parts += [zlib.decompress(body).decode("utf-8", "replace"), locator]
    return "\n".join(parts)


def test_hostile_vendor_name_and_echoed_key(database_url: str, sim: SimulatorServer,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    user_id = sorted(sim.state.users)[0]
    hostile = f"Ada \ud800 \x1b[2J\x1b]8;;https://evil.example\x07click\x1b]8;;\x07 {sim.admin_key}"
    with sim.state.lock:
        sim.state.users[user_id] = dataclasses.replace(sim.state.users[user_id], name=hostile)
    monkeypatch.setenv("SIM_ADMIN_KEY", sim.admin_key)
    config = AnthropicConfig(name="claude", type="anthropic", base_url=sim.base_url,
                             api_key_env="SIM_ADMIN_KEY", lookback_days=1,
                             agent_workspaces=agent_workspaces(sim, monkeypatch.setenv),
                             backoff_initial_seconds=0.01, backoff_max_seconds=0.1)
    app = App(settings=Settings(sources=(config,), database=DatabaseConfig(url=database_url)),
              clock=Clock(), actor="test")
    try:
        result = run_source(app, "claude")
        assert result.status is RunStatus.PARTIAL, result.error
        assert result.error is None
        problem = next(p for p in result.problems if user_id in str(p["path"]))
        assert problem["field"] == "name"
        assert "lone surrogate" in str(problem["reason"])
        assert "configured secret" in str(problem["reason"])
        with app.engine.connect() as conn:
            name = conn.execute(sa.select(schema.accounts.c.name).where(
                schema.accounts.c.external_id == user_id)).scalar_one()
            email = conn.execute(sa.select(schema.accounts.c.email).where(
                schema.accounts.c.external_id == user_id)).scalar_one()
        assert name.startswith("Ada \ufffd \ufffd[2J")
        assert "\x1b" not in name
        assert "\x07" not in name
        assert "[REDACTED]" in name
        dump = _dump(app)
        assert sim.admin_key not in dump
        # The account's page (an admin signed in) shows neither the key nor the escapes.
        web_users.add_user(app, "admin@corp.io", Role.ADMIN, PASSWORD)
        with TestClient(create_app(app)) as client:
            token = csrf_of(client.get("/login").text)
            assert client.post("/login", data={"email": "admin@corp.io", "password": PASSWORD,
                                               "csrf_token": token},
                               headers={"Origin": ORIGIN}, follow_redirects=False
                               ).status_code == 303
            page = client.get("/subjects/account", params={"id": user_id, "source": "claude"})
            assert page.status_code == 200, page.text
            assert email in page.text or "Ada" in page.text
            assert sim.admin_key not in page.text
            assert "\x1b" not in page.text
    finally:
        app.close()
