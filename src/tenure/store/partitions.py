"""Monthly range partitions of ``activities`` on PostgreSQL.

On PostgreSQL ``activities`` is ``PARTITION BY RANGE (occurred_at)`` with one partition per
calendar month (UTC), named ``activities_yYYYYmMM``. Partitions are created on demand, in the
ingest transaction, for the months a batch touches — so a rollback takes the new partition
with it and there is no default partition that could later block creating a month. Retention
drops whole months (``DROP TABLE`` of a partition is instant and leaves no bloat).

SQLite has no partitions; every function here is a no-op there.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

import sqlalchemy as sa

PARENT = "activities"
NAME_PATTERN = re.compile(r"^activities_y(\d{4})m(\d{2})$")
"""What a month partition's name looks like (reflection and schema comparison skip these)."""


def is_partition(name: str | None) -> bool:
    """Whether ``name`` is a month partition of ``activities``."""
    return name is not None and NAME_PATTERN.match(name) is not None


def include_name(name: str | None, type_: str, parent_names: Mapping[Any, str | None]) -> bool:
    """Alembic ``include_name`` hook: schema comparison skips the month partitions.

    They are created at run time and are not in the metadata; the partitioned parent is.
    """
    return not (type_ == "table" and is_partition(name))


def partition_name(month: date) -> str:
    """The partition holding ``month`` (any day of it)."""
    return f"{PARENT}_y{month.year:04d}m{month.month:02d}"


def month_start(day: date) -> date:
    """The first day of ``day``'s month."""
    return day.replace(day=1)


def next_month(month: date) -> date:
    """The first day of the month after ``month``."""
    return date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def create_partition_sql(month: date) -> str:
    """DDL creating ``month``'s partition (idempotent)."""
    start = month_start(month)
    return (f'CREATE TABLE IF NOT EXISTS "{partition_name(start)}" PARTITION OF "{PARENT}" '
            f"FOR VALUES FROM ('{start.isoformat()} 00:00:00+00') "
            f"TO ('{next_month(start).isoformat()} 00:00:00+00')")


def existing_months(conn: sa.Connection) -> set[date]:
    """Months that have a partition (empty on SQLite)."""
    if conn.dialect.name != "postgresql":
        return set()
    names = conn.execute(sa.text(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = :parent "
        "AND pg_table_is_visible(p.oid)"), {"parent": PARENT}).scalars()
    months = set()
    for name in names:
        match = NAME_PATTERN.match(name)
        if match:
            months.add(date(int(match.group(1)), int(match.group(2)), 1))
    return months


def ensure_months(conn: sa.Connection, months: Iterable[date]) -> list[date]:
    """Create the partitions missing for ``months``; returns the months created.

    Concurrent ingests may race to create the same month, so creation is serialized by a
    transaction-scoped advisory lock and re-checked under it.
    """
    if conn.dialect.name != "postgresql":
        return []
    wanted = {month_start(m) for m in months}
    missing = sorted(wanted - existing_months(conn))
    if not missing:
        return []
    conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"),
                 {"key": zlib.crc32(b"tenure.activity_partitions")})
    missing = sorted(wanted - existing_months(conn))
    for month in missing:
        conn.exec_driver_sql(create_partition_sql(month))
    return missing


def ensure_stage_months(conn: sa.Connection) -> list[date]:
    """Create the partitions the rows in the ``activity_stage`` temp table will land in.

    The stage holds UTC wall-clock ``timestamp`` values, so truncating needs no zone."""
    if conn.dialect.name != "postgresql":
        return []
    months = conn.exec_driver_sql(
        "SELECT DISTINCT date_trunc('month', occurred_at)::date "
        "FROM activity_stage").scalars()
    return ensure_months(conn, list(months))
