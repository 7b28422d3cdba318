"""T1 crash safety for the OpenAI connector: ``tenure sync`` is SIGKILLed while audit-log
pages are in flight and at random instants, resumed, and must end with exactly the
simulator's audit log: 0 lost, 0 duplicated, committed events never disappear.

``TENURE_CRASH_POINTS`` scales the sweep (default 6 kills on SQLite, 3 on PostgreSQL).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tenure.simulator import FaultConfig, SimulatorServer, start_simulator
from tenure.store import schema
from tenure.store.db import normalize_url

from .simhelpers import TENURE

POINTS = int(os.environ.get("TENURE_CRASH_POINTS", "6"))
AUDIT = "/v1/organization/audit_logs"

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def sim() -> Iterator[SimulatorServer]:
    # Audit pages answer after 30 ms so a kill can land while a page is in flight.
    faults = FaultConfig(slow_every=1, slow_seconds=0.03, path_prefix=AUDIT)
    with start_simulator("mixed", seed=11, faults=faults) as server:
        yield server


def stored(database_url: str) -> list[str]:
    engine = sa.create_engine(normalize_url(database_url))
    try:
        with engine.connect() as conn:
            return list(conn.execute(sa.select(schema.activities.c.external_id).where(
                schema.activities.c.external_id.like("audit_log-%"))).scalars())
    finally:
        engine.dispose()


def environment(tmp_path: Path, sim: SimulatorServer, database_url: str) -> dict[str, str]:
    config = tmp_path / "tenure.toml"
    config.write_text(
        '[[sources]]\nname = "openai"\ntype = "openai"\n'
        f'base_url = "{sim.base_url}"\napi_key_env = "SIM_OPENAI_KEY"\n'
        "lookback_days = 400\npage_size = 10\nusage = false\n", encoding="utf-8")
    return {**os.environ, "SIM_OPENAI_KEY": sim.openai_admin_key,
            "TENURE_DATABASE_URL": database_url, "TENURE_CONFIG": str(config)}


def audit_requests(sim: SimulatorServer) -> int:
    return sum(1 for r in list(sim.requests) if r.path == AUDIT)


def spawn(env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen([TENURE, "sync", "--format", "json"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_kill_while_pages_are_in_flight_and_at_random_then_resume(
    tmp_path: Path, database_url: str, sim: SimulatorServer
) -> None:
    env = environment(tmp_path, sim, database_url)
    rng = random.Random(5)
    kills = POINTS if "postgresql" not in database_url else max(3, POINTS // 3)
    committed = 0
    for n in range(kills):
        before = audit_requests(sim)
        proc = spawn(env)
        if n % 2 == 0:  # at a page boundary: page k committed, page k+1 in flight
            target = rng.randint(2, 6)
            deadline = time.monotonic() + 60
            while audit_requests(sim) - before < target and proc.poll() is None:
                assert time.monotonic() < deadline, "no progress"
                time.sleep(0.002)
        else:  # anywhere: startup, inside a transaction, between streams
            time.sleep(rng.uniform(0.2, 1.5))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)
        now = stored(database_url)
        assert len(now) == len(set(now)), "duplicated events"
        assert len(now) >= committed, "committed events disappeared"
        committed = len(now)
    out, err = spawn(env).communicate(timeout=120)
    assert '"status": "complete"' in out, err[-2000:]
    assert sim.openai is not None
    truth = {e["id"] for e in sim.openai.audit}
    final = stored(database_url)
    assert len(final) == len(set(final)), "duplicated events"
    assert set(final) == truth, f"lost {len(truth - set(final))}"
