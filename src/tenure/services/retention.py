"""Activity retention: remove raw activity rows older than a cutoff month.

The cutoff is a month start: ``--before`` rounded down to its month, else the current month
minus ``[retention] activity_months`` (so that many whole months before the current one are
kept). Whole months go:

- PostgreSQL: every month partition before the cutoff is detached and dropped (instant, no
  bloat, no row-by-row delete). Rows before the cutoff in any other partition are deleted.
- SQLite: rows are deleted in bounded chunks of the rowid range.

The per-principal daily rollups (``activity_daily``) are kept: checks read them, so findings do
not change. The removal and its ledger entry (``retention.activities``) commit together. A dry
run counts what would go and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa

from tenure.errors import TenureError
from tenure.evidence import ledger
from tenure.services.context import App
from tenure.store import partitions
from tenure.store.types import UTCDateTime

LEDGER_KIND = "retention.activities"
CHUNK_ROWS = 50_000
"""SQLite deletes this many rowids per statement."""
LOCK_TIMEOUT = "30s"
"""PostgreSQL: how long to wait for ingest to release ``activities`` before giving up."""
ROLLUPS_NOTE = ("daily rollups (activity_daily) are kept: checks read them, so findings do "
                "not change")

_CUTOFF = sa.bindparam("cutoff", type_=UTCDateTime())


class RetentionError(TenureError):
    """Retention cannot run as asked (no cutoff, a cutoff in the current month, a lock)."""


@dataclass(frozen=True, slots=True)
class MonthRemoval:
    """One month of raw activities removed (or that a dry run would remove)."""

    month: date
    rows: int
    partition: str | None = None
    """The dropped PostgreSQL partition; None where rows were deleted."""


@dataclass(frozen=True, slots=True)
class RetentionResult:
    """What a retention run removed, or would remove on a dry run."""

    cutoff: date
    dry_run: bool
    method: str
    """``drop-partitions`` (PostgreSQL) or ``delete`` (SQLite)."""
    months: tuple[MonthRemoval, ...] = ()
    other_rows: int = 0
    """PostgreSQL: rows before the cutoff outside the month partitions (deleted)."""
    ledger_seq: int | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        """Raw activity rows removed in all."""
        return sum(m.rows for m in self.months) + self.other_rows

    @property
    def partitions(self) -> list[str]:
        """PostgreSQL partitions dropped."""
        return [m.partition for m in self.months if m.partition]

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready form (CLI ``--format json`` and the ledger payload)."""
        return {
            "cutoff": self.cutoff.isoformat(),
            "dry_run": self.dry_run,
            "method": self.method,
            "months": [{"month": m.month.strftime("%Y-%m"), "rows": m.rows,
                        "partition": m.partition} for m in self.months],
            "partitions_dropped": self.partitions,
            "other_rows": self.other_rows,
            "rows_removed": self.rows,
            "rollups_kept": True,
            "note": ROLLUPS_NOTE,
            "ledger_seq": self.ledger_seq,
            **self.details,
        }


