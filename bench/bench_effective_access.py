"""Benchmark: the effective-access computation on a generated organization (not a test).

Builds, through the real writers, one platform source with N people (one seat each, an org
role grant each, workspace grants for a tenth of them and inherited workspace admin for the
admins), G groups (a quarter SCIM-sourced) with about five memberships per person, R roles with
permissions (one to three per group, a direct custom role for one seat in twenty), then times
``tenure.services.effective_access.compute`` — the four set-at-a-time ``INSERT … SELECT``
statements — and measures its peak memory (Python heap by tracemalloc, and the process's peak
RSS). Writes ``bench/results/effective_access.json`` (one entry per database kind).

    .venv/bin/python bench/bench_effective_access.py
    .venv/bin/python bench/bench_effective_access.py --people 1000 --groups 200 --roles 20
    .venv/bin/python bench/bench_effective_access.py --database-url postgresql://postgres@127.0.0.1/bench
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import resource
import tempfile
import time
import tracemalloc
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from tenure.model import (
    Account,
    AccountKind,
    Entitlement,
    Grant,
    Group,
    GroupMember,
    GroupSource,
    Permission,
    PrincipalKind,
    Role,
    RoleAssignment,
    ScopeType,
)
from tenure.services import effective_access
from tenure.store import schema, writers
from tenure.store.access_writers import ACCESS_ROWS
from tenure.store.db import make_engine, migrate, normalize_url

RESULTS = Path(__file__).parent / "results" / "effective_access.json"
NOW = datetime(2026, 12, 1, tzinfo=UTC)
SOURCE, TENANT = "claude", "org-bench"
ACTIONS = ("chat", "claude_code", "permission_manage_api_keys", "permission_manage_members",
           "capability_access_all_ga", "permission_view_analytics")
CHUNK = 5000


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build(conn: sa.Connection, people: int, groups: int, roles: int, seed: int) -> dict[str, int]:
    """Write the organization (one sync run's worth of rows); returns the row counts."""
    rng = random.Random(seed)
    run_id = uuid.uuid4().hex
    common = {"source": SOURCE, "tenant": TENANT, "run_id": run_id, "now": NOW}
    writers.start_run(conn, run_id=run_id, source=SOURCE, source_type="anthropic", now=NOW)
    workspaces = [f"wrkspc_{i:03d}" for i in range(20)]
    accounts, grants = [], []
    for i in range(people):
        role = "admin" if i % 100 == 0 else rng.choice(("user", "developer", "user"))
        uid = f"user_{i:06d}"
        accounts.append(writers.account_row(Account(uid, AccountKind.USER,
                                                    f"p{i}@corp.example", f"P {i}", role)))
        grants.append(writers.grant_row(Grant(uid, Entitlement(
            ScopeType.ORGANIZATION, TENANT, role, role == "admin"))))
        if role == "admin":
            grants += [writers.grant_row(Grant(uid, Entitlement(
                ScopeType.WORKSPACE, w, "workspace_admin", True), inherited=True))
                for w in workspaces]
        elif i % 10 == 0:
            grants.append(writers.grant_row(Grant(uid, Entitlement(
                ScopeType.WORKSPACE, rng.choice(workspaces), "workspace_developer", True))))
    role_rows = [ACCESS_ROWS[Role](Role(
        f"rbac_role_{r:04d}", f"Role {r}", scope_id=TENANT,
        permissions=tuple(Permission(a, "organization", TENANT)
                          for a in rng.sample(ACTIONS, rng.randint(1, 3)))))
        for r in range(roles)]
    group_rows, assignment_rows, member_rows = [], [], []
    for g in range(groups):
        gid = f"rbac_group_{g:05d}"
        held = rng.sample(range(roles), rng.randint(1, 3))
        group_rows.append(ACCESS_ROWS[Group](Group(
            gid, f"Group {g}", GroupSource.SCIM if g % 4 == 0 else GroupSource.DIRECT,
            role_ids=tuple(f"rbac_role_{r:04d}" for r in held))))
        assignment_rows += [ACCESS_ROWS[RoleAssignment](RoleAssignment(
            PrincipalKind.GROUP, gid, f"rbac_role_{r:04d}", scope_id=TENANT)) for r in held]
    for i in range(people):
        uid = f"user_{i:06d}"
        for g in rng.sample(range(groups), 5):
            member_rows.append(ACCESS_ROWS[GroupMember](GroupMember(
                f"rbac_group_{g:05d}", uid, f"p{i}@corp.example")))
        if i % 20 == 0:
            assignment_rows.append(ACCESS_ROWS[RoleAssignment](RoleAssignment(
                PrincipalKind.USER, uid, f"rbac_role_{rng.randrange(roles):04d}",
                scope_id=TENANT)))
    for table, rows in ((schema.accounts, accounts), (schema.grants, grants),
                        (schema.roles, role_rows), (schema.groups, group_rows),
                        (schema.role_assignments, assignment_rows),
                        (schema.group_members, member_rows)):
        for start in range(0, len(rows), CHUNK):
            writers.upsert_snapshot(conn, table, rows[start:start + CHUNK], **common)
    conn.execute(schema.sync_runs.update().where(schema.sync_runs.c.id == run_id)
                 .values(status="complete", finished_at=NOW))
    return {"accounts": len(accounts), "grants": len(grants), "roles": len(role_rows),
            "groups": len(group_rows), "role_assignments": len(assignment_rows),
            "group_members": len(member_rows)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--groups", type=int, default=2_000)
    parser.add_argument("--roles", type=int, default=200)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--database-url", default=None,
                        help="A PostgreSQL URL (default: a fresh SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tenure-bench-ea-") as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.db"
        engine = make_engine(normalize_url(url))
        migrate(engine)
        kind = engine.dialect.name
        with engine.begin() as conn:
            if kind == "postgresql":
                for table in reversed(schema.metadata.sorted_tables):
                    conn.execute(table.delete())
            started = time.perf_counter()
            counts = build(conn, args.people, args.groups, args.roles, args.seed)
            build_seconds = time.perf_counter() - started
        with engine.begin() as conn:
            conn.execute(sa.text("ANALYZE"))  # fresh statistics, as after a sync
        rss_before = _rss_mb()
        tracemalloc.start()
        started = time.perf_counter()
        with engine.begin() as conn:
            written = effective_access.compute(conn, source=SOURCE, tenant=TENANT,
                                               run_id="bench-run", now=NOW)
        seconds = time.perf_counter() - started
        _, heap_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rss_after = _rss_mb()
        with engine.connect() as conn:
            via_group = effective_access.rows_at_least(
                effective_access.PrivilegeTier.ADMIN,
                path_kinds=[effective_access.AccessPathKind.GROUP]).subquery()
            started = time.perf_counter()
            admins_via_group = conn.execute(sa.select(sa.func.count(sa.distinct(
                via_group.c.account_id)))).scalar_one()
            query_seconds = time.perf_counter() - started
            started = time.perf_counter()
            one = effective_access.access_of(conn, account_ids=["user_000100"])
            person_seconds = time.perf_counter() - started
        engine.dispose()
    entry: dict[str, Any] = {
        "database": kind, "people": args.people, "groups": args.groups, "roles": args.roles,
        "rows_in": counts, "effective_access_rows": written,
        "compute_seconds": round(seconds, 3), "build_seconds": round(build_seconds, 3),
        "python_heap_peak_mb": round(heap_peak / 2**20, 2),
        "process_peak_rss_mb": round(rss_after, 1),
        "peak_rss_growth_during_compute_mb": round(rss_after - rss_before, 1),
        "accounts_admin_via_group": admins_via_group,
        "count_admin_via_group_seconds": round(query_seconds, 3),
        "one_account_paths": len(one),
        "one_account_query_seconds": round(person_seconds, 3),
        "machine": f"{platform.machine()} {platform.python_implementation()} "
                   f"{platform.python_version()}",
        "measured_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    print(json.dumps(entry, indent=1))
    previous = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    previous[kind] = entry
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(previous, indent=1, sort_keys=True) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
