"""A small but realistic store for package tests: sync runs with raw pages, people, accounts,
keys, daily activity, and their ledger entries — including hostile cell values."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from tenure.evidence import ledger
from tenure.model import RunStatus
from tenure.services.context import App
from tenure.store import schema, writers

HOSTILE_NAME = "=HYPERLINK(\"http://evil.example\",\"x\")"
SCRIPT_NAME = "<script>console.error('xss')</script>Eve"
PERIOD_START = datetime(2026, 10, 1, tzinfo=UTC)


def at(engine: sa.Engine, when: datetime) -> sa.Engine:
    """``engine`` whose ledger entries are stamped ``when``: a historical ledger for tests (the
    product's ledger always stamps the wall clock)."""
    return engine.execution_options(**{ledger.LEDGER_CLOCK: lambda: when})


def seed(app: App, days: int = 40) -> None:
    """Write 4 weekly sync runs, 6 people, 5 accounts, 3 keys and 40 days of activity."""
    engine = app.engine
    for week in range(4):
        now = PERIOD_START + timedelta(days=7 * week, hours=3)
        run_id = f"run-{week}"
        with at(engine, now).begin() as conn:
            writers.start_run(conn, run_id=run_id, source="anthropic", source_type="anthropic",
                              now=now)
            _, digest = writers.store_raw_page(
                conn, run_id=run_id, source="anthropic", stream="users",
                locator=f"/v1/organizations/users?page={week}",
                body=f'{{"data": [{{"id": "user_{week}"}}]}}'.encode(), now=now)
            people = [
                {"external_id": f"e{i}", "email": f"p{i}@example.com",
                 "name": HOSTILE_NAME if i == 1 else SCRIPT_NAME if i == 2 else f"Person {i}",
                 "employee_id": f"E{i}", "status": "terminated" if i == 5 else "active",
                 "department": "-Sales" if i == 3 else "Eng", "title": "@admin" if i == 4
                 else "Engineer", "manager_email": "", "start_date": date(2025, 1, i + 1),
                 "end_date": date(2026, 10, 20) if i == 5 else None}
                for i in range(6)]
            writers.upsert_snapshot(conn, schema.people, people, source="hr", tenant="hr",
                                    run_id=run_id, now=now)
            writers.upsert_snapshot(conn, schema.accounts, [
                {"external_id": f"user_{i}", "kind": "user", "email": f"p{i}@example.com",
                 "name": f"Person {i}", "role": "admin" if i == 0 else "user",
                 "status": "active", "created_at": now, "attributes": {"seat": "+1"}}
                for i in range(5)], source="anthropic", tenant="org-1", run_id=run_id, now=now)
            writers.upsert_snapshot(conn, schema.credentials, [
                {"external_id": f"apikey_{i}", "kind": "api_key", "name": f"key {i}",
                 "status": "active", "owner_type": "user", "owner_id": f"user_{i}",
                 "created_at": now, "partial_hint": "sk-ant-...abcd"}
                for i in range(3)], source="anthropic", tenant="org-1", run_id=run_id, now=now)
            ledger.append(conn, kind="sync.batch", actor="test", now=now, subject=run_id,
                          payload={"run_id": run_id, "stream": "users",
                                   "raw_page_sha256": digest,
                                   "locator": f"/v1/organizations/users?page={week}"})
            writers.finish_run(conn, run_id=run_id, status=RunStatus.COMPLETE, tenant="org-1",
                               complete_types=["account"], stats={"written": {"account": 5}},
                               error=None, now=now)
            ledger.append(conn, kind="sync_run.complete", actor="test", now=now,
                          subject=run_id, payload={"run_id": run_id, "raw_pages": 1})
    with engine.begin() as conn:
        rows = []
        for d in range(days):
            day = PERIOD_START.date() + timedelta(days=d)
            for p in range(3):
                rows.append({"source": "anthropic", "tenant": "org-1", "principal_type": "user",
                             "principal_id": f"user_{p}", "day": day,
                             "category": "admin" if p == 0 else "usage",
                             "events": (d * 7 + p * 3) % 23 + 1,
                             "last_at": datetime.combine(day, datetime.min.time(), UTC)})
        conn.execute(schema.activity_daily.insert(), rows)
    with at(engine, PERIOD_START + timedelta(days=20)).begin() as conn:
        ledger.append(conn, kind="finding.opened", actor="checks", now=PERIOD_START
                      + timedelta(days=20), subject="leaver-active-account:p5@example.com",
                      payload={"check": "leaver-active-account", "subject": "p5@example.com"})


def ledger_size(app: App) -> int:
    """Entries in the ledger."""
    with app.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(
            schema.ledger_entries)).scalar_one())
