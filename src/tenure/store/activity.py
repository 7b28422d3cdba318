"""Activity ingest: dedup by vendor id and per-principal daily rollups maintained at ingest.

Set-at-a-time, with no per-row SQL and no per-row ORM processing; rows arrive in their stored
form (``model.ActivityRow``), so nothing is converted again here.

- **SQLite**: one ``INSERT … SELECT … FROM json_each(batch)`` straight into ``activities`` with
  ``ON CONFLICT DO NOTHING`` on the dedup key (which also drops repeats inside the batch). The
  table's implicit rowid only grows, so the rows this batch added are exactly those above the
  rowid read before it; the rollups are upserted from that range by one
  ``INSERT … SELECT … GROUP BY``.
- **PostgreSQL**: one ``COPY`` into a temporary staging table, the month partitions the batch
  needs are created (``store.partitions``), then a single statement inserts with
  ``ON CONFLICT DO NOTHING … RETURNING`` and upserts the rollups from exactly the returned rows.

Targets (who an identity event affected, ``activity_targets``) travel in the row's last field.
Only the rows that have any are bound, as one JSON array, and one ``INSERT … SELECT`` over it
(``json_each`` on SQLite, ``jsonb_array_elements`` on PostgreSQL) writes them all with
``ON CONFLICT DO NOTHING`` on their key: a re-read page neither duplicates nor fails, and the
feed's bulk (logins, content, usage) pays nothing for it.

An event counts in the rollups once for each principal it names: the account (user or service
account actor) and the key it was made with (``credential``; and ``key_actor`` as well when the
key acted with no account named — an Admin or API key actor — so checks can attribute those
events to the key's accountable person without counting an account's own events twice); its
email only when it names no account (so seats can be matched where the vendor gives only an
email, as Claude Code analytics does — and an account's events are never counted twice, once by
id and once by email). Only new events reach the rollups, so a re-read page never double counts.
"""

from __future__ import annotations

from collections.abc import Sequence

import orjson
import sqlalchemy as sa

from tenure.model import Activity, ActivityRow, activity_row
from tenure.store import partitions

_COLUMNS = ("external_id, occurred_at, actor_kind, actor_id, actor_email, action, category, "
            "target_type, target_id, workspace_id, credential_id")
_KEY = "(source, tenant, occurred_at, external_id)"

# The batch goes in as one JSON array bound to one parameter: SQLite unpacks it in C with
# json_each, so the whole insert is one step that releases the GIL (executemany binds each row
# in Python), and the import's parser thread keeps working meanwhile.
_SQLITE_INSERT = (
    f"INSERT INTO activities ({_COLUMNS}, source, tenant, sync_run_id, raw_page_id) SELECT "  # noqa: S608 (fixed text)
    + ", ".join(f"value ->> {i}" for i in range(11))
    + f", :source, :tenant, :run_id, :raw_page_id FROM json_each(:rows) WHERE true "
    f"ON CONFLICT {_KEY} DO NOTHING"
)


def _rollup(day: str, relation: str, greatest: str) -> str:
    """Upsert the daily rollups of the events in ``relation``.

    The events are first grouped by everything a rollup key is made of, then each group is
    counted once per principal it names (account, key, email) — one sort of the events instead
    of one per principal."""
    # "WHERE true" keeps SQLite from reading ON CONFLICT as part of the SELECT's join syntax.
    return (
        "INSERT INTO activity_daily (source, tenant, principal_type, principal_id, day, "  # noqa: S608 (fixed text)
        "category, events, last_at) SELECT :source, :tenant, ptype, pid, day, category, "
        "sum(n), max(last_at) FROM (WITH g AS (SELECT actor_kind, actor_id, actor_email, "
        f"credential_id, {day} AS day, category, count(*) AS n, max(occurred_at) AS last_at "
        f"FROM {relation} GROUP BY 1, 2, 3, 4, 5, 6) SELECT 'account' AS ptype, actor_id AS "
        "pid, day, category, n, last_at FROM g WHERE actor_id IS NOT NULL AND actor_kind IN "
        "('user', 'service_account') UNION ALL SELECT 'credential', credential_id, day, "
        "category, n, last_at FROM g WHERE credential_id IS NOT NULL UNION ALL SELECT "
        "'key_actor', credential_id, day, category, n, last_at FROM g WHERE credential_id IS "
        "NOT NULL AND actor_kind IN ('api_key', 'admin_key') UNION ALL SELECT "
        "'email', actor_email, day, category, n, last_at FROM g WHERE actor_email IS NOT NULL "
        "AND (actor_id IS NULL OR actor_kind NOT IN ('user', 'service_account'))"
        ") p WHERE true GROUP BY ptype, pid, day, category ON CONFLICT (source, tenant, "
        "principal_type, principal_id, day, category) DO UPDATE SET events = "
        "activity_daily.events + excluded.events, last_at = "
        f"{greatest}(activity_daily.last_at, excluded.last_at)"
    )


_SQLITE_ROLLUP = _rollup("substr(occurred_at, 1, 10)",
                         "(SELECT * FROM activities WHERE rowid > :after)", "max")

