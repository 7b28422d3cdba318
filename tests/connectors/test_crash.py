"""T1 crash safety: ``tenure sync`` is SIGKILLed at page boundaries and at random instants,
resumed, and must end with exactly the simulator's activity feed: 0 lost, 0 duplicated.

Page boundaries are hit exactly: the simulator answers feed pages slowly, and the process is
killed while it waits for page k+1, i.e. after page k was committed (the engine commits a
Batch before asking the connector for the next one). Random points land anywhere (inside a
transaction, between streams, during retries). ``TENURE_CRASH_POINTS`` scales the sweep
(default 36: 24 page-boundary kills + 12 random kills on SQLite, a third on PostgreSQL; each
kill is one ``tenure sync`` process, and the runs chain: kill, resume, kill again, ...).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from tenure.clock import parse_instant
from tenure.simulator import FaultConfig, SimulatorServer, start_simulator

from .simhelpers import (
    TENURE,
    committed_high_water,
    history_days,
    sim_env,
    stored_activity_ids,
    write_config,
)

POINTS = int(os.environ.get("TENURE_CRASH_POINTS", "36"))
FEED = "/v1/compliance/activities"
PAGE = 40

pytestmark = pytest.mark.timeout(900)


@pytest.fixture(scope="module")
def sim() -> Iterator[SimulatorServer]:
    # Feed pages answer after 40 ms so a kill can land while a page is in flight.
    faults = FaultConfig(slow_every=1, slow_seconds=0.04, path_prefix=FEED)
    with start_simulator("default", seed=11, faults=faults) as server:
        yield server


def feed_requests(sim: SimulatorServer) -> int:
    return sum(1 for r in list(sim.requests) if r.path == FEED)


def spawn(sim: SimulatorServer, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen([TENURE, "sync", "--format", "json"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def kill(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)


def finish(proc: subprocess.Popen[str]) -> None:
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, f"resumed sync failed: {err[-2000:]}"
    assert '"status": "complete"' in out, out[-2000:]


def check(sim: SimulatorServer, database_url: str) -> None:
    truth = list(sim.state.feed.ids())
    stored = stored_activity_ids(database_url)
    lost = set(truth) - set(stored)
    assert not lost, f"{len(lost)} activities lost, e.g. {sorted(lost)[:3]}"
    assert len(stored) == len(set(stored)), "duplicated activities"
    assert set(stored) == set(truth), "activities the simulator never had"


def setup(tmp_path: Path, sim: SimulatorServer, database_url: str) -> dict[str, str]:
    config = write_config(tmp_path / "tenure.toml", sim, lookback_days=history_days(sim),
                          activity_page_size=PAGE, claude_code=False)
    return sim_env(sim, database_url, config)


def wait_for_page(sim: SimulatorServer, proc: subprocess.Popen[str], before: int,
                  page: int) -> bool:
    """Wait until request ``page + 1`` of the feed arrives (page ``page`` is committed and
    the next one is in flight); False when the process ended first."""
    deadline = time.monotonic() + 120
    while feed_requests(sim) - before < page + 1:
        if proc.poll() is not None:
            return False
        assert time.monotonic() < deadline, "no progress"
        time.sleep(0.002)
    return True


def share(points: int, database_url: str) -> int:
    """SQLite runs the whole sweep, PostgreSQL a third of it."""
    return points if "postgresql" not in database_url else max(2, points // 3)


CHAINS = 2


@pytest.mark.parametrize("chain", range(CHAINS))
def test_kill_at_page_boundaries_then_resume(tmp_path: Path, database_url: str,
                                             sim: SimulatorServer, chain: int) -> None:
    """Each run is killed after 1-3 committed feed pages; the next run resumes; repeat."""
    rng = random.Random(chain)
    env = setup(tmp_path, sim, database_url)
    kills, stored = 0, 0
    high_water: datetime | None = None
    for _ in range(max(2, share(POINTS * 2 // 3, database_url) // CHAINS)):
        before = feed_requests(sim)
        proc = spawn(sim, env)
        if wait_for_page(sim, proc, before, rng.randint(1, 3)):
            kill(proc)
            kills += 1
        else:
            proc.communicate(timeout=60)
        now_stored = len(stored_activity_ids(database_url))
        assert now_stored >= stored, "committed activities disappeared"
        stored = now_stored
        mark = committed_high_water(database_url)
        if mark is not None:
            assert high_water is None or parse_instant(mark) >= high_water, "cursor moved back"
            high_water = parse_instant(mark)
    assert kills >= 1
    finish(spawn(sim, env))
    check(sim, database_url)


@pytest.mark.parametrize("chain", range(CHAINS))
def test_kill_at_random_points_then_resume(tmp_path: Path, database_url: str,
                                           sim: SimulatorServer, chain: int) -> None:
    """Kills at random instants: during startup, inside transactions, between streams."""
    rng = random.Random(1000 + chain)
    env = setup(tmp_path, sim, database_url)
    for _ in range(max(2, share(POINTS - POINTS * 2 // 3, database_url) // CHAINS)):
        proc = spawn(sim, env)
        time.sleep(rng.uniform(0.3, 4.0))
        if proc.poll() is None:
            kill(proc)
        else:
            proc.communicate(timeout=60)
    finish(spawn(sim, env))
    check(sim, database_url)
