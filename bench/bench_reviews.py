"""Benchmark: creating a 10,000-item access-review campaign (not a test).

Builds a store of N people with one Claude seat each and N/2 API keys, daily usage for the
keys and activity for the seats, through the real writers; then times the population
snapshot (preview) and the full ``create`` (snapshot + recommendations + reviewers + item
insert + ledger entry), and a reviewer's queue read. Prints a table and writes
``bench/results/reviews.json``.

    .venv/bin/python bench/bench_reviews.py                      # 10,000 seats + 5,000 keys
    .venv/bin/python bench/bench_reviews.py --people 2000
    .venv/bin/python bench/bench_reviews.py --database-url postgresql://postgres@127.0.0.1/bench
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import resource
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from tenure.clock import Clock
from tenure.config import DatabaseConfig, Settings
from tenure.identity import resolve_identities
from tenure.model import (
    Account,
    AccountKind,
    Activity,
    Credential,
    CredentialKind,
    Person,
    PersonStatus,
    Usage,
)
from tenure.reviews.campaigns import CampaignSpec, NoResponse
from tenure.reviews.reviewers import parse_rule
from tenure.reviews.scope import parse_scope
from tenure.services import reviews
from tenure.services.context import App
from tenure.store import writers
from tenure.store.activity import write_activities
from tenure.store.db import make_engine, migrate, normalize_url
from tenure.store.people import write_people

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
RESULTS = Path(__file__).parent / "results" / "reviews.json"


def build(engine: sa.Engine, people: int, seed: int) -> None:
    rng = random.Random(seed)
    run = "bench"
    managers = [f"manager{i}@corp.example" for i in range(max(1, people // 20))]
    staff = [Person(f"p{i}@corp.example", f"Person {i}", f"E{i}",
                    PersonStatus.TERMINATED if rng.random() < 0.02 else PersonStatus.ACTIVE,
                    "Eng", "Engineer", rng.choice(managers), date(2020, 1, 1),
                    date(2026, 10, 1) if rng.random() < 0.02 else None) for i in range(people)]
    staff = [p if p.status is PersonStatus.ACTIVE or p.end_date else
             Person(p.email, p.name, p.employee_id, p.status, p.department, p.title,
                    p.manager_email, p.start_date, date(2026, 10, 1)) for p in staff]
    seats = [Account(f"user_{i:06d}", AccountKind.USER, f"p{i}@corp.example", f"Person {i}",
                     "admin" if i % 50 == 0 else "user", created_at=NOW - timedelta(days=400))
             for i in range(people)]
    keys = [Credential(f"apikey_{i:06d}", CredentialKind.API_KEY, f"key {i}", "active",
                       owner_type="user", owner_id=f"user_{rng.randrange(people):06d}",
                       creator_id=None, workspace_id="wrkspc_prod",
                       created_at=NOW - timedelta(days=rng.randrange(10, 400)))
            for i in range(people // 2)]
    common = {"source": "claude", "tenant": "org", "run_id": run}
    with engine.begin() as conn:
        write_people(conn, staff, source="hr", tenant="hr", run_id=run, now=NOW)
        for start in range(0, len(seats), 5000):
            writers.upsert_snapshot(conn, writers.SNAPSHOT_TABLES["account"],
                                    [writers.account_row(a) for a in seats[start:start + 5000]],
                                    now=NOW, **{k: v for k, v in common.items()})
            writers.upsert_snapshot(conn, writers.SNAPSHOT_TABLES["credential"],
                                    [writers.credential_row(k) for k in keys[start:start + 5000]],
                                    now=NOW, **{k: v for k, v in common.items()})
        usage = [Usage("api_key", k.external_id, (NOW - timedelta(days=d)).date(), 0,
                       rng.randrange(100, 10_000), rng.randrange(10, 1000))
                 for k in keys for d in range(0, 90, 3) if rng.random() < 0.7]
        for start in range(0, len(usage), 20_000):
            writers.write_usage(conn, usage[start:start + 20_000], **common)
        events = [Activity(uuid.UUID(int=rng.getrandbits(128)).hex, NOW - timedelta(
            days=rng.random() * 90), "user", s.external_id, s.email, "sso_login_succeeded",
            "login") for s in seats for _ in range(rng.randrange(0, 12))]
        for start in range(0, len(events), 20_000):
            write_activities(conn, events[start:start + 20_000], **common)
        conn.execute(sa.text("INSERT INTO sync_runs (id, source, source_type, tenant, "
                             "started_at, finished_at, status, complete_types, stats) VALUES "
                             "('r1', 'claude', 'anthropic', 'org', :t, :t, 'complete', '[]', "
                             "'{}')"), {"t": NOW if conn.dialect.name != "sqlite" else
                                        NOW.replace(tzinfo=None)})
        resolve_identities(conn)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    tmp = tempfile.TemporaryDirectory()
    url = normalize_url(args.database_url) if args.database_url else \
        f"sqlite:///{tmp.name}/bench.db"
    engine = make_engine(url)
    migrate(engine)
    t0 = time.perf_counter()
    build(engine, args.people, args.seed)
    build_s = time.perf_counter() - t0
    app = App(settings=Settings(database=DatabaseConfig(url=url)), clock=Clock(NOW),
              actor="bench", _engine=engine)
    spec = CampaignSpec(name="bench", scope=parse_scope("source:claude,kind:account,"
                                                        "kind:api_key"),
                        due_at=NOW + timedelta(days=14),
                        reviewer_rule=parse_rule("manager,key-owner", "secops@corp.example"),
                        if_no_response=NoResponse.RECOMMENDATION)
    t0 = time.perf_counter()
    population = reviews.preview(app, spec)
    preview_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    campaign_id, created = reviews.create(app, spec)
    create_s = time.perf_counter() - t0
    reviewer = created.items[0].reviewer
    timings = []
    for _ in range(20):
        t0 = time.perf_counter()
        reviews.items(app, campaign_id, reviewer=reviewer, status="pending")
        timings.append(time.perf_counter() - t0)
    timings.sort()
    result = {
        "database": engine.dialect.name, "people": args.people,
        "items": len(created.items), "build_store_s": round(build_s, 2),
        "preview_s": round(preview_s, 3), "create_campaign_s": round(create_s, 3),
        "items_per_s": round(len(created.items) / create_s),
        "queue_p95_ms": round(timings[int(len(timings) * 0.95) - 1] * 1000, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "python": platform.python_version(), "machine": platform.machine(),
    }
    assert len(population.items) == len(created.items)
    width = max(len(k) for k in result)
    for key, value in result.items():
        print(f"{key:<{width}}  {value}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    existing = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    existing[engine.dialect.name] = result
    RESULTS.write_text(json.dumps(existing, indent=2) + "\n")
    engine.dispose()


if __name__ == "__main__":
    main()
