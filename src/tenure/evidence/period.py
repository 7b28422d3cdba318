"""The sections of a period package, read from the store.

Snapshots are "as of the end of the period": records first seen on or before the end and not
retired by then. The store keeps presence history (first seen / removed), not attribute
history, so attribute values are the latest known; the section descriptions say so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from tenure.evidence import svg
from tenure.evidence.ledger import LedgerEntry
from tenure.evidence.ledgerslice import ENTRY_COLUMNS, LedgerSlice, entry_row
from tenure.evidence.package import ChartSection, Section, SummarySection, TableSection
from tenure.evidence.tabular import Table, plain, redacted
from tenure.store import schema


@dataclass(frozen=True, slots=True)
class Period:
    """A half-open time range [start, end) and how the user wrote it."""

    start: datetime
    end: datetime
    label: str


def ledger_table(entries: Sequence[LedgerEntry]) -> Table:
    """A few ledger entries as a table (timestamps exactly as hashed)."""
    return Table(ENTRY_COLUMNS, [entry_row(e) for e in entries])


def _table(conn: sa.Connection, query: sa.Select[tuple[object, ...]]) -> Table:
    result = conn.execute(query)
    columns = tuple(result.keys())
    return Table(columns, [tuple(redacted(plain(v)) for v in row) for row in result])


def _present_at(table: sa.Table, end: datetime) -> sa.ColumnElement[bool]:
    return sa.and_(table.c.first_seen_at < end,
                   sa.or_(table.c.removed_at.is_(None), table.c.removed_at >= end))


def _snapshot(conn: sa.Connection, table: sa.Table, columns: Sequence[str], period: Period,
              title: str, path: str, order: str) -> TableSection:
    cols = [table.c[c] for c in columns]
    query = sa.select(*cols).where(_present_at(table, period.end)).order_by(table.c[order],
                                                                            table.c.id)
    return TableSection(
        path, title, f"Every {title.lower().rstrip('s')} present at the end of the period "
        "(attribute values are the latest the store knows).", _table(conn, query),
        query=f"{table.name} where first_seen_at < end and (removed_at is null or removed_at "
        ">= end)", as_of=period.end)


def period_sections(conn: sa.Connection, period: Period,
                    entries: LedgerSlice) -> list[Section]:
    """Summary, charts and tables for one period; ``entries`` is the ledger slice."""
    start, end = period.start, period.end
    runs = schema.sync_runs
    run_rows = _table(conn, sa.select(
        runs.c.id, runs.c.source, runs.c.source_type, runs.c.tenant, runs.c.started_at,
        runs.c.finished_at, runs.c.status, runs.c.complete_types, runs.c.error, runs.c.stats,
    ).where(runs.c.started_at >= start, runs.c.started_at < end).order_by(runs.c.started_at))
    pages = schema.raw_pages
    page_rows = _table(conn, sa.select(
        pages.c.sync_run_id, pages.c.source, pages.c.stream, pages.c.locator, pages.c.sha256,
        pages.c.fetched_at,
    ).where(pages.c.sync_run_id.in_(
        sa.select(runs.c.id).where(runs.c.started_at >= start, runs.c.started_at < end))
    ).order_by(pages.c.id))
    daily = schema.activity_daily
    in_days = sa.and_(daily.c.day >= start.date(), daily.c.day < end.date()) if (
        end.time() == datetime.min.time()) else sa.and_(daily.c.day >= start.date(),
                                                        daily.c.day <= end.date())
    per_day = _table(conn, sa.select(daily.c.day, sa.func.sum(daily.c.events).label("events"))
                     .where(in_days).group_by(daily.c.day).order_by(daily.c.day))
    per_category = _table(conn, sa.select(
        daily.c.category, sa.func.sum(daily.c.events).label("events"),
        sa.func.count(sa.distinct(daily.c.principal_id)).label("principals"),
    ).where(in_days).group_by(daily.c.category).order_by(daily.c.category))
    per_principal = _table(conn, sa.select(
        daily.c.source, daily.c.principal_type, daily.c.principal_id, daily.c.category,
        sa.func.sum(daily.c.events).label("events"), sa.func.max(daily.c.last_at).label(
            "last_at"),
    ).where(in_days).group_by(daily.c.source, daily.c.principal_type, daily.c.principal_id,
                              daily.c.category)
     .order_by(daily.c.source, daily.c.principal_type, daily.c.principal_id, daily.c.category))
    by_count = entries.kinds()
    kind_table = Table(("kind", "entries"), [(k, v) for k, v in by_count])
    people = _snapshot(conn, schema.people, (
        "source", "email", "name", "employee_id", "status", "department", "title",
        "manager_email", "start_date", "end_date", "first_seen_at", "removed_at"),
        period, "People", "data/people", "email")
    accounts = _snapshot(conn, schema.accounts, (
        "source", "tenant", "external_id", "kind", "email", "name", "role", "status",
        "person_email", "match_method", "created_at", "first_seen_at", "removed_at"),
        period, "Accounts", "data/accounts", "external_id")
    credentials = _snapshot(conn, schema.credentials, (
        "source", "tenant", "external_id", "kind", "name", "status", "owner_type", "owner_id",
        "creator_id", "workspace_id", "scope", "partial_hint", "created_at", "expires_at",
        "last_used_at", "first_seen_at", "removed_at"),
        period, "Credentials", "data/credentials", "external_id")
    findings = _findings(conn)
    total_events = sum(int(r[1] or 0) for r in per_day.rows)
    statuses: dict[str, int] = {}
    for row in run_rows.rows:
        statuses[str(row[6])] = statuses.get(str(row[6]), 0) + 1
    summary: list[tuple[str, str]] = [
        ("ledger entries in period", f"{entries.count:,}"),
        ("sync runs", f"{len(run_rows.rows):,}" + (
            " (" + ", ".join(f"{v} {k}" for k, v in sorted(statuses.items())) + ")"
            if statuses else "")),
        ("raw vendor pages hashed", f"{len(page_rows.rows):,}"),
        ("activity events", f"{total_events:,}"),
        ("people at end", f"{len(people.table.rows):,}"),
        ("accounts at end", f"{len(accounts.table.rows):,}"),
        ("credentials at end", f"{len(credentials.table.rows):,}"),
    ]
    if findings is not None:
        summary.append(("findings", f"{len(findings.table.rows):,}"))
    sections: list[Section] = [
        SummarySection(tuple(summary)),
        ChartSection("Activity per day", svg.column_chart(
            [(str(r[0])[5:], float(r[1] or 0)) for r in per_day.rows],
            title="Activity events per day")),
        ChartSection("Ledger entries by kind", svg.bar_chart(
            [(k, float(v)) for k, v in by_count],
            title="Ledger entries by kind")),
        ChartSection("Activity by category", svg.bar_chart(
            [(str(r[0]), float(r[1] or 0)) for r in per_category.rows],
            title="Activity events by category")),
        entries.section("The ledger slice for the period: a contiguous seq range, every field "
                        "needed to recompute each entry hash.",
                        "seq from the first entry with ts >= start to the last with ts < end"),
        TableSection("data/ledger_kinds", "Ledger entries by kind",
                     "Counts of the slice's entries per kind.", kind_table),
        TableSection("data/sync_runs", "Sync runs", "Every sync run started in the period.",
                     run_rows, query="sync_runs where start <= started_at < end"),
        TableSection("data/raw_pages", "Raw vendor pages",
                     "SHA-256 of every raw vendor page those runs stored (the same digests "
                     "are in their sync.batch ledger entries).", page_rows,
                     query="raw_pages of the runs above"),
        TableSection("data/activity_per_day", "Activity per day",
                     "Events per day from the activity rollups.", per_day),
        TableSection("data/activity_by_category", "Activity by category",
                     "Events and distinct principals per category.", per_category),
        TableSection("data/activity_by_principal", "Activity by principal",
                     "Events per principal and category in the period.", per_principal),
        people, accounts, credentials,
    ]
    if findings is not None:
        sections.append(findings)
    return sections


def _findings(conn: sa.Connection) -> TableSection | None:
    """The findings table as it stands, when that feature's tables exist."""
    if not sa.inspect(conn).has_table("findings"):
        return None
    table = sa.Table("findings", sa.MetaData(), autoload_with=conn)
    keys = list(table.primary_key.columns)
    first = keys[0] if keys else next(iter(table.columns))
    return TableSection("data/findings", "Findings",
                        "Findings as they stand at export time.",
                        _table(conn, sa.select(table).order_by(first)),
                        query="every row of findings")
