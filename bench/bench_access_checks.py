"""Benchmark: the four effective-access checks on a generated organization (not a test).

Builds the organization of ``bench_effective_access`` (N people, G groups — a quarter
SCIM-sourced —, R roles, about five memberships per person) through the real writers, computes
its effective access, marks one seat in fifty disabled, then times each check of
``tenure.checks.access`` (one set-based statement each, rows aggregated per subject after the
query) and reports how many subjects each found. Writes ``bench/results/access_checks.json``
(one entry per database kind).

    .venv/bin/python bench/bench_access_checks.py
    .venv/bin/python bench/bench_access_checks.py --people 1000 --groups 200 --roles 20
    .venv/bin/python bench/bench_access_checks.py --database-url postgresql://postgres@127.0.0.1/bench
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from tenure.checks.base import EvalContext, Params
from tenure.checks.registry import load_builtin_checks
from tenure.services import effective_access
from tenure.store import schema
from tenure.store.db import make_engine, migrate, normalize_url

sys.path.insert(0, str(Path(__file__).parent))
from bench_effective_access import NOW, SOURCE, TENANT, build

RESULTS = Path(__file__).parent / "results" / "access_checks.json"
CHECKS = ("privilege-via-group", "custom-role-privileged", "disabled-seat-still-granted",
          "idp-group-drift")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--groups", type=int, default=2_000)
    parser.add_argument("--roles", type=int, default=200)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--database-url", default=None,
                        help="A PostgreSQL URL (default: a fresh SQLite file)")
    args = parser.parse_args()
    catalogue = load_builtin_checks()
    timings: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="tenure-bench-ac-") as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.db"
        engine = make_engine(normalize_url(url))
        migrate(engine)
        kind = engine.dialect.name
        with engine.begin() as conn:
            if kind == "postgresql":
                for table in reversed(schema.metadata.sorted_tables):
                    conn.execute(table.delete())
            counts = build(conn, args.people, args.groups, args.roles, args.seed)
            a = schema.accounts
            ids = list(conn.execute(sa.select(a.c.external_id).order_by(a.c.external_id))
                       .scalars())[::50]
            conn.execute(a.update().where(a.c.external_id.in_(ids)).values(status="disabled"))
        with engine.begin() as conn:
            conn.execute(sa.text("ANALYZE"))  # fresh statistics, as after a sync
        with engine.begin() as conn:
            effective_access.compute(conn, source=SOURCE, tenant=TENANT, run_id="bench-run",
                                     now=NOW)
        with engine.begin() as conn:
            conn.execute(sa.text("ANALYZE"))
        with engine.connect() as conn:
            for check_id in CHECKS:
                check = catalogue.get(check_id)
                ctx = EvalContext(conn, NOW, Params(check.defaults()))
                started = time.perf_counter()
                hits = list(check.evaluate(ctx))
                timings[check_id] = {"seconds": round(time.perf_counter() - started, 3),
                                     "subjects": len(hits)}
        engine.dispose()
    entry: dict[str, Any] = {
        "database": kind, "people": args.people, "groups": args.groups, "roles": args.roles,
        "rows_in": counts, "disabled_seats": len(ids), "checks": timings,
        "machine": f"{platform.machine()} {platform.python_implementation()} "
                   f"{platform.python_version()}",
        "measured_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    print(json.dumps(entry, indent=1))
    existing = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    existing[kind] = entry
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(existing, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
