"""Where the import's time goes (not a test): the hottest part of ingest, broken down.

Runs ``tenure import activity`` on a feed prepared by ``bench_scale.py --keep DIR`` into a
fresh store and reports:

- the producer alone (read, parse, normalize, pack — the half that runs in the prefetch
  thread), timed by draining it with no database;
- every SQL statement the import sends, total time per statement (SQLAlchemy cursor events);
- wall and CPU time of the whole import, so the overlap of the two halves shows;
- the top functions by own time (cProfile of the main thread) with ``--cprofile``.

Writes ``bench/results/profile-import.json``.

    .venv/bin/python bench/bench_scale.py --activities 1000000 --keep /tmp/k1m
    .venv/bin/python bench/profile_import.py /tmp/k1m
    .venv/bin/python bench/profile_import.py /tmp/k1m --database-url postgresql://postgres@127.0.0.1/postgres
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import io
import json
import pstats
import sys
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).parent))

import bench_scale

from tenure.config import load_settings
from tenure.services.context import App
from tenure.services.importer import ImportResult, _batches, import_activity

RESULTS = Path(__file__).parent / "results" / "profile-import.json"


def producer_seconds(feed: Path) -> float:
    result = ImportResult(run_id="profile", source="claude", tenant="claude")
    t0 = time.perf_counter()
    for _ in _batches(feed, str(feed), result, hashlib.sha256()):
        pass
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("work", type=Path, help="a folder kept by bench_scale.py --keep")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--cprofile", action="store_true")
    args = parser.parse_args()
    feed = args.work / "feed.jsonl"
    produce_s = producer_seconds(feed)
    target = bench_scale._fresh_store(args.work, args.database_url, "profile")
    app = App(settings=load_settings(bench_scale._config(args.work, target)), actor="bench")
    statements: dict[str, float] = {}

    @sa.event.listens_for(app.engine, "before_cursor_execute")
    def _before(conn: Any, *_: Any) -> None:
        conn.info["t0"] = time.perf_counter()

    @sa.event.listens_for(app.engine, "after_cursor_execute")
    def _after(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        key = " ".join(statement.split())[:70]
        statements[key] = statements.get(key, 0.0) + time.perf_counter() - conn.info["t0"]

    profile = cProfile.Profile() if args.cprofile else None
    wall0, cpu0 = time.perf_counter(), time.process_time()
    if profile:
        profile.enable()
    result = import_activity(app, feed, source="claude")
    if profile:
        profile.disable()
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    app.close()
    bench_scale._drop_store(target, args.database_url)
    top = sorted(statements.items(), key=lambda kv: -kv[1])[:8]
    database = "postgresql" if args.database_url else "sqlite"
    out = {"database": database, "activities": result.inserted, "wall_s": round(wall, 2),
           "cpu_s": round(cpu, 2), "producer_alone_s": round(produce_s, 2),
           "sql_total_s": round(sum(statements.values()), 2),
           "statements": {k: round(v, 3) for k, v in top}}
    print(f"{database}: {result.inserted:,} activities imported in {wall:.2f} s wall, "
          f"{cpu:.2f} s CPU (both threads)")
    print(f"  producer alone (read, parse, normalize, pack): {produce_s:.2f} s")
    print(f"  SQL, all statements: {out['sql_total_s']} s")
    for statement, seconds in top:
        print(f"    {seconds:7.3f} s  {statement}")
    if profile:
        text = io.StringIO()
        pstats.Stats(profile, stream=text).sort_stats("tottime").print_stats(12)
        print(text.getvalue())
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    existing = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    existing[f"{database}-{result.inserted}"] = out
    RESULTS.write_text(json.dumps(existing, indent=2) + "\n")


if __name__ == "__main__":
    main()
