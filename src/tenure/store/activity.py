"""Activity ingest: dedup by vendor id and per-principal daily rollups maintained at ingest."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import sqlalchemy as sa

from tenure.model import Activity
from tenure.store import schema
from tenure.store.upsert import greatest, insert_for

_USER_KINDS = frozenset({"user", "service_account"})

RollupKey = tuple[str, str, date, str]


def principals_of(
    actor_kind: str, actor_id: str | None, actor_email: str | None, credential_id: str | None
) -> list[tuple[str, str]]:
    """The principals an event counts for in the rollups.

    An event made with a key counts for the key and, when the vendor names one, the account
    behind it; the email form lets seats be matched where the vendor gives only an email
    (Claude Code analytics).
    """
    out: list[tuple[str, str]] = []
    if actor_id and actor_kind in _USER_KINDS:
        out.append(("account", actor_id))
    if credential_id:
        out.append(("credential", credential_id))
    if actor_email:
        out.append(("email", actor_email.lower()))
    return out


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
    table = schema.activities
    stmt = (
        insert_for(conn, table)
        .on_conflict_do_nothing(index_elements=["source", "tenant", "external_id", "occurred_at"])
        .returning(table.c.occurred_at, table.c.actor_kind, table.c.actor_id,
                   table.c.actor_email, table.c.credential_id, table.c.category)
    )
    values = [
        {"source": source, "tenant": tenant, "external_id": a.external_id,
         "occurred_at": a.occurred_at, "actor_kind": a.actor_kind, "actor_id": a.actor_id,
         "actor_email": a.actor_email.lower() if a.actor_email else None,
         "action": a.action, "category": a.category, "target_type": a.target_type,
         "target_id": a.target_id, "workspace_id": a.workspace_id,
         "credential_id": a.credential_id, "sync_run_id": run_id, "raw_page_id": raw_page_id}
        for a in _unique(activities)
    ]
    inserted = conn.execute(stmt, values).all()
    rollups: dict[RollupKey, tuple[int, datetime]] = {}
    for occurred_at, kind, actor_id, email, credential_id, category in inserted:
        for principal_type, principal_id in principals_of(kind, actor_id, email, credential_id):
            key = (principal_type, principal_id, occurred_at.date(), category)
            count, last = rollups.get(key, (0, occurred_at))
            rollups[key] = (count + 1, max(last, occurred_at))
    _add_rollups(conn, rollups, source=source, tenant=tenant)
    return len(inserted)


def _unique(activities: Sequence[Activity]) -> list[Activity]:
    seen: set[tuple[str, datetime]] = set()
    out = []
    for a in activities:
        key = (a.external_id, a.occurred_at)
        if key not in seen:
            seen.add(key)
            out.append(a)
    return out


def _add_rollups(
    conn: sa.Connection, rollups: dict[RollupKey, tuple[int, datetime]], *, source: str,
    tenant: str,
) -> None:
    if not rollups:
        return
    table = schema.activity_daily
    stmt = insert_for(conn, table)
    stmt = stmt.on_conflict_do_update(
        index_elements=["source", "tenant", "principal_type", "principal_id", "day", "category"],
        set_={"events": table.c.events + stmt.excluded.events,
              "last_at": greatest(conn, table.c.last_at, stmt.excluded.last_at)},
    )
    conn.execute(stmt, [
        {"source": source, "tenant": tenant, "principal_type": ptype, "principal_id": pid,
         "day": day, "category": category, "events": count, "last_at": last}
        for (ptype, pid, day, category), (count, last) in rollups.items()
    ])
