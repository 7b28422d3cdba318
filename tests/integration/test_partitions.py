"""activities: the dedup key is the primary key; monthly range partitions on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from alembic import command

from tenure.config import Settings
from tenure.connectors.base import Batch, TenantInfo
from tenure.model import Activity, RunStatus
from tenure.services.context import App
from tenure.services.sync import run_source
from tenure.store import partitions, schema
from tenure.store.db import _alembic_config, make_engine, migrate

from .. import scripted
from ..conftest import make_app
from ..scripted import ScriptedConfig


@pytest.fixture
def platform(database_url: str) -> Iterator[App]:
    scripted.register()
    application = make_app(database_url, Settings(
        sources=(ScriptedConfig(name="claude", type="scripted"),)))
    yield application
    application.close()


def event(external_id: str, at: datetime, actor: str = "u1") -> Activity:
    return Activity(external_id, at, "user", actor, f"{actor}@x.io", "sso_login_succeeded",
                    "login")


def stored_ids(app: App) -> list[str]:
    a = schema.activities
    with app.engine.connect() as conn:
        return list(conn.execute(sa.select(a.c.external_id).order_by(a.c.external_id))
                    .scalars())


def test_ingest_across_two_months_creates_two_partitions(platform: App) -> None:
    october = [event("a1", datetime(2026, 10, 31, 23, 59, 59, 999999, tzinfo=UTC)),
               event("a2", datetime(2026, 10, 2, tzinfo=UTC))]
    november = [event("a3", datetime(2026, 11, 1, tzinfo=UTC)),
                event("a4", datetime(2026, 11, 20, 8, tzinfo=UTC))]
    scripted.SCRIPTS["claude"] = [TenantInfo("org-1"),
                                  Batch("activity", october + november)]
    assert run_source(platform, "claude").status is RunStatus.COMPLETE
    # A second run with the same events and one more in a known month: dedup, no new month.
    scripted.SCRIPTS["claude"] = [TenantInfo("org-1"), Batch("activity", [
        *november, event("a5", datetime(2026, 11, 21, tzinfo=UTC))])]
    assert run_source(platform, "claude").status is RunStatus.COMPLETE
    assert stored_ids(platform) == ["a1", "a2", "a3", "a4", "a5"]
    with platform.engine.connect() as conn:
        months = partitions.existing_months(conn)
        if conn.dialect.name == "postgresql":
            assert months == {date(2026, 10, 1), date(2026, 11, 1)}
            placed = dict(conn.exec_driver_sql(
                "SELECT external_id, tableoid::regclass::text FROM activities").all())
            assert placed == {"a1": "activities_y2026m10", "a2": "activities_y2026m10",
                              "a3": "activities_y2026m11", "a4": "activities_y2026m11",
                              "a5": "activities_y2026m11"}
        else:
            assert months == set()


def test_ensure_months_creates_missing_months_once(database_url: str) -> None:
    engine = make_engine(database_url)
    wanted = [date(2025, 12, 17), date(2026, 1, 1), date(2025, 12, 2)]
    with engine.begin() as conn:
        created = partitions.ensure_months(conn, wanted)
        again = partitions.ensure_months(conn, wanted)
        months = partitions.existing_months(conn)
        dialect = conn.dialect.name
    engine.dispose()
    if dialect == "postgresql":
        assert created == [date(2025, 12, 1), date(2026, 1, 1)]
        assert months == {date(2025, 12, 1), date(2026, 1, 1)}
    else:
        assert created == []
        assert months == set()
    assert again == []


def test_partition_names_are_ignored_by_schema_comparison() -> None:
    assert partitions.is_partition("activities_y2026m11")
    assert not partitions.is_partition("activities")
    assert not partitions.is_partition("activities_y2026m1")
    assert not partitions.include_name("activities_y2026m11", "table", {})
    assert partitions.include_name("activities", "table", {})
    assert partitions.include_name("activities_y2026m11_actor_id_occurred_at_idx", "index",
                                   {"table_name": "activities_y2026m11"})


def _alembic(engine: sa.Engine, direction: str, revision: str) -> None:
    with engine.begin() as conn:
        getattr(command, direction)(_alembic_config(conn), revision)


def test_migration_0008_keeps_rows_up_and_down(database_url: str) -> None:
    """0007 → 0008 moves every row into the keyed (and on PostgreSQL partitioned) table;
    0008 → 0007 gives them back a surrogate id. The store ends at head either way."""
    engine = make_engine(database_url)
    columns = ("source", "tenant", "external_id", "occurred_at", "actor_kind", "action",
               "category", "sync_run_id")
    rows = [("claude", "org", f"e{i}", at, "user", "x", "login", "run")
            for i, at in enumerate(["2026-09-30 23:00:00.000000", "2026-10-01 00:00:00.000000",
                                    "2026-10-15 12:00:00.000000"])]
    try:
        _alembic(engine, "downgrade", "0007")
        with engine.begin() as conn:
            dialect = conn.dialect.name
            values = [dict(zip(columns, r, strict=True)) for r in rows]
            if dialect == "postgresql":
                for v in values:
                    v["occurred_at"] += "+00"
            conn.execute(sa.text(
                f"INSERT INTO activities ({', '.join(columns)}) VALUES "  # noqa: S608
                f"({', '.join(':' + c for c in columns)})"), values)
        migrate(engine)
        with engine.connect() as conn:
            ids = conn.exec_driver_sql(
                "SELECT external_id FROM activities ORDER BY external_id").scalars().all()
            assert ids == ["e0", "e1", "e2"]
            if dialect == "postgresql":
                assert partitions.existing_months(conn) == {date(2026, 9, 1), date(2026, 10, 1)}
            else:  # the old id became the rowid: insertion order is kept
                order = conn.exec_driver_sql(
                    "SELECT external_id FROM activities ORDER BY rowid").scalars().all()
                assert order == ["e0", "e1", "e2"]
        # the new primary key refuses a duplicate
        with engine.connect() as conn, pytest.raises(sa.exc.IntegrityError):
            conn.execute(schema.activities.insert(), {
                "source": "claude", "tenant": "org", "external_id": "e1",
                "occurred_at": datetime(2026, 10, 1, tzinfo=UTC), "actor_kind": "user",
                "action": "x", "category": "login", "sync_run_id": "run"})
        _alembic(engine, "downgrade", "0007")
        with engine.connect() as conn:
            back = conn.exec_driver_sql(
                "SELECT id, external_id FROM activities ORDER BY id").all()
            assert [e for _, e in back] == ["e0", "e1", "e2"]
            if dialect == "postgresql":
                assert partitions.existing_months(conn) == set()
    finally:
        migrate(engine)
        with engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM activities")
        engine.dispose()
