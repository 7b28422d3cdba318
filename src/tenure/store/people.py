"""Identity-source writer: upsert people and record joiner / mover / leaver changes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from tenure.model import ChangeKind, Person, PersonStatus
from tenure.store import schema
from tenure.store.writers import upsert_snapshot

# Which kind of lifecycle event a change of each field is. Department, manager and title are
# what IGA products treat as a "mover"; status is the leaver/rehire signal.
_FIELD_KINDS: dict[str, ChangeKind] = {
    "department": ChangeKind.MOVER,
    "manager_email": ChangeKind.MOVER,
    "title": ChangeKind.MOVER,
    "name": ChangeKind.UPDATED,
    "employee_id": ChangeKind.UPDATED,
    "start_date": ChangeKind.UPDATED,
    "end_date": ChangeKind.UPDATED,
}


@dataclass(frozen=True, slots=True)
class PersonChange:
    """One observed change of one person."""

    person_email: str
    kind: ChangeKind
    field: str | None
    old_value: str | None
    new_value: str | None


def _text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def person_row(person: Person) -> dict[str, Any]:
    """Column values of a person."""
    return {
        "external_id": person.email, "email": person.email, "name": person.name,
        "employee_id": person.employee_id, "status": str(person.status),
        "department": person.department, "title": person.title,
        "manager_email": person.manager_email, "start_date": person.start_date,
        "end_date": person.end_date,
    }


def diff_person(old: dict[str, Any] | None, new: Person) -> list[PersonChange]:
    """The changes between the stored person (or None) and the incoming one."""
    if old is None:
        return [PersonChange(new.email, ChangeKind.JOINER, "status", None, str(new.status))]
    changes: list[PersonChange] = []
    if old["status"] != str(new.status):
        kind = ChangeKind.LEAVER if new.status is PersonStatus.TERMINATED else ChangeKind.REHIRE
        changes.append(PersonChange(new.email, kind, "status", old["status"], str(new.status)))
    elif old.get("removed_at") is not None:
        changes.append(PersonChange(new.email, ChangeKind.REHIRE, "status", "removed",
                                    str(new.status)))
    new_row = person_row(new)
    for field, kind in _FIELD_KINDS.items():
        before, after = _text(old[field]), _text(new_row[field])
        if before != after:
            changes.append(PersonChange(new.email, kind, field, before, after))
    return changes


def write_people(
    conn: sa.Connection, people: Sequence[Person], *, source: str, tenant: str, run_id: str,
    now: datetime,
) -> list[PersonChange]:
    """Upsert a batch of people and record what changed for each, in one transaction."""
    if not people:
        return []
    table = schema.people
    emails = [p.email for p in people]
    existing = {
        row["email"]: dict(row)
        for row in conn.execute(
            sa.select(table).where(
                table.c.source == source, table.c.tenant == tenant, table.c.email.in_(emails)
            )
        ).mappings()
    }
    changes = [c for p in people for c in diff_person(existing.get(p.email), p)]
    upsert_snapshot(conn, table, [person_row(p) for p in people], source=source, tenant=tenant,
                    run_id=run_id, now=now)
    record_changes(conn, changes, source=source, run_id=run_id, now=now)
    return changes


def record_changes(
    conn: sa.Connection, changes: Sequence[PersonChange], *, source: str, run_id: str,
    now: datetime,
) -> None:
    """Append person changes to the joiner/mover/leaver history."""
    if changes:
        conn.execute(schema.person_changes.insert(), [
            {"source": source, "person_email": c.person_email, "kind": str(c.kind),
             "field": c.field, "old_value": c.old_value, "new_value": c.new_value,
             "observed_at": now, "sync_run_id": run_id}
            for c in changes
        ])


def retire_missing_people(
    conn: sa.Connection, *, source: str, tenant: str, run_id: str, now: datetime
) -> list[PersonChange]:
    """After a complete import: people no longer listed are marked removed, with a change."""
    table = schema.people
    missing = conn.execute(
        sa.select(table.c.email, table.c.status).where(
            table.c.source == source, table.c.tenant == tenant, table.c.removed_at.is_(None),
            table.c.sync_run_id != run_id,
        )
    ).all()
    changes = [PersonChange(email, ChangeKind.REMOVED, "status", status, "removed")
               for email, status in missing]
    if changes:
        conn.execute(
            table.update().where(
                table.c.source == source, table.c.tenant == tenant,
                table.c.removed_at.is_(None), table.c.sync_run_id != run_id,
            ).values(removed_at=now, removed_run_id=run_id)
        )
        record_changes(conn, changes, source=source, run_id=run_id, now=now)
    return changes
