"""Engine creation and schema migration for SQLite (embedded) and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from tenure.errors import ConfigError
from tenure.private_files import touch_private

DEFAULT_DATABASE_URL = "sqlite:///tenure.db"
MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def normalize_url(url: str) -> str:
    """Pick the psycopg 3 driver for plain ``postgresql://`` URLs."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    # 64 MiB of page cache per connection (the default is 2 MiB): keeps the hot parts of the
    # activity indexes in memory during bulk ingest — a third off the import time at 100k
    # activities — and stays well inside the 500 MB memory budget.
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.execute("PRAGMA temp_store=MEMORY")
    cursor.close()


def make_engine(url: str = DEFAULT_DATABASE_URL) -> sa.Engine:
    """An engine for ``url``: SQLite files get WAL and foreign keys; PostgreSQL uses psycopg."""
    url = normalize_url(url)
    try:
        parsed = sa.make_url(url)
    except sa.exc.ArgumentError as exc:
        raise ConfigError(f"invalid database URL: {exc}", field="TENURE_DATABASE_URL") from None
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            # Owner-only before SQLite opens it: its WAL and SHM files copy this mode.
            touch_private(Path(database).expanduser())
        engine = sa.create_engine(parsed)
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if parsed.get_backend_name() != "postgresql":
        raise ConfigError(
            f"unsupported database {parsed.get_backend_name()!r}; use sqlite or postgresql",
            field="TENURE_DATABASE_URL",
        )
    return sa.create_engine(parsed, pool_pre_ping=True)


INGEST_TABLES = ("people", "accounts", "grants", "entitlements", "credentials", "invites",
                 "workspaces", "activities", "activity_daily", "usage_daily")
"""The tables a sync or an import writes in bulk and the checks then read."""


def refresh_statistics(engine: sa.Engine, tables: tuple[str, ...] = INGEST_TABLES) -> None:
    """Refresh PostgreSQL's planner statistics after a bulk write.

    Autovacuum analyzes a table only after enough changes and some delay; until it does, a
    freshly loaded store is planned as if it were empty, and a check that takes 2 s on 10,000
    people ran for minutes (nested loops over ``grants``). ``ANALYZE`` samples a bounded number
    of rows per table (partitions included), so it costs about the same at any size. SQLite
    plans with fixed heuristics that Tenure's queries are written for: nothing to do there.
    """
    if engine.dialect.name != "postgresql":
        return
    with engine.begin() as conn:
        analyze(conn, tables)


def analyze(conn: sa.Connection, tables: tuple[str, ...]) -> None:
    """``ANALYZE`` ``tables`` inside ``conn``'s transaction (PostgreSQL only; SQLite: no-op).

    For a statement that reads what the same sync just wrote: PostgreSQL samples the rows the
    current transaction inserted too, so the plan sees the real sizes.
    """
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"ANALYZE {', '.join(tables)}")


def _alembic_config(connection: sa.Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def migrate(engine: sa.Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (idempotent; safe on an up-to-date database)."""
    with engine.begin() as connection:
        command.upgrade(_alembic_config(connection), revision)


def current_revision(engine: sa.Engine) -> str | None:
    """The schema revision the database is at, or None when never migrated."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str:
    """The newest migration shipped with this version of Tenure."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    head = ScriptDirectory.from_config(config).get_current_head()
    if head is None:
        raise RuntimeError("no migrations shipped")
    return head
