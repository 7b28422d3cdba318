"""Read-side use cases: people, accounts, identity changes and source health."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from tenure.services.context import App
from tenure.services.sync import last_runs
from tenure.store import schema


@dataclass(frozen=True, slots=True)
class SourceStatus:
    """A configured source and how its syncs have gone."""

    name: str
    type: str
    last_run_status: str | None
    last_run_at: datetime | None
    last_success_at: datetime | None
    tenant: str | None
    gaps: int
    error: str | None


def source_status(app: App) -> list[SourceStatus]:
    """Every configured source with its last run and last successful run."""
    with app.engine.connect() as conn:
        runs = last_runs(conn)
        gap_rows = conn.execute(
            sa.select(schema.gaps.c.sync_run_id, sa.func.count())
            .group_by(schema.gaps.c.sync_run_id)
        ).all()
    gaps = {run_id: count for run_id, count in gap_rows}
    out = []
    for source in app.settings.sources:
        info = runs.get(source.name, {})
        last, ok = info.get("last_run"), info.get("last_success")
        out.append(SourceStatus(
            name=source.name, type=source.type,
            last_run_status=last["status"] if last else None,
            last_run_at=(last["finished_at"] or last["started_at"]) if last else None,
            last_success_at=ok["finished_at"] if ok else None,
            tenant=last["tenant"] if last else None,
            gaps=gaps.get(last["id"], 0) if last else 0,
            error=last["error"] if last else None,
        ))
    return out


@dataclass(frozen=True, slots=True)
class PersonRow:
    """A person as shown by ``tenure people``."""

    email: str
    name: str
    employee_id: str
    status: str
    department: str
    title: str
    manager_email: str
    start_date: date | None
    end_date: date | None
    source: str
    accounts: int
    removed: bool


def list_people(
    app: App, *, status: str | None = None, include_removed: bool = False
) -> list[PersonRow]:
    """People from the identity sources, with how many platform accounts each holds."""
    p, a = schema.people, schema.accounts
    held = (
        sa.select(a.c.person_email, sa.func.count().label("n"))
        .where(a.c.removed_at.is_(None), a.c.person_email.is_not(None))
        .group_by(a.c.person_email).subquery()
    )
    query = (
        sa.select(p, sa.func.coalesce(held.c.n, 0).label("accounts"))
        .outerjoin(held, held.c.person_email == p.c.email).order_by(p.c.email)
    )
    if status:
        query = query.where(p.c.status == status)
    if not include_removed:
        query = query.where(p.c.removed_at.is_(None))
    with app.engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
    return [PersonRow(
        email=r["email"], name=r["name"], employee_id=r["employee_id"], status=r["status"],
        department=r["department"], title=r["title"], manager_email=r["manager_email"],
        start_date=r["start_date"], end_date=r["end_date"], source=r["source"],
        accounts=r["accounts"], removed=r["removed_at"] is not None,
    ) for r in rows]


@dataclass(frozen=True, slots=True)
class AccountRow:
    """A platform account with the person it resolves to (or unmatched)."""

    source: str
    tenant: str
    external_id: str
    kind: str
    email: str | None
    name: str
    role: str
    status: str
    created_at: datetime | None
    person_email: str | None
    match: str
    person_status: str | None
    removed_at: datetime | None


def list_accounts(
    app: App, *, source: str | None = None, include_removed: bool = False,
    unmatched_only: bool = False,
) -> list[AccountRow]:
    """Platform accounts joined to the identity graph."""
    a, p = schema.accounts, schema.people
    query = (
        sa.select(a, p.c.status.label("person_status"))
        .outerjoin(p, sa.and_(p.c.email == a.c.person_email, p.c.removed_at.is_(None)))
        .order_by(a.c.source, a.c.email, a.c.external_id)
    )
    if source:
        app.settings.source(source)
        query = query.where(a.c.source == source)
    if not include_removed:
        query = query.where(a.c.removed_at.is_(None))
    if unmatched_only:
        query = query.where(a.c.person_email.is_(None))
    with app.engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
    return [AccountRow(
        source=r["source"], tenant=r["tenant"], external_id=r["external_id"], kind=r["kind"],
        email=r["email"], name=r["name"], role=r["role"],
        status="removed" if r["removed_at"] else r["status"], created_at=r["created_at"],
        person_email=r["person_email"], match=r["match_method"] or "unmatched",
        person_status=r["person_status"], removed_at=r["removed_at"],
    ) for r in rows]


def list_changes(
    app: App, *, kind: str | None = None, person: str | None = None
) -> list[dict[str, Any]]:
    """The joiner / mover / leaver history recorded from identity-source imports."""
    c = schema.person_changes
    query = sa.select(c).order_by(c.c.observed_at, c.c.id)
    if kind:
        query = query.where(c.c.kind == kind)
    if person:
        query = query.where(c.c.person_email == person.strip().lower())
    with app.engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]