# The stage holds UTC wall-clock text as ``timestamp``; AT TIME ZONE 'UTC' makes it the
# instant, whatever the session's time zone.
_PG_STAGE = (
    "CREATE TEMP TABLE IF NOT EXISTS activity_stage (external_id text, occurred_at timestamp, "
    "actor_kind text, actor_id text, actor_email text, action text, category text, "
    "target_type text, target_id text, workspace_id text, credential_id text) "
    "ON COMMIT DELETE ROWS"
)
_PG_COPY = f"COPY activity_stage ({_COLUMNS}) FROM STDIN"
_PG_INSERT_AND_ROLL_UP = (
    f"WITH new AS (INSERT INTO activities ({_COLUMNS}, source, tenant, sync_run_id, "  # noqa: S608 (fixed text)
    "raw_page_id) SELECT external_id, occurred_at AT TIME ZONE 'UTC', actor_kind, actor_id, "
    "actor_email, action, category, target_type, target_id, workspace_id, credential_id, "
    f":source, :tenant, :run_id, :raw_page_id FROM activity_stage ON CONFLICT {_KEY} DO "
    "NOTHING RETURNING actor_kind, actor_id, actor_email, credential_id, category, "
    "occurred_at), rolled AS ("
    + _rollup("(occurred_at AT TIME ZONE 'UTC')::date", "new", "greatest")
    + ") SELECT count(*) FROM new"
)


_TARGET_COLUMNS = ("source, tenant, occurred_at, external_id, seq, relation, target_type, "
                   "target_id, target_email, role")
_TARGET_KEY = "(source, tenant, occurred_at, external_id, seq)"
# Each bound element is [external_id, occurred_at, [[relation, type, id, email, role], ...]].
_SQLITE_TARGETS = (
    f"INSERT INTO activity_targets ({_TARGET_COLUMNS}) SELECT :source, :tenant, "  # noqa: S608 (fixed text)
    "e.value ->> 1, e.value ->> 0, t.key, t.value ->> 0, t.value ->> 1, t.value ->> 2, "
    "t.value ->> 3, t.value ->> 4 FROM json_each(:targets) e, json_each(e.value -> 2) t "
    f"WHERE true ON CONFLICT {_TARGET_KEY} DO NOTHING"
)
_PG_TARGETS = (
    f"INSERT INTO activity_targets ({_TARGET_COLUMNS}) SELECT :source, :tenant, "  # noqa: S608 (fixed text)
    "(e ->> 1)::timestamp AT TIME ZONE 'UTC', e ->> 0, t.n - 1, t.v ->> 0, t.v ->> 1, "
    "t.v ->> 2, t.v ->> 3, t.v ->> 4 FROM jsonb_array_elements(CAST(:targets AS jsonb)) e, "
    "jsonb_array_elements(e -> 2) WITH ORDINALITY t(v, n) "
    f"ON CONFLICT {_TARGET_KEY} DO NOTHING"
)


def _write_targets(conn: sa.Connection, rows: Sequence[ActivityRow], source: str,
                   tenant: str) -> None:
    targets = [(r[0], r[1], r[11]) for r in rows if r[11]]
    if not targets:
        return
    statement = _PG_TARGETS if conn.dialect.name == "postgresql" else _SQLITE_TARGETS
    conn.execute(sa.text(statement), {"targets": orjson.dumps(targets).decode(),
                                      "source": source, "tenant": tenant})


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

    Returns how many events were new."""
    return write_activity_rows(conn, [activity_row(a) for a in activities], source=source,
                               tenant=tenant, run_id=run_id, raw_page_id=raw_page_id)


def write_activity_rows(
    conn: sa.Connection,
    rows: Sequence[ActivityRow],
    *,
    source: str,
    tenant: str,
    run_id: str,
    raw_page_id: int | None = None,
) -> int:
    """:func:`write_activities` for rows already in their stored form."""
    if not rows:
        return 0
    _write_targets(conn, rows, source, tenant)
    if conn.dialect.name == "postgresql":
        return _write_postgresql(conn, rows, source, tenant, run_id, raw_page_id)
    after = conn.exec_driver_sql("SELECT coalesce(max(rowid), 0) FROM activities").scalar()
    inserted = conn.execute(sa.text(_SQLITE_INSERT), {
        "rows": orjson.dumps(rows).decode(), "source": source, "tenant": tenant,
        "run_id": run_id, "raw_page_id": raw_page_id}).rowcount
    if inserted:
        conn.execute(sa.text(_SQLITE_ROLLUP), {"source": source, "tenant": tenant,
                                               "after": after})
    return int(inserted)


def _write_postgresql(conn: sa.Connection, rows: Sequence[ActivityRow], source: str,
                      tenant: str, run_id: str, raw_page_id: int | None) -> int:
    conn.exec_driver_sql(_PG_STAGE)
    conn.exec_driver_sql("TRUNCATE activity_stage")
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    with cursor.copy(_PG_COPY) as copy:
        for row in rows:
            copy.write_row(row[:11])
    partitions.ensure_stage_months(conn)
    inserted = conn.execute(sa.text(_PG_INSERT_AND_ROLL_UP), {
        "source": source, "tenant": tenant, "run_id": run_id, "raw_page_id": raw_page_id,
    }).scalar_one()
    return int(inserted)
