"""Activity ingest: dedup by vendor id and per-principal daily rollups maintained at ingest.

Set-at-a-time: a batch goes into a temporary staging table in one bulk statement (executemany
on SQLite, COPY on PostgreSQL); events already stored are dropped from the stage by one join,
the rest are inserted with one ``INSERT … SELECT``, and the rollups are upserted with one
``INSERT … SELECT … GROUP BY … ON CONFLICT``. No per-row SQL, no per-row ORM processing: the
values are written in the exact form the ``UTCDateTime`` column type stores.

An event counts in the rollups for each principal it names: the account (user or service
account actor), the key it was made with, and the actor's email (so seats can be matched where
the vendor gives only an email, as Claude Code analytics does).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from tenure.model import Activity

_CREATE_STAGE = {
    "sqlite": "CREATE TEMP TABLE IF NOT EXISTS activity_stage (external_id TEXT, "
    "occurred_at TEXT, actor_kind TEXT, actor_id TEXT, actor_email TEXT, action TEXT, "
    "category TEXT, target_type TEXT, target_id TEXT, workspace_id TEXT, "
    "credential_id TEXT)",
    "postgresql": "CREATE TEMP TABLE IF NOT EXISTS activity_stage (external_id text, "
    "occurred_at timestamptz, actor_kind text, actor_id text, actor_email text, "
    "action text, category text, target_type text, target_id text, "
    "workspace_id text, credential_id text)",
}

_DROP_STORED = (
    "DELETE FROM activity_stage WHERE EXISTS (SELECT 1 FROM activities a "
    "WHERE a.source = :source AND a.tenant = :tenant "
    "AND a.external_id = activity_stage.external_id "
    "AND a.occurred_at = activity_stage.occurred_at)"
)

_DROP_REPEATS = {
    "sqlite": "DELETE FROM activity_stage WHERE rowid NOT IN "
    "(SELECT min(rowid) FROM activity_stage GROUP BY external_id, occurred_at)",
    "postgresql": "DELETE FROM activity_stage a USING activity_stage b "
    "WHERE a.external_id = b.external_id AND a.occurred_at = b.occurred_at "
    "AND a.ctid > b.ctid",
}

_INSERT_NEW = (
    "INSERT INTO activities (source, tenant, external_id, occurred_at, actor_kind, "
    "actor_id, actor_email, action, category, target_type, target_id, workspace_id, "
    "credential_id, sync_run_id, raw_page_id) SELECT :source, :tenant, external_id, "
    "occurred_at, actor_kind, actor_id, actor_email, action, category, target_type, "
    "target_id, workspace_id, credential_id, :run_id, :raw_page_id FROM activity_stage"
)

# "WHERE true" keeps SQLite from reading ON CONFLICT as part of the SELECT's join syntax.
_ROLLUP = {
    "sqlite": (
        "INSERT INTO activity_daily (source, tenant, principal_type, principal_id, day, "
        "category, events, last_at) SELECT :source, :tenant, ptype, pid, day, category, "
        "count(*), max(occurred_at) FROM (SELECT 'account' AS ptype, actor_id AS pid, "
        "substr(occurred_at, 1, 10) AS day, category, occurred_at FROM activity_stage WHERE "
        "actor_id IS NOT NULL AND actor_kind IN ('user', 'service_account') UNION ALL SELECT "
        "'credential', credential_id, substr(occurred_at, 1, 10), category, occurred_at FROM "
        "activity_stage WHERE credential_id IS NOT NULL UNION ALL SELECT 'email', "
        "actor_email, substr(occurred_at, 1, 10), category, occurred_at FROM activity_stage "
        "WHERE actor_email IS NOT NULL) p WHERE true GROUP BY ptype, pid, day, category ON "
        "CONFLICT (source, tenant, principal_type, principal_id, day, category) DO UPDATE SET"
        " events = activity_daily.events + excluded.events, last_at = "
        "max(activity_daily.last_at, excluded.last_at)"
    ),
    "postgresql": (
        "INSERT INTO activity_daily (source, tenant, principal_type, principal_id, day, "
        "category, events, last_at) SELECT :source, :tenant, ptype, pid, day, category, "
        "count(*), max(occurred_at) FROM (SELECT 'account' AS ptype, actor_id AS pid, "
        "(occurred_at AT TIME ZONE 'UTC')::date AS day, category, occurred_at FROM "
        "activity_stage WHERE actor_id IS NOT NULL AND actor_kind IN ('user', "
        "'service_account') UNION ALL SELECT 'credential', credential_id, (occurred_at AT "
        "TIME ZONE 'UTC')::date, category, occurred_at FROM activity_stage WHERE "
        "credential_id IS NOT NULL UNION ALL SELECT 'email', actor_email, (occurred_at AT "
        "TIME ZONE 'UTC')::date, category, occurred_at FROM activity_stage WHERE actor_email "
        "IS NOT NULL) p WHERE true GROUP BY ptype, pid, day, category ON CONFLICT (source, "
        "tenant, principal_type, principal_id, day, category) DO UPDATE SET events = "
        "activity_daily.events + excluded.events, last_at = greatest(activity_daily.last_at, "
        "excluded.last_at)"
    ),
}

_STAGE_INSERT = "INSERT INTO activity_stage VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
_STAGE_COPY = (
    "COPY activity_stage (external_id, occurred_at, actor_kind, actor_id, actor_email, "
    "action, category, target_type, target_id, workspace_id, credential_id) FROM STDIN"
)


def _sqlite_time(value: datetime) -> str:
    # The exact text UTCDateTime stores on SQLite, so equality and ordering match.
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _rows(activities: Sequence[Activity], dialect: str) -> list[tuple[Any, ...]]:
    stamp = _sqlite_time if dialect == "sqlite" else (lambda v: v.astimezone(UTC))
    return [
        (
            a.external_id,
            stamp(a.occurred_at),
            a.actor_kind,
            a.actor_id,
            a.actor_email.lower() if a.actor_email else None,
            a.action,
            a.category,
            a.target_type,
            a.target_id,
            a.workspace_id,
            a.credential_id,
        )
        for a in activities
    ]


def _stage(conn: sa.Connection, rows: list[tuple[Any, ...]], dialect: str) -> None:
    conn.exec_driver_sql(_CREATE_STAGE[dialect])
    conn.exec_driver_sql("DELETE FROM activity_stage")
    if dialect == "postgresql":
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(_STAGE_COPY) as copy:
            for row in rows:
                copy.write_row(row)
        return
    conn.exec_driver_sql(_STAGE_INSERT, rows)


def write_activities(
    conn: sa.Connection,
    activities: Sequence[Activity],
    *,
    source: str,
    tenant: str,
    run_id: str,
    raw_page_id: int | None = None,
) -> int:
    """Insert new events (events already stored are skipped) and roll them up.

    Returns how many events were new. Only new events reach the rollups, so a re-read page
    never double counts.
    """
    if not activities:
        return 0
    dialect = conn.dialect.name
    keys = {"source": source, "tenant": tenant}
    _stage(conn, _rows(activities, dialect), dialect)
    conn.execute(sa.text(_DROP_STORED), keys)
    conn.exec_driver_sql(_DROP_REPEATS[dialect])
    inserted = conn.execute(
        sa.text(_INSERT_NEW), {**keys, "run_id": run_id, "raw_page_id": raw_page_id}
    ).rowcount
    conn.execute(sa.text(_ROLLUP[dialect]), keys)
    conn.exec_driver_sql("DELETE FROM activity_stage")
    return int(inserted or 0)
