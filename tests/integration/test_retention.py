"""Activity retention: whole months before the cutoff go, rollups and the ledger stay valid."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
import sqlalchemy as sa

from tenure.config import RetentionConfig, Settings
from tenure.model import Activity
from tenure.services import evidence
from tenure.services.context import App
from tenure.services.retention import LEDGER_KIND, RetentionError, cutoff_month, prune_activities
from tenure.store import partitions, schema
from tenure.store.activity import write_activities

from ..conftest import make_app
from .cli_helpers import Invoke

# FIXED_NOW is 2026-11-25: with activity_months = 6 the cutoff is 2026-05-01.
EVENTS = {
    "mar": datetime(2026, 3, 10, tzinfo=UTC),
    "apr-first": datetime(2026, 4, 1, tzinfo=UTC),
    "apr-last": datetime(2026, 4, 30, 23, 59, 59, 999999, tzinfo=UTC),
    "may-first": datetime(2026, 5, 1, tzinfo=UTC),
    "jun": datetime(2026, 6, 15, tzinfo=UTC),
    "nov": datetime(2026, 11, 24, tzinfo=UTC),
}


def ingest(app: App) -> None:
    with app.engine.begin() as conn:
        write_activities(conn, [
            Activity(name, at, "user", "u1", "u1@x.io", "sso_login_succeeded", "login",
                     credential_id="key1")
            for name, at in EVENTS.items()], source="claude", tenant="org", run_id="run1")


def stored(app: App) -> list[str]:
    a = schema.activities
    with app.engine.connect() as conn:
        return sorted(conn.execute(sa.select(a.c.external_id)).scalars())


def rollups(app: App) -> list[tuple[Any, ...]]:
    d = schema.activity_daily
    with app.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.select(d).order_by(*d.primary_key.columns))]


def retention_entries(app: App) -> list[dict[str, Any]]:
    e = schema.ledger_entries
    with app.engine.connect() as conn:
        return [json.loads(p) for p in conn.execute(
            sa.select(e.c.payload).where(e.c.kind == LEDGER_KIND)).scalars()]


def months_with_partitions(app: App) -> set[date]:
    with app.engine.connect() as conn:
        return partitions.existing_months(conn)


@pytest.fixture
def kept6(database_url: str) -> Iterator[App]:
    application = make_app(database_url, Settings(
        retention=RetentionConfig(activity_months=6)))
    ingest(application)
    yield application
    application.close()


def test_cutoff_from_config_or_before(kept6: App, app: App) -> None:
    assert cutoff_month(kept6) == date(2026, 5, 1)
    assert cutoff_month(kept6, date(2026, 2, 17)) == date(2026, 2, 1)
    assert cutoff_month(app, date(2026, 11, 30)) == date(2026, 11, 1)
    with pytest.raises(RetentionError, match="no retention period"):
        cutoff_month(app)
    with pytest.raises(RetentionError, match="never removes the current month"):
        cutoff_month(app, date(2026, 12, 1))


def test_dry_run_changes_nothing(kept6: App) -> None:
    before_rollups = rollups(kept6)
    before_months = months_with_partitions(kept6)
    result = prune_activities(kept6, dry_run=True)
    assert result.dry_run
    assert result.cutoff == date(2026, 5, 1)
    assert [(m.month, m.rows) for m in result.months] == [
        (date(2026, 3, 1), 1), (date(2026, 4, 1), 2)]
    assert result.rows == 3
    assert result.ledger_seq is None
    assert stored(kept6) == sorted(EVENTS)
    assert rollups(kept6) == before_rollups
    assert months_with_partitions(kept6) == before_months
    assert retention_entries(kept6) == []


def test_prune_removes_whole_months_before_cutoff_and_keeps_rollups(kept6: App) -> None:
    before_rollups = rollups(kept6)
    assert before_rollups  # the events were rolled up at ingest
    result = prune_activities(kept6)
    assert stored(kept6) == ["jun", "may-first", "nov"]
    assert rollups(kept6) == before_rollups  # checks read these: findings do not change
    assert result.rows == 3
    assert [(m.month, m.rows) for m in result.months] == [
        (date(2026, 3, 1), 1), (date(2026, 4, 1), 2)]
    postgres = kept6.engine.dialect.name == "postgresql"
    if postgres:
        assert result.method == "drop-partitions"
        assert result.partitions == ["activities_y2026m03", "activities_y2026m04"]
        assert months_with_partitions(kept6) == {
            date(2026, 5, 1), date(2026, 6, 1), date(2026, 11, 1)}
    else:
        assert result.method == "delete"
        assert result.partitions == []
    (entry,) = retention_entries(kept6)
    assert entry["cutoff"] == "2026-05-01"
    assert entry["rows_removed"] == 3
    assert entry["activity_months"] == 6
    assert entry["rollups_kept"] is True
    assert [m["month"] for m in entry["months"]] == ["2026-03", "2026-04"]
    assert entry["partitions_dropped"] == result.partitions
    assert evidence.verify_ledger(kept6).ok
    # Running again finds nothing more to remove (and says so in the ledger).
    again = prune_activities(kept6)
    assert (again.rows, again.months) == (0, ())
    assert stored(kept6) == ["jun", "may-first", "nov"]
    assert len(retention_entries(kept6)) == 2
    # Ingest still works into the kept months, and into a removed month again.
    with kept6.engine.begin() as conn:
        write_activities(conn, [Activity("late", datetime(2026, 4, 2, tzinfo=UTC), "user",
                                         "u1", None, "x", "login")],
                         source="claude", tenant="org", run_id="run2")
    assert "late" in stored(kept6)


def test_cli_retention_run(invoke: Invoke, database_url: str) -> None:
    application = make_app(database_url)
    ingest(application)
    refused = invoke("retention", "run")
    assert refused.exit_code == 2
    assert "no retention period" in refused.stderr
    dry = invoke("retention", "run", "--before", "2026-05-20", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "dry run: nothing was changed" in dry.stdout
    assert "would remove 3 activity row(s) in 2 month(s)" in dry.stdout
    assert "findings do not change" in dry.stdout
    assert len(stored(application)) == len(EVENTS)
    done = invoke("retention", "run", "--before", "2026-05-20", "--format", "json")
    assert done.exit_code == 0, done.output
    report = json.loads(done.stdout)
    assert report["cutoff"] == "2026-05-01"
    assert report["rows_removed"] == 3
    assert report["rollups_kept"] is True
    assert report["ledger_seq"] is not None
    assert stored(application) == ["jun", "may-first", "nov"]
    assert invoke("evidence", "verify").exit_code == 0
    bad = invoke("retention", "run", "--before", "May 2026")
    assert bad.exit_code == 2
    application.close()
