"""Helpers to run the Anthropic connector against the product simulator over loopback."""

from __future__ import annotations

import math
import os
import sys
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from tenure.simulator import SimulatorServer
from tenure.store import schema
from tenure.store.db import normalize_url
from tests.agent_keys import agent_workspaces, agent_workspaces_toml

TENURE = str(Path(sys.executable).parent / "tenure")


def history_days(sim: SimulatorServer) -> int:
    """Days back to the scenario's oldest activity: a first sync with this lookback reads the
    whole feed (the ground truth) without asking for years of empty days."""
    events = sim.scenario.events
    oldest = events.ts_of(1) if events.max_seq else 0
    return max(1, math.ceil(-oldest / 86400) + 1)


def write_config(path: Path, sim: SimulatorServer, **options: Any) -> Path:
    """A tenure.toml with one anthropic source reading ``sim`` (keys from env var names)."""
    lines = ["[[sources]]", 'name = "claude"', 'type = "anthropic"',
             f'base_url = "{sim.base_url}"', 'api_key_env = "SIM_ADMIN_KEY"',
             'oauth_token_env = "SIM_OAUTH_TOKEN"']
    if sim.compliance_key:
        lines.append('compliance_api_key_env = "SIM_COMPLIANCE_KEY"')
    lines.append(agent_workspaces_toml(sim, lambda _name, _key: None).rstrip("\n"))
    for key, value in options.items():
        if isinstance(value, bool):
            lines.append(f"{key} = {str(value).lower()}")
        elif isinstance(value, str):
            lines.append(f'{key} = "{value}"')
        else:
            lines.append(f"{key} = {value}")
    path.write_text("\n".join(lines) + "\n")
    return path


def sim_env(sim: SimulatorServer, database_url: str, config: Path) -> dict[str, str]:
    """Environment of a ``tenure`` subprocess: keys by name, the store, a wide terminal."""
    env = dict(os.environ)
    env.update({"SIM_ADMIN_KEY": sim.admin_key, "SIM_OAUTH_TOKEN": sim.oauth_token,
                "TENURE_DATABASE_URL": database_url,
                "TENURE_CONFIG": str(config), "COLUMNS": "250", "NO_COLOR": "1"})
    if sim.compliance_key:
        env["SIM_COMPLIANCE_KEY"] = sim.compliance_key
    agent_workspaces(sim, env.__setitem__)
    return env


def stored_activity_ids(database_url: str) -> list[str]:
    """Every Compliance activity id in the store (Claude Code records excluded), with repeats."""
    engine = sa.create_engine(normalize_url(database_url))
    try:
        with engine.connect() as conn:
            return list(conn.execute(sa.select(schema.activities.c.external_id).where(
                schema.activities.c.external_id.like("activity_%"))).scalars())
    finally:
        engine.dispose()


def committed_high_water(database_url: str, stream: str = "activities") -> str | None:
    """The committed high-water mark of a stream (ISO text; None before the first window)."""
    engine = sa.create_engine(normalize_url(database_url))
    try:
        with engine.connect() as conn:
            cursor = conn.execute(sa.select(schema.sync_cursors.c.cursor).where(
                schema.sync_cursors.c.stream == stream)).scalar_one_or_none()
    finally:
        engine.dispose()
    return None if cursor is None else cursor.get("high_water")