def _months_back(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 - count
    return date(index // 12, index % 12 + 1, 1)


def cutoff_month(app: App, before: date | None = None) -> date:
    """The first month kept: ``before``'s month, else now's month minus ``activity_months``."""
    current = partitions.month_start(app.now().astimezone(UTC).date())
    if before is not None:
        cutoff = partitions.month_start(before)
    elif app.settings.retention.activity_months is not None:
        cutoff = _months_back(current, app.settings.retention.activity_months)
    else:
        raise RetentionError(
            "no retention period: set activity_months in the [retention] section of "
            "tenure.toml, or give --before YYYY-MM-DD")
    if cutoff > current:
        raise RetentionError(
            f"cutoff {cutoff.isoformat()} is after the start of the current month "
            f"({current.isoformat()}); retention never removes the current month")
    return cutoff


def _instant(month: date) -> datetime:
    return datetime(month.year, month.month, 1, tzinfo=UTC)


def _month_of(text: str) -> date:
    return date(int(text[:4]), int(text[5:7]), 1)


def _plan_postgresql(conn: sa.Connection, cutoff: date) -> tuple[list[MonthRemoval], int]:
    counts: dict[str, int] = {str(name): int(n) for name, n in conn.execute(sa.text(
        "SELECT tableoid::regclass::text, count(*) FROM activities "
        "WHERE occurred_at < :cutoff GROUP BY 1").bindparams(_CUTOFF),
        {"cutoff": _instant(cutoff)})}
    months = [MonthRemoval(m, int(counts.pop(partitions.partition_name(m), 0)),
                           partitions.partition_name(m))
              for m in sorted(partitions.existing_months(conn)) if m < cutoff]
    return months, sum(counts.values())


def _plan_sqlite(conn: sa.Connection, cutoff: date) -> list[MonthRemoval]:
    rows = conn.execute(sa.text(
        "SELECT substr(occurred_at, 1, 7), count(*) FROM activities "
        "WHERE occurred_at < :cutoff GROUP BY 1 ORDER BY 1").bindparams(_CUTOFF),
        {"cutoff": _instant(cutoff)}).all()
    return [MonthRemoval(_month_of(str(month)), int(n)) for month, n in rows]


def _drop_partitions(conn: sa.Connection, cutoff: date) -> tuple[list[MonthRemoval], int]:
    """Detach, count and drop the month partitions before the cutoff; delete any other rows
    before it. Counting a detached partition is exact: nothing can write to it any more."""
    conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
    removed = []
    try:
        for month in sorted(m for m in partitions.existing_months(conn) if m < cutoff):
            name = partitions.partition_name(month)
            conn.exec_driver_sql(f'ALTER TABLE activities DETACH PARTITION "{name}"')
            rows = conn.exec_driver_sql(
                f'SELECT count(*) FROM "{name}"').scalar_one()  # noqa: S608 (a partition name)
            conn.exec_driver_sql(f'DROP TABLE "{name}"')
            removed.append(MonthRemoval(month, int(rows), name))
        other = conn.execute(sa.text(
            "DELETE FROM activities WHERE occurred_at < :cutoff").bindparams(_CUTOFF),
            {"cutoff": _instant(cutoff)}).rowcount
    except sa.exc.DBAPIError as exc:
        if getattr(exc.orig, "sqlstate", None) == "55P03":  # lock_not_available
            raise RetentionError(
                f"activities is busy (an ingest held it longer than {LOCK_TIMEOUT}); nothing "
                "was removed, try again") from None
        raise
    return removed, int(other or 0)


def _delete_chunks(conn: sa.Connection, cutoff: date) -> int:
    """Delete rows before the cutoff, walking the rowid range ``CHUNK_ROWS`` at a time."""
    low, high = conn.exec_driver_sql(
        "SELECT min(rowid), max(rowid) FROM activities").one()
    if low is None:
        return 0
    delete = sa.text("DELETE FROM activities WHERE rowid >= :lo AND rowid < :hi "
                     "AND occurred_at < :cutoff").bindparams(_CUTOFF)
    removed = 0
    for start in range(int(low), int(high) + 1, CHUNK_ROWS):
        removed += int(conn.execute(delete, {"lo": start, "hi": start + CHUNK_ROWS,
                                             "cutoff": _instant(cutoff)}).rowcount or 0)
    return removed


def prune_activities(app: App, *, before: date | None = None,
                     dry_run: bool = False) -> RetentionResult:
    """Remove raw activities before the cutoff month (see the module docstring)."""
    cutoff = cutoff_month(app, before)
    details: dict[str, Any] = {
        "before": before.isoformat() if before else None,
        "activity_months": app.settings.retention.activity_months if before is None else None,
    }
    if dry_run:
        with app.engine.connect() as conn:
            return _plan(conn, cutoff, dry_run=True, details=details)
    with app.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            months, other = _drop_partitions(conn, cutoff)
            result = RetentionResult(cutoff, False, "drop-partitions", tuple(months), other,
                                     details=details)
        else:
            result = _plan(conn, cutoff, dry_run=False, details=details)
            removed = _delete_chunks(conn, cutoff)
            if removed != result.rows:  # the write lock makes this impossible; be sure
                raise RetentionError(f"counted {result.rows} rows before {cutoff} but "
                                     f"deleted {removed}; nothing was removed, try again")
        # The targets of removed events go with them (they name whom the events affected).
        conn.execute(sa.text("DELETE FROM activity_targets WHERE occurred_at < :cutoff")
                     .bindparams(_CUTOFF), {"cutoff": _instant(cutoff)})
        payload = {k: v for k, v in result.as_dict().items()
                   if k not in {"dry_run", "ledger_seq"}}
        entry = ledger.append(conn, kind=LEDGER_KIND, actor=app.actor, now=app.now(),
                              subject="activities", payload=payload)
    return RetentionResult(result.cutoff, False, result.method, result.months,
                           result.other_rows, entry.seq, details)


def _plan(conn: sa.Connection, cutoff: date, *, dry_run: bool,
          details: dict[str, Any]) -> RetentionResult:
    if conn.dialect.name == "postgresql":
        months, other = _plan_postgresql(conn, cutoff)
        return RetentionResult(cutoff, dry_run, "drop-partitions", tuple(months), other,
                               details=details)
    return RetentionResult(cutoff, dry_run, "delete", tuple(_plan_sqlite(conn, cutoff)),
                           details=details)
