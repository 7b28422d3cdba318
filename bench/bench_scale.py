"""Benchmark: ingest against the floor, then judge the result — one run, same data (not a test).

1. prepare: generate an organization of ``--people`` people with N activities (the simulator's
   streaming generator) and dump its Compliance feed to ``feed.jsonl`` over HTTP.
2. floor: parse ``feed.jsonl`` with orjson and bulk-insert the same 15 columns Tenure stores,
   with no logic (sqlite3 ``executemany`` / PostgreSQL ``COPY``) into a bare table; then again
   into a table with Tenure's own keys and indexes (``floor_indexed``: the floor plus the index
   maintenance any deduplicating store pays).
3. import: a fresh store gets the identity layer (HR CSV, then an Anthropic sync with the
   activity feed switched off), then ``tenure import activity feed.jsonl`` is timed (normalize,
   dedup, rollups, raw pages kept, ledger entries). Over the resulting store it times all
   built-in checks (first run and re-run), creating the review campaign over every seat and
   key, and the web queue page's p95 for the one reviewer who holds every item.
4. http: ``tenure sync`` of the Anthropic source against the simulator serving the same
   organization over loopback (everything, including the activity feed's first 90 days).

Each phase runs in its own process, so its peak memory (max RSS) is its own. Prints a table
and writes ``bench/results/scale.json`` (keyed by database and size).

    .venv/bin/python bench/bench_scale.py                        # 100k activities, SQLite
    .venv/bin/python bench/bench_scale.py --activities 1000000
    .venv/bin/python bench/bench_scale.py --activities 10000000 --i-have-time --skip-http
    .venv/bin/python bench/bench_scale.py --database-url postgresql://postgres@127.0.0.1/postgres
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results" / "scale.json"
COLUMNS = ("external_id", "occurred_at", "actor_kind", "actor_id", "actor_email", "action",
           "category", "target_type", "target_id", "workspace_id", "credential_id", "source",
           "tenant", "sync_run_id", "raw_page_id")
REVIEWER, PASSWORD = "reviewer@bench.example", "bench-password-1"


def _peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


@contextmanager
def _served(work: Path) -> Iterator[tuple[str, str, str]]:
    """The simulator serving the scenario in its own process (its memory is not ours).

    Yields (base URL, admin key, compliance key)."""
    import httpx

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    admin = f"sk-ant-admin01-bench-{uuid.uuid4().hex}"
    compliance = f"sk-ant-api01-bench-{uuid.uuid4().hex}"
    server = subprocess.Popen(
        [sys.executable, "-m", "tenure.cli", "simulator", "serve", "--scenario",
         str(work / "scenario"), "--port", str(port), "--admin-key", admin,
         "--compliance-key", compliance], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base_url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                httpx.get(base_url + "/v1/organizations/me", timeout=1)
                break
            except httpx.TransportError:
                if server.poll() is not None:
                    raise SystemExit(f"simulator exited: {server.stderr.read()!r}"[:2000]
                                     if server.stderr else "simulator exited") from None
                time.sleep(0.1)
        yield base_url, admin, compliance
    finally:
        server.terminate()
        server.wait(timeout=30)


def phase_prepare(work: Path, args: argparse.Namespace) -> dict[str, Any]:
    import httpx
    import orjson

    from tenure.simulator import Options, generate

    t0 = time.perf_counter()
    generate(work / "scenario", Options(people=args.people, events=args.activities, seed=11))
    generated = time.perf_counter() - t0
    lines = 0
    with _served(work) as (base_url, _, compliance), (work / "feed.jsonl").open("wb") as out:
        headers = {"x-api-key": compliance, "anthropic-version": "2023-06-01"}
        params: dict[str, Any] = {"limit": 5000}
        with httpx.Client(base_url=base_url, headers=headers, timeout=300) as client:
            while True:
                page = client.get("/v1/compliance/activities", params=params).json()
                for item in page["data"]:
                    out.write(orjson.dumps(item) + b"\n")
                    lines += 1
                if not page["has_more"]:
                    break
                params["after_id"] = page["last_id"]
    return {"people": args.people, "activities": lines, "generate_s": round(generated, 2),
            "feed_mb": round((work / "feed.jsonl").stat().st_size / 1e6, 1)}


def _raw_rows(path: Path) -> Any:
    """The feed's fields as they come, no normalization: the floor's input."""
    import orjson

    with path.open("rb") as handle:
        for line in handle:
            o = orjson.loads(line)
            actor = o.get("actor") or {}
            yield (o["id"], o["created_at"], actor.get("type"), actor.get("user_id"),
                   actor.get("email_address"), o["type"], o["type"], actor.get("type"),
                   o.get("api_key_id") or o.get("user_id"), o.get("workspace_id"),
                   actor.get("api_key_id"), "claude", "claude", "floor", 1)


_KEYS = ("PRIMARY KEY (source, tenant, occurred_at, external_id)",
         "CREATE INDEX {table}_actor ON {table} (actor_id, occurred_at)")


def _floor(work: Path, url: str | None, indexed: bool) -> dict[str, Any]:
    t0 = time.perf_counter()
    n = 0
    table = f"floor_{uuid.uuid4().hex[:8]}"
    columns = ", ".join(COLUMNS) + (f", {_KEYS[0]}" if indexed else "")
    if url is None:
        db = sqlite3.connect(work / f"{table}.db")
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "cache_size=-65536"):
            db.execute(f"PRAGMA {pragma}")
        db.execute(f"CREATE TABLE {table} ({columns})")
        if indexed:
            db.execute(_KEYS[1].format(table=table))
        batch: list[tuple[Any, ...]] = []
        insert = f"INSERT INTO {table} VALUES ({', '.join('?' * len(COLUMNS))})"  # noqa: S608 (fixed column list)
        for row in _raw_rows(work / "feed.jsonl"):
            batch.append(row)
            if len(batch) >= 20_000:
                db.executemany(insert, batch)
                n += len(batch)
                batch = []
        db.executemany(insert, batch)
        n += len(batch)
        db.commit()
        db.close()
        for leftover in work.glob(f"{table}.db*"):
            leftover.unlink()
    else:
        import psycopg

        typed = ", ".join(c + " text" for c in COLUMNS) + (f", {_KEYS[0]}" if indexed else "")
        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
            conn.execute(f"CREATE TABLE {table} ({typed})")
            if indexed:
                conn.execute(_KEYS[1].format(table=table))
            with conn.cursor() as cur, cur.copy(f"COPY {table} FROM STDIN") as copy:
                for row in _raw_rows(work / "feed.jsonl"):
                    copy.write_row(row)
                    n += 1
            conn.commit()
            seconds = time.perf_counter() - t0
            conn.execute(f"DROP TABLE {table}")
            conn.commit()
            return {"rows": n, "seconds": round(seconds, 2)}
    return {"rows": n, "seconds": round(time.perf_counter() - t0, 2)}


def phase_floor(work: Path, args: argparse.Namespace) -> dict[str, Any]:
    return _floor(work, args.database_url, indexed=False)


def phase_floor_indexed(work: Path, args: argparse.Namespace) -> dict[str, Any]:
    return _floor(work, args.database_url, indexed=True)


def _config(work: Path, url: str, base_url: str = "http://127.0.0.1:9",
            activities: bool = True) -> Path:
    path = work / "tenure.toml"
    path.write_text(
        f'[database]\nurl = "{url}"\n'
        f'[[sources]]\nname = "hr"\ntype = "hr-csv"\npath = "{work / "scenario" / "hr.csv"}"\n'
        f'[[sources]]\nname = "claude"\ntype = "anthropic"\nbase_url = "{base_url}"\n'
        'api_key_env = "BENCH_KEY"\ncompliance_api_key_env = "BENCH_COMPLIANCE_KEY"\n'
        f"activities = {'true' if activities else 'false'}\n", encoding="utf-8")
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
    """Benchmark stores go once measured (PostgreSQL databases dropped, SQLite files deleted)."""
    if url is None:
        path = Path(target.removeprefix("sqlite:///"))
        for leftover in path.parent.glob(path.name + "*"):
            leftover.unlink()
        return
    import sqlalchemy as sa

    admin = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"),
                             isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{sa.make_url(target).database}" '
                             "WITH (FORCE)"))
    admin.dispose()


def _timed(fn: Any, *args: Any, **kwargs: Any) -> tuple[Any, float]:
    t0 = time.perf_counter()
    value = fn(*args, **kwargs)
    return value, round(time.perf_counter() - t0, 3)


def _queue_p95_ms(app: Any, repeat: int = 30) -> float:
    """p95 of the web queue page for the reviewer who holds every item (real ASGI app)."""
    from fastapi.testclient import TestClient

    from tenure.api import create_app
    from tenure.services import web_users
    from tenure.services.web_users import Role

    warnings.simplefilter("ignore")
    from tenure.services.web_demo import sign_in

    admin = "bench-admin@corp.example"
    if web_users.get_user(app, admin) is None:  # the bootstrap admin adds the reviewer
        web_users.add_user(app, admin, Role.ADMIN, PASSWORD)
    web_users.add_user(sign_in(app, admin, PASSWORD), REVIEWER, Role.REVIEWER, PASSWORD)
    with TestClient(create_app(app)) as client:
        token = client.get("/login").text.split('name="csrf_token" value="')[1].split('"')[0]
        client.post("/login", data={"email": REVIEWER, "password": PASSWORD,
                                    "csrf_token": token})
        client.get("/queue")
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            response = client.get("/queue")
            times.append(time.perf_counter() - t0)
            assert response.status_code == 200, response.status_code
    times.sort()
    return round(times[max(0, int(len(times) * 0.95) - 1)] * 1000, 1)


def phase_identity(work: Path, args: argparse.Namespace) -> dict[str, Any]:
    """The identity layer of the judged store: HR, then Anthropic with the feed switched off."""
    from tenure.config import load_settings
    from tenure.services.context import App
    from tenure.services.sync import run_source

    target = _fresh_store(work, args.database_url, "judge")
    (work / "judge.url").write_text(target, encoding="utf-8")
    with _served(work) as (base_url, admin, compliance):
        os.environ["BENCH_KEY"], os.environ["BENCH_COMPLIANCE_KEY"] = admin, compliance
        app = App(settings=load_settings(_config(work, target, base_url, activities=False)),
                  actor="bench")
        seconds = {}
        for source in ("hr", "claude"):
            result, seconds[source] = _timed(run_source, app, source)
            if result.error:
                raise SystemExit(f"identity sync of {source} failed: {result.error}")
        app.close()
    return {"hr_s": seconds["hr"], "claude_identity_s": seconds["claude"]}


def phase_import(work: Path, args: argparse.Namespace) -> dict[str, Any]:
    import sqlalchemy as sa

    from tenure.config import load_settings
    from tenure.reviews.campaigns import CampaignSpec
    from tenure.reviews.reviewers import parse_rule
    from tenure.reviews.scope import parse_scope
    from tenure.services import findings, reviews
    from tenure.services.context import App
    from tenure.services.importer import import_activity

    target = (work / "judge.url").read_text(encoding="utf-8")
    app = App(settings=load_settings(_config(work, target)), actor="bench")
    result, import_s = _timed(import_activity, app, work / "feed.jsonl", source="claude")
    import_peak = _peak_mb()
    with app.engine.connect() as conn:
        rollups = conn.execute(sa.text("SELECT count(*) FROM activity_daily")).scalar_one()
        stored = conn.execute(sa.text("SELECT count(*) FROM activities")).scalar_one()
    first, checks_s = _timed(findings.run_checks, app)
    _, checks_rerun_s = _timed(findings.run_checks, app)
    checks_peak = _peak_mb()
    spec = CampaignSpec(name="bench", scope=parse_scope("source:claude,kind:account,"
                                                        "kind:api_key"),
                        due_at=app.now() + timedelta(days=14),
                        reviewer_rule=parse_rule(f"named:{REVIEWER}", "secops@bench.example"))
    (_, created), campaign_s = _timed(reviews.create, app, spec)
    queue_p95 = _queue_p95_ms(app)
    app.close()
    _drop_store(target, args.database_url)
    return {"inserted": result.inserted, "seconds": import_s, "import_peak_rss_mb": import_peak,
            "activities_stored": stored, "rollup_rows": rollups, "checks_first_s": checks_s,
            "checks_rerun_s": checks_rerun_s, "findings_opened": len(first.opened),
            "checks_peak_rss_mb": checks_peak, "campaign_items": len(created.items),
            "campaign_s": campaign_s, "queue_p95_ms": queue_p95}


def phase_http(work: Path, args: argparse.Namespace) -> dict[str, Any]:
    from tenure.config import load_settings
    from tenure.services.context import App
    from tenure.services.sync import run_source

    url = args.database_url
    target = _fresh_store(work, url, "http")
    with _served(work) as (base_url, admin, compliance):
        os.environ["BENCH_KEY"], os.environ["BENCH_COMPLIANCE_KEY"] = admin, compliance
        app = App(settings=load_settings(_config(work, target, base_url)), actor="bench")
        result, seconds = _timed(run_source, app, "claude")
        app.close()
    _drop_store(target, url)
    if result.error:
        raise SystemExit(f"http sync failed: {result.error}")
    return {"activities": result.written.get("activity", 0), "status": str(result.status),
            "seconds": seconds}


PHASES = {"prepare": phase_prepare, "floor": phase_floor, "floor_indexed": phase_floor_indexed,
          "identity": phase_identity, "import": phase_import, "http": phase_http}


def run_phase(name: str, work: Path, args: argparse.Namespace) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--phase", name, "--work", str(work),
           "--activities", str(args.activities), "--people", str(args.people)]
    if args.database_url:
        cmd += ["--database-url", args.database_url]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"phase {name} failed:\n{done.stderr[-3000:]}")
    out = dict(json.loads(done.stdout.strip().splitlines()[-1]))
    print(f"  {name}: {out}", file=sys.stderr)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--activities", type=int, default=100_000)
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--phase", choices=sorted(PHASES), default=None)
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument("--keep", type=Path, default=None,
                        help="keep the generated organization and feed in this folder and reuse "
                        "them on the next run of the same size (e.g. for the other database)")
    parser.add_argument("--i-have-time", action="store_true",
                        help="allow 10M activities (most of an hour per database)")
    args = parser.parse_args()
    if args.phase:
        out = PHASES[args.phase](args.work, args)
        print(json.dumps({**out, "peak_rss_mb": _peak_mb()}))
        return
    if args.activities >= 10_000_000 and not args.i_have_time:
        raise SystemExit("10M activities takes a long time: pass --i-have-time")
    with tempfile.TemporaryDirectory(prefix="tenure-bench-") as tmp:
        work = args.keep if args.keep else Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        marker = work / "prepared.json"
        wanted = {"activities": args.activities, "people": args.people}
        if marker.exists() and json.loads(marker.read_text())["wanted"] == wanted:
            prep = json.loads(marker.read_text())["prep"]
            print(f"  prepare: reusing {work}", file=sys.stderr)
        else:
            prep = run_phase("prepare", work, args)
            marker.write_text(json.dumps({"wanted": wanted, "prep": prep}))
        floor = run_phase("floor", work, args)
        floor_indexed = run_phase("floor_indexed", work, args)
        identity = run_phase("identity", work, args)
        imported = run_phase("import", work, args)
        http = None if args.skip_http else run_phase("http", work, args)
    database = "postgresql" if args.database_url else "sqlite"
    result = {
        "database": database, "activities": prep["activities"], "people": prep["people"],
        "feed_mb": prep["feed_mb"],
        "floor_s": floor["seconds"], "floor_peak_mb": floor["peak_rss_mb"],
        "floor_indexed_s": floor_indexed["seconds"],
        "import_s": imported["seconds"], "import_peak_mb": imported["import_peak_rss_mb"],
        "import_vs_floor": round(imported["seconds"] / max(floor["seconds"], 1e-9), 2),
        "import_vs_floor_indexed": round(imported["seconds"] /
                                         max(floor_indexed["seconds"], 1e-9), 2),
        "import_rows_per_s": round(imported["inserted"] / max(imported["seconds"], 1e-9)),
        "identity_sync_s": identity["claude_identity_s"],
        "identity_peak_mb": identity["peak_rss_mb"],
        "activities_stored": imported["activities_stored"],
        "rollup_rows": imported["rollup_rows"],
        "checks_first_s": imported["checks_first_s"],
        "checks_rerun_s": imported["checks_rerun_s"],
        "findings_opened": imported["findings_opened"],
        "checks_peak_mb": imported["checks_peak_rss_mb"],
        "campaign_items": imported["campaign_items"], "campaign_s": imported["campaign_s"],
        "queue_p95_ms": imported["queue_p95_ms"],
        "judge_phase_peak_mb": imported["peak_rss_mb"],
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
