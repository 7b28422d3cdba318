"""Benchmark: page and API latency of the web app on a 10,000-seat organization (not a test).

Builds the store of ``bench_reviews.py`` (N people, one Claude seat each, N/2 API keys, usage
and activity), runs the checks, creates one campaign whose every item (≈1.5 N) is assigned
to a single reviewer, then requests the main pages and API lists in process (the real ASGI
app, templates included; no network) and reports p50/p95 per page. Writes
``bench/results/web.json``.

    .venv/bin/python bench/bench_web.py
    .venv/bin/python bench/bench_web.py --people 2000 --repeat 10
    .venv/bin/python bench/bench_web.py --database-url postgresql://postgres@127.0.0.1/bench
    .venv/bin/python bench/bench_web.py --store /tmp/web10k --only queue --profile queue

``--store DIR`` keeps the built SQLite store (or, with ``--database-url``, a marker that the
database is built) in DIR and reuses it on the next run; ``--only`` times the pages whose label
contains the text; ``--profile`` prints a cProfile of the first page whose label contains it.
Timings of a reused store are those of the current code on the same data.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import platform
import statistics
import tempfile
import time
import warnings
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

from tenure.clock import Clock
from tenure.config import DatabaseConfig, Settings
from tenure.reviews.campaigns import CampaignSpec
from tenure.reviews.reviewers import parse_rule
from tenure.reviews.scope import parse_scope
from tenure.services import findings, reviews, web_users
from tenure.services.context import App
from tenure.services.web_demo import sign_in
from tenure.services.web_users import Role
from tenure.store.db import make_engine, migrate, normalize_url, refresh_statistics

RESULTS = Path(__file__).parent / "results" / "web.json"
REVIEWER, ADMIN, PASSWORD = "reviewer@corp.example", "admin@corp.example", "bench-password-1"


def _bench_reviews() -> object:
    spec = importlib.util.spec_from_file_location("bench_reviews",
                                                  Path(__file__).parent / "bench_reviews.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _profile(client: object, path: str, headers: dict[str, str]) -> None:
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(3):
        client.get(path, headers=headers)  # type: ignore[attr-defined]
    profiler.disable()
    print(f"--- profile of GET {path} (3 requests)")
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--store", type=Path, default=None,
                        help="keep and reuse the built store in this folder")
    parser.add_argument("--only", default=None, help="time only pages whose label has this")
    parser.add_argument("--profile", default=None, help="cProfile this page (label substring)")
    parser.add_argument("--no-write", action="store_true", help="do not write results JSON")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

    from tenure.api import create_app

    base = _bench_reviews()
    tmp = tempfile.TemporaryDirectory()
    folder = args.store or Path(tmp.name)
    folder.mkdir(parents=True, exist_ok=True)
    url = normalize_url(args.database_url) if args.database_url else \
        f"sqlite:///{folder}/bench.db"
    engine = make_engine(url)
    migrate(engine)
    now = base.NOW  # type: ignore[attr-defined]
    app = App(settings=Settings(database=DatabaseConfig(url=url)), clock=Clock(now),
              actor="bench", _engine=engine)
    built = folder / f"built-{engine.dialect.name}-{args.people}.json"
    if args.store is not None and built.exists():
        kept = json.loads(built.read_text())
        campaign_id, n_items = kept["campaign"], kept["items"]
        reviewer_token, admin_token = kept["reviewer_token"], kept["admin_token"]
    else:
        base.build(engine, args.people, 1)  # type: ignore[attr-defined]
        findings.run_checks(app)
        campaign_id, created = reviews.create(app, CampaignSpec(
            name="bench", scope=parse_scope("source:claude,kind:account,kind:api_key"),
            due_at=now + timedelta(days=14),
            reviewer_rule=parse_rule(f"named:{REVIEWER}", "secops@corp.example")))
        n_items = len(created.items)
        # the bootstrap admin adds the reviewer; each mints their own token after the password
        web_users.add_user(app, ADMIN, Role.ADMIN, PASSWORD)
        admin = sign_in(app, ADMIN, PASSWORD)
        web_users.add_user(admin, REVIEWER, Role.REVIEWER, PASSWORD)
        reviewer_token = web_users.create_token(sign_in(app, REVIEWER, PASSWORD), REVIEWER)[1]
        admin_token = web_users.create_token(admin, ADMIN)[1]
        refresh_statistics(engine)  # as every sync and import does (PostgreSQL's ANALYZE)
        if engine.dialect.name == "postgresql":
            # What autovacuum does within a minute of the campaign's 15,000 inserts (its insert
            # threshold): the visibility map that lets the queue read its covering index alone.
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(sa.text("VACUUM (ANALYZE) review_items"))
        if args.store is not None:
            built.write_text(json.dumps({"campaign": campaign_id, "items": n_items,
                                         "reviewer_token": reviewer_token,
                                         "admin_token": admin_token}))
    first = reviews.items(app, campaign_id, reviewer=REVIEWER)[0]
    finding_id = findings.list_findings(app)[0].id
    pages = {
        "page /dashboard (reviewer)": ("/dashboard", REVIEWER),
        "page /dashboard (admin)": ("/dashboard", ADMIN),
        "page /queue (grouped, first 25 people)": ("/queue", REVIEWER),
        "page /queue?offset=9950 (grouped)": ("/queue?offset=9950", REVIEWER),
        "page /queue?recommendation=revoke&has_finding=1": (
            "/queue?recommendation=revoke&has_finding=1", REVIEWER),
        "page /items/{id}": (f"/items/{first.id}", REVIEWER),
        "page /subjects/{kind}": (f"/subjects/{first.kind}?source={first.source}"
                                  f"&id={first.subject_id}", REVIEWER),
        "page /campaigns": ("/campaigns", ADMIN),
        "page /campaigns/{id}": (f"/campaigns/{campaign_id}", ADMIN),
        "page /findings": ("/findings", ADMIN),
        "page /findings/{id}": (f"/findings/{finding_id}", ADMIN),
        "page /people": ("/people", ADMIN),
        "page /people?q=user1": ("/people?q=user1", ADMIN),
        "page /accounts": ("/accounts", ADMIN),
        "page /keys": ("/keys", ADMIN),
        "page /workspaces": ("/workspaces", ADMIN),
        "page /activity (admin activity)": ("/activity", ADMIN),
        "page /plans": ("/plans", ADMIN),
        "page /sources": ("/sources", ADMIN),
        "api /api/queue": ("/api/queue", reviewer_token),
        "api /api/findings": ("/api/findings", admin_token),
        "api /api/campaigns/{id}/items": (f"/api/campaigns/{campaign_id}/items", admin_token),
    }
    out: dict[str, dict[str, float]] = {}
    with TestClient(create_app(app)) as reviewer_client, \
            TestClient(create_app(app)) as admin_client:
        for client, email in ((reviewer_client, REVIEWER), (admin_client, ADMIN)):
            token = client.get("/login").text.split('name="csrf_token" value="')[1].split('"')[0]
            client.post("/login", data={"email": email, "password": PASSWORD,
                                        "csrf_token": token})
        for label, (path, who) in pages.items():
            if args.only and args.only not in label:
                continue
            if label.startswith("api"):
                client, headers = reviewer_client, {"Authorization": f"Bearer {who}"}
            else:
                client, headers = (reviewer_client if who == REVIEWER else admin_client), {}
            client.get(path, headers=headers)  # warm-up
            if args.profile and args.profile in label:
                _profile(client, path, headers)
                args.profile = None
            times = []
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                response = client.get(path, headers=headers)
                times.append(time.perf_counter() - t0)
                assert response.status_code == 200, (path, response.status_code)
            times.sort()
            out[label] = {"p50_ms": round(statistics.median(times) * 1000, 1),
                          "p95_ms": round(times[max(0, int(len(times) * 0.95) - 1)] * 1000, 1)}
    result = {"database": engine.dialect.name, "people": args.people,
              "queue_items": n_items, "repeat": args.repeat, "pages": out,
              "python": platform.python_version(), "machine": platform.machine()}
    width = max(len(k) for k in out)
    print(f"{engine.dialect.name}: {n_items} items in one reviewer's queue")
    for label, t in out.items():
        print(f"{label:<{width}}  p50 {t['p50_ms']:>7} ms   p95 {t['p95_ms']:>7} ms")
    if args.no_write or args.only:
        engine.dispose()
        return
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    existing = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    existing[engine.dialect.name] = result
    RESULTS.write_text(json.dumps(existing, indent=2) + "\n")
    engine.dispose()


if __name__ == "__main__":
    main()
