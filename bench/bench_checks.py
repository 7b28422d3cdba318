"""Benchmark: every built-in check on a synthetic store (not a test).

Builds a store of N people and M activities directly through the real writers (batched, the
same code the sync engine runs), then times each check's set-at-a-time evaluation and a full
``run_checks`` (evaluation + findings upsert + ledger entries). Prints a table and writes
``bench/results/checks.json``.

    .venv/bin/python bench/bench_checks.py                          # small: 1,000 / 100,000
    .venv/bin/python bench/bench_checks.py --people 10000 --activities 1000000
    .venv/bin/python bench/bench_checks.py --people 10000 --activities 10000000   # the issue's size
    .venv/bin/python bench/bench_checks.py --database-url postgresql://postgres@127.0.0.1/bench
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from tenure.checks.availability import source_states
from tenure.checks.engine import evaluate_check
from tenure.checks.registry import load_builtin_checks
from tenure.clock import Clock
from tenure.config import DatabaseConfig, Settings
from tenure.identity import resolve_identities
from tenure.model import (
    Account,
    AccountKind,
    Activity,
    Credential,
    CredentialKind,
    Entitlement,
    Grant,
    Person,
    PersonStatus,
    RunStatus,
    Usage,
    Workspace,
)
from tenure.services.context import App
from tenure.services.findings import run_checks
from tenure.store import writers
from tenure.store.activity import write_activities
from tenure.store.people import write_people

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
HISTORY_DAYS = 90
BATCH = 20_000
CATEGORIES = (("usage", 50), ("content", 30), ("login", 18), ("admin", 2))
RESULTS = Path(__file__).parent / "results" / "checks.json"


@dataclass(frozen=True, slots=True)
class Sizes:
    """How big the synthetic organization is."""

    people: int
    activities: int
    keys: int
    workspaces: int


def _run(conn: sa.Connection, source: str, source_type: str) -> str:
    run_id = f"bench-{source}"
    writers.start_run(conn, run_id=run_id, source=source, source_type=source_type,
                      now=NOW - timedelta(hours=1))
    return run_id


def _finish(conn: sa.Connection, run_id: str, source: str, types: list[str]) -> None:
    writers.finish_run(conn, run_id=run_id, status=RunStatus.COMPLETE, tenant=source,
                       complete_types=types, stats={}, error=None, now=NOW)


def build(engine: sa.Engine, sizes: Sizes, rng: random.Random) -> dict[str, float]:
    """Write the organization through the writers; returns seconds per phase."""
    timings: dict[str, float] = {}
    started = time.perf_counter()
    people = [Person(
        email=f"p{i}@acme.test", name=f"Person {i}", employee_id=str(i),
        status=PersonStatus.TERMINATED if i % 20 == 0 else PersonStatus.ACTIVE,
        department=f"dept{i % 25}", manager_email=f"p{i % 50}@acme.test",
        start_date=date(2023, 1, 1), end_date=(NOW - timedelta(days=i % 60)).date()
        if i % 20 == 0 else None) for i in range(sizes.people)]
    with engine.begin() as conn:
        run_id = _run(conn, "hr", "hr-csv")
        for start in range(0, len(people), BATCH):
            write_people(conn, people[start:start + BATCH], source="hr", tenant="hr",
                         run_id=run_id, now=NOW - timedelta(days=2))
        _finish(conn, run_id, "hr", ["person"])
    roles = ["user"] * 80 + ["developer"] * 15 + ["admin"] * 4 + ["claude_code_user"]
    accounts = [Account(external_id=f"user_{i}", kind=AccountKind.USER,
                        email=f"p{i}@acme.test" if i % 50 != 7 else f"x{i}@gmail.test",
                        name=f"u{i}", role=rng.choice(roles),
                        created_at=NOW - timedelta(days=rng.randint(5, 700)))
                for i in range(sizes.people) if i % 10 != 3]
    accounts += [Account(external_id=f"svc_{i}", kind=AccountKind.SERVICE_ACCOUNT, email=None,
                         name=f"svc{i}", role="developer") for i in range(sizes.people // 100)]
    workspaces = [Workspace(f"wrk_{i}", f"w{i}", NOW - timedelta(days=400),
                            archived_at=NOW - timedelta(days=10) if i % 10 == 0 else None)
                  for i in range(sizes.workspaces)]
    ws_roles = ["workspace_user", "workspace_developer", "workspace_admin"]
    grants = [Grant(a.external_id,
                    Entitlement("workspace", f"wrk_{rng.randrange(sizes.workspaces)}",
                                rng.choice(ws_roles), False),
                    granted_at=NOW - timedelta(days=rng.randint(1, 400)))
              for a in accounts]
    keys = [Credential(external_id=f"apikey_{i}", kind=CredentialKind.API_KEY, name=f"k{i}",
                       status="active" if i % 7 else "inactive", owner_type="user",
                       creator_id=accounts[rng.randrange(len(accounts))].external_id
                       if i % 40 else f"user_gone_{i}",
                       workspace_id=f"wrk_{rng.randrange(sizes.workspaces)}",
                       created_at=NOW - timedelta(days=rng.randint(1, 500)),
                       expires_at=NOW + timedelta(days=30) if i % 3 == 0 else None)
            for i in range(sizes.keys)]
    with engine.begin() as conn:
        run_id = _run(conn, "anthropic", "anthropic")
        for name, rows in (("account", [writers.account_row(a) for a in accounts]),
                           ("workspace", [writers.workspace_row(w) for w in workspaces]),
                           ("grant", [writers.grant_row(g) for g in grants]),
                           ("credential", [writers.credential_row(k) for k in keys])):
            for start in range(0, len(rows), BATCH):
                writers.upsert_snapshot(conn, writers.SNAPSHOT_TABLES[name],
                                        rows[start:start + BATCH], source="anthropic",
                                        tenant="anthropic", run_id=run_id, now=NOW)
        writers.upsert_entitlements(conn, grants, source="anthropic", tenant="anthropic",
                                    now=NOW)
        usage = [Usage("api_key", k.external_id, (NOW - timedelta(days=d)).date(),
                       requests=rng.randint(10, 200),
                       input_tokens=rng.randint(10_000, 20_000)
                       * (30 if d == 2 and n % 97 == 1 else 1), output_tokens=500)
                 for n, k in enumerate(keys) if n % 5
                 for d in range(1 if n % 11 else 45, 60)]
        for start in range(0, len(usage), BATCH):
            writers.write_usage(conn, usage[start:start + BATCH], source="anthropic",
                                tenant="anthropic", run_id=run_id)
    timings["build_snapshot_s"] = time.perf_counter() - started
    started = time.perf_counter()
    weights = [w for _, w in CATEGORIES]
    names = [c for c, _ in CATEGORIES]
    users = [a for a in accounts if a.kind is AccountKind.USER]
    active = users[: len(users) * 85 // 100]  # the other 15% stay dormant
    written = 0
    seq = 0
    while written < sizes.activities:
        batch = []
        for _ in range(min(BATCH, sizes.activities - written)):
            account = active[rng.randrange(len(active))]
            seq += 1
            batch.append(Activity(
                external_id=f"act_{seq}",
                occurred_at=NOW - timedelta(seconds=rng.randrange(HISTORY_DAYS * 86_400)),
                actor_kind="user", actor_id=account.external_id, actor_email=account.email,
                action="event", category=rng.choices(names, weights)[0]))
        with engine.begin() as conn:
            written += write_activities(conn, batch, source="anthropic", tenant="anthropic",
                                        run_id="bench-anthropic")
        print(f"\r  activities {written:,}/{sizes.activities:,}", end="", file=sys.stderr)
    print(file=sys.stderr)
    with engine.begin() as conn:
        _finish(conn, "bench-anthropic", "anthropic",
                ["account", "workspace", "grant", "credential"])
        resolve_identities(conn)
    if engine.dialect.name == "postgresql":
        # Planner statistics, as autovacuum would gather after a bulk load.
        with engine.connect() as conn:
            conn.execute(sa.text("ANALYZE"))
            conn.commit()
    timings["build_activities_s"] = time.perf_counter() - started
    return timings


def main() -> None:
    """Build the store, time the checks, print and save the figures."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=1_000)
    parser.add_argument("--activities", type=int, default=100_000)
    parser.add_argument("--database-url", default=None,
                        help="default: a SQLite file in a temporary folder")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--output", type=Path, default=RESULTS,
                        help="where the JSON figures go (default bench/results/checks.json)")
    parser.add_argument("--skip-build", action="store_true",
                        help="time the checks on an existing store (--database-url) as is")
    args = parser.parse_args()
    sizes = Sizes(args.people, args.activities, keys=max(10, args.people // 2),
                  workspaces=max(10, args.people // 200))
    folder = tempfile.TemporaryDirectory(prefix="tenure-bench-")
    url = args.database_url or f"sqlite:///{folder.name}/bench.db"
    app = App(settings=Settings(database=DatabaseConfig(url=url)), clock=Clock(NOW),
              actor="bench")
    engine = app.engine
    load_builtin_checks()  # import the checks now, not after a long build
    if not args.skip_build:
        print(f"building {sizes.people:,} people, {sizes.activities:,} activities on "
              f"{engine.dialect.name} …", file=sys.stderr)
    timings = ({"build_snapshot_s": 0.0, "build_activities_s": 0.0} if args.skip_build
               else build(engine, sizes, random.Random(args.seed)))
    with engine.connect() as conn:
        rollups = conn.execute(sa.text("SELECT count(*) FROM activity_daily")).scalar_one()
        activities = conn.execute(sa.text("SELECT count(*) FROM activities")).scalar_one()
        people = conn.execute(sa.text("SELECT count(*) FROM people")).scalar_one()
        keys = conn.execute(sa.text("SELECT count(*) FROM credentials")).scalar_one()
        states = source_states(conn, app.settings)
        per_check: list[dict[str, Any]] = []
        for _, check in load_builtin_checks().items():
            outcome = evaluate_check(conn, check, now=NOW, states=states, overrides={})
            per_check.append({"check": check.id, "seconds": round(outcome.seconds, 4),
                              "failing": outcome.failing, "status": str(outcome.status)})
    evaluation = sum(float(c["seconds"]) for c in per_check)
    started = time.perf_counter()
    first = run_checks(app)
    first_run = time.perf_counter() - started
    started = time.perf_counter()
    run_checks(app)
    rerun = time.perf_counter() - started
    result = {
        "database": engine.dialect.name, "people": people,
        "activities": activities, "activity_rollup_rows": rollups, "keys": keys,
        "checks": per_check, "evaluation_seconds": round(evaluation, 3),
        "first_run_seconds": round(first_run, 3), "findings_opened": len(first.opened),
        "rerun_seconds": round(rerun, 3),
        **{k: round(v, 2) for k, v in timings.items()},
        "python": platform.python_version(), "machine": platform.machine(),
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    print(f"\n{'check':32} {'seconds':>9} {'failing':>8}")
    for row in per_check:
        print(f"{row['check']:32} {row['seconds']:>9.3f} {row['failing']:>8,}")
    print(f"{'all checks (evaluation)':32} {evaluation:>9.3f}")
    print(f"{'run_checks, first (+upsert, ledger)':32} {first_run:>9.3f} "
          f"{len(first.opened):>8,} opened")
    print(f"{'run_checks, re-run':32} {rerun:>9.3f}")
    print(f"store: {rollups:,} rollup rows; build {timings['build_snapshot_s']:.1f}s snapshot + "
          f"{timings['build_activities_s']:.1f}s activities")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    app.close()
    folder.cleanup()


if __name__ == "__main__":
    main()
