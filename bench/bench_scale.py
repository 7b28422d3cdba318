"""Benchmark: activity ingest against the floor, on the same data in one run (not a test).

1. prepare: generate a synthetic organization with N activities (the simulator's streaming
   generator), serve it, and dump its Compliance feed to ``feed.jsonl`` over HTTP.
2. floor: parse ``feed.jsonl`` with orjson and bulk-insert the same columns with no logic
   (sqlite3 ``executemany`` / PostgreSQL ``COPY``).
3. import: ``tenure import activity feed.jsonl`` (normalize, dedup, rollups, raw pages kept,
   ledger entries).
4. http: ``tenure sync`` of the Anthropic source against the simulator serving the same
   organization over loopback (everything: users, keys, usage, the activity feed).

Each phase runs in its own process so its peak memory is its own. Prints a table and writes
``bench/results/ingest.json``.

    .venv/bin/python bench/bench_ingest.py                       # 100k activities, SQLite
    .venv/bin/python bench/bench_ingest.py --activities 1000000
    .venv/bin/python bench/bench_ingest.py --activities 10000000 --i-have-time
    .venv/bin/python bench/bench_ingest.py --database-url postgresql://postgres@127.0.0.1/postgres
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results" / "ingest.json"
COLUMNS = ("external_id", "occurred_at", "actor_kind", "actor_id", "actor_email", "action",
           "target_id", "credential_id")


def _peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def phase_prepare(work: Path, activities: int) -> dict[str, Any]:
    import httpx

    from tenure.simulator import Options, generate, start_simulator

    people = max(50, min(10_000, activities // 400))
    t0 = time.perf_counter()
    generate(work / "scenario", Options(people=people, events=activities, seed=11))
    generated = time.perf_counter() - t0
    lines = 0
    with start_simulator(work / "scenario") as sim, (work / "feed.jsonl").open("wb") as out:
        import orjson

        headers = {"x-api-key": sim.compliance_key or sim.admin_key,
                   "anthropic-version": "2023-06-01"}
        params: dict[str, Any] = {"limit": 5000}
        with httpx.Client(base_url=sim.base_url, headers=headers, timeout=120) as client:
            while True:
                page = client.get("/v1/compliance/activities", params=params).json()
                for item in page["data"]:
                    out.write(orjson.dumps(item) + b"\n")
                    lines += 1
                if not page["has_more"]:
                    break
                params["after_id"] = page["last_id"]
    return {"people": people, "activities": lines, "generate_s": round(generated, 2),
            "feed_mb": round((work / "feed.jsonl").stat().st_size / 1e6, 1)}


def _rows(path: Path) -> Any:
    import orjson

    with path.open("rb") as handle:
        for line in handle:
            o = orjson.loads(line)
            actor = o.get("actor") or {}
            yield (o["id"], o["created_at"], actor.get("type"), actor.get("user_id"),
                   actor.get("email_address"), o["type"], o.get("api_key_id") or
                   o.get("user_id"), actor.get("api_key_id"))


def phase_floor(work: Path, url: str | None) -> dict[str, Any]:
    t0 = time.perf_counter()
    n = 0
    if url is None:
        db = sqlite3.connect(work / "floor.db")
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute(f"CREATE TABLE floor ({', '.join(COLUMNS)})")
        batch: list[tuple[Any, ...]] = []
        insert = f"INSERT INTO floor VALUES ({', '.join('?' * len(COLUMNS))})"  # noqa: S608 (fixed column list)
        for row in _rows(work / "feed.jsonl"):
            batch.append(row)
            if len(batch) >= 20_000:
                db.executemany(insert, batch)
                n += len(batch)
                batch = []
        db.executemany(insert, batch)
        n += len(batch)
        db.commit()
        db.close()
    else:
        import psycopg

        table = f"floor_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
            conn.execute(f"CREATE TABLE {table} ({', '.join(c + ' text' for c in COLUMNS)})")
            with conn.cursor() as cur, cur.copy(f"COPY {table} FROM STDIN") as copy:
                for row in _rows(work / "feed.jsonl"):
                    copy.write_row(row)
                    n += 1
            conn.commit()
            conn.execute(f"DROP TABLE {table}")
            conn.commit()
    return {"rows": n, "seconds": round(time.perf_counter() - t0, 2)}


def _config(work: Path, url: str, base_url: str = "http://127.0.0.1:9") -> Path:
    path = work / "tenure.toml"
    path.write_text(f'[database]\nurl = "{url}"\n[[sources]]\nname = "claude"\n'
                    f'type = "anthropic"\nbase_url = "{base_url}"\napi_key_env = "BENCH_KEY"\n'
                    'compliance_api_key_env = "BENCH_COMPLIANCE_KEY"\n', encoding="utf-8")
    return path


def _fresh_store(work: Path, url: str | None, name: str) -> str:
    from tenure.store.db import make_engine, migrate

    if url is None:
        target = f"sqlite:///{work / name}.db"
    else:
        import sqlalchemy as sa

        admin = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"),
                                 isolation_level="AUTOCOMMIT")
        db = f"bench_{name}_{uuid.uuid4().hex[:6]}"
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{db}"'))
        admin.dispose()
        target = str(sa.make_url(url).set(database=db))
    engine = make_engine(target)
    migrate(engine)
    engine.dispose()
    return target


def _drop_store(target: str, url: str | None) -> None:
    """PostgreSQL benchmark databases are dropped once measured (SQLite files go with the
    temporary folder)."""
    if url is None:
        return
    import sqlalchemy as sa

    admin = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"),
                             isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{sa.make_url(target).database}" '
                             "WITH (FORCE)"))
    admin.dispose()


def phase_import(work: Path, url: str | None) -> dict[str, Any]:
    from tenure.config import load_settings
    from tenure.services.context import App
    from tenure.services.importer import import_activity

    target = _fresh_store(work, url, "import")
    app = App(settings=load_settings(_config(work, target)), actor="bench")
    t0 = time.perf_counter()
    result = import_activity(app, work / "feed.jsonl", source="claude")
    seconds = time.perf_counter() - t0
    app.close()
    _drop_store(target, url)
    return {"inserted": result.inserted, "seconds": round(seconds, 2)}


def phase_http(work: Path, url: str | None) -> dict[str, Any]:
    from tenure.config import load_settings
    from tenure.services.context import App
    from tenure.services.sync import run_source
    from tenure.simulator import start_simulator

    target = _fresh_store(work, url, "http")
    with start_simulator(work / "scenario") as sim:
        os.environ["BENCH_KEY"] = sim.admin_key
        os.environ["BENCH_COMPLIANCE_KEY"] = sim.compliance_key or sim.admin_key
        app = App(settings=load_settings(_config(work, target, sim.base_url)), actor="bench")
        t0 = time.perf_counter()
        result = run_source(app, "claude")
        seconds = time.perf_counter() - t0
        app.close()
    _drop_store(target, url)
    if result.error:
        raise SystemExit(f"http sync failed: {result.error}")
    return {"activities": result.written.get("activity", 0), "status": str(result.status),
            "seconds": round(seconds, 2)}


PHASES = {"prepare": phase_prepare, "floor": phase_floor, "import": phase_import,
          "http": phase_http}


def run_phase(name: str, work: Path, args: argparse.Namespace) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--phase", name, "--work", str(work),
           "--activities", str(args.activities)]
    if args.database_url:
        cmd += ["--database-url", args.database_url]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"phase {name} failed:\n{done.stderr[-3000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--activities", type=int, default=100_000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--phase", choices=sorted(PHASES), default=None)
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument("--i-have-time", action="store_true",
                        help="allow 10M activities (hours on a laptop)")
    args = parser.parse_args()
    if args.phase:
        fn = PHASES[args.phase]
        out = (fn(args.work, args.activities) if args.phase == "prepare"
               else fn(args.work, args.database_url))
        print(json.dumps({**out, "peak_rss_mb": _peak_mb()}))
        return
    if args.activities >= 10_000_000 and not args.i_have_time:
        raise SystemExit("10M activities takes a long time: pass --i-have-time")
    with tempfile.TemporaryDirectory(prefix="tenure-bench-") as tmp:
        work = Path(tmp)
        prep = run_phase("prepare", work, args)
        floor = run_phase("floor", work, args)
        imported = run_phase("import", work, args)
        http = None if args.skip_http else run_phase("http", work, args)
    database = "postgresql" if args.database_url else "sqlite"
    result = {
        "database": database, "activities": prep["activities"], "people": prep["people"],
        "feed_mb": prep["feed_mb"],
        "floor_s": floor["seconds"], "floor_peak_mb": floor["peak_rss_mb"],
        "import_s": imported["seconds"], "import_peak_mb": imported["peak_rss_mb"],
        "import_vs_floor": round(imported["seconds"] / max(floor["seconds"], 1e-9), 2),
        "import_rows_per_s": round(imported["inserted"] / max(imported["seconds"], 1e-9)),
        "python": platform.python_version(), "machine": platform.machine(),
    }
    if http is not None:
        result.update({"http_sync_s": http["seconds"], "http_peak_mb": http["peak_rss_mb"],
                       "http_activities": http["activities"],
                       "http_vs_floor": round(http["seconds"] / max(floor["seconds"], 1e-9),
                                              2)})
    width = max(len(k) for k in result)
    for key, value in result.items():
        print(f"{key:<{width}}  {value}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    existing = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    existing[f"{database}-{prep['activities']}"] = result
    RESULTS.write_text(json.dumps(existing, indent=2) + "\n")


if __name__ == "__main__":
    main()
