"""SCIM deactivation bursts: an identity provider that deprovisions many people at once (a
bad group rule, a misconfigured sync, a compromised admin) must not start leaver triggers
for all of them. Deactivations from one SCIM source are counted over ``[lifecycle]
scim_burst_window_minutes``; once they pass the mass-change limit (``mass_change_percent`` of
that source's people, never below ``mass_change_floor``) the next ones — and every one after,
until an admin confirms or dismisses the burst — are *held*: the SCIM resource is stored as
pushed (the identity provider gets its normal answer), the person stays active, the hold is
ledgered (``scim.burst.held``) and nothing reaches the lifecycle triggers.

``confirm`` applies the held deactivations (each becomes the leaver it would have been);
``dismiss`` drops them (the people stay active; fix the identity provider, which will push
again).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from tenure.evidence import ledger
from tenure.model import Person, PersonStatus, RunStatus
from tenure.services import massguard
from tenure.services.context import App
from tenure.services.web_users import WebUser, require_admin
from tenure.store import schema
from tenure.store.people import PersonChange, write_people

H, P, CH = schema.scim_held_deactivations, schema.people, schema.person_changes


@dataclass(frozen=True, slots=True)
class Held:
    """A deactivation waiting for an admin."""

    id: int
    source: str
    user_id: str
    email: str
    user_name: str
    held_at: datetime


def _open(source: str) -> sa.ColumnElement[bool]:
    return sa.and_(H.c.source == source, H.c.resolved_at.is_(None))


def should_hold(conn: sa.Connection, app: App, source: str, now: datetime) -> bool:
    """Whether a deactivation arriving now is part of a burst (and must be held)."""
    if conn.execute(sa.select(H.c.id).where(_open(source)).limit(1)).first() is not None:
        return True  # a burst is open: everything waits for the admin's decision
    config = app.settings.lifecycle
    since = now - timedelta(minutes=config.scim_burst_window_minutes)
    recent = conn.execute(sa.select(sa.func.count()).select_from(CH).where(
        CH.c.source == source, CH.c.kind == "leaver", CH.c.observed_at >= since)).scalar_one()
    active = conn.execute(sa.select(sa.func.count()).select_from(P).where(
        P.c.source == source, P.c.tenant == source, P.c.removed_at.is_(None),
        P.c.status == str(PersonStatus.ACTIVE))).scalar_one()
    return int(recent) + 1 > massguard.limit(config, int(active) + int(recent))


def hold(conn: sa.Connection, *, source: str, actor: str, user_id: str, email: str,
         user_name: str, run_id: str, now: datetime) -> None:
    """Record a held deactivation (one open hold per person) and ledger it."""
    opened = conn.execute(sa.select(H.c.id).where(_open(source)).limit(1)).first() is None
    existing = conn.execute(sa.select(H.c.id).where(_open(source), H.c.email == email)).first()
    if existing is None:
        conn.execute(H.insert().values(source=source, user_id=user_id, email=email,
                                       user_name=user_name, held_at=now, run_id=run_id))
    ledger.append(conn, kind="scim.burst.held", actor=actor, now=now, subject=email,
                  payload={"source": source, "user_id": user_id, "email": email,
                           "run_id": run_id, "burst_opened": opened,
                           "why": "deactivation burst: held until an admin confirms "
                                  "(tenure scim bursts)"})


def release_for(conn: sa.Connection, *, source: str, email: str, now: datetime,
                resolution: str = "reactivated") -> None:
    """The person was re-activated (or their user deleted and re-pushed) before the admin
    decided: their hold is over."""
    conn.execute(H.update().where(_open(source), H.c.email == email)
                 .values(resolved_at=now, resolved_by="scim", resolution=resolution))


def held(app: App, source: str | None = None) -> list[Held]:
    """Open holds, oldest first."""
    where = [H.c.resolved_at.is_(None)] + ([H.c.source == source] if source else [])
    with app.engine.connect() as conn:
        return [Held(r.id, r.source, r.user_id, r.email, r.user_name, r.held_at)
                for r in conn.execute(sa.select(H).where(*where).order_by(H.c.held_at, H.c.id))]


def confirm(app: App, acting: WebUser | None, source: str) -> list[PersonChange]:
    """Apply the held deactivations of ``source`` (an admin's decision): each person becomes
    terminated with the day it was pushed, as the leaver the push would have made."""
    admin = require_admin(app, acting)
    now = app.now()
    run_id = f"scim-burst-{uuid.uuid4().hex}"
    with app.engine.begin() as conn:
        rows = conn.execute(sa.select(H).where(_open(source)).order_by(H.c.id)).all()
        current = {r.email: r for r in conn.execute(sa.select(P).where(
            P.c.source == source, P.c.tenant == source, P.c.removed_at.is_(None),
            P.c.email.in_([r.email for r in rows])))}
        people = []
        for r in rows:
            person = current.get(r.email)
            if person is None:
                continue
            people.append(Person(
                email=person.email, name=person.name, employee_id=person.employee_id,
                status=PersonStatus.TERMINATED, department=person.department,
                title=person.title, manager_email=person.manager_email,
                start_date=person.start_date, end_date=r.held_at.date()))
        conn.execute(schema.sync_runs.insert().values(
            id=run_id, source=source, source_type="scim", tenant=source, started_at=now,
            finished_at=now, status=str(RunStatus.COMPLETE), complete_types=[],
            stats={"scim": "scim.burst.confirmed", "people": len(people)}, error=None))
        changes = write_people(conn, people, source=source, tenant=source, run_id=run_id,
                               now=now)
        _resolve(conn, source, admin, "confirmed", now, [r.email for r in rows],
                 len(changes), run_id)
    return changes


def dismiss(app: App, acting: WebUser | None, source: str) -> int:
    """Drop the held deactivations of ``source``: the people stay active."""
    admin = require_admin(app, acting)
    now = app.now()
    with app.engine.begin() as conn:
        emails = list(conn.execute(sa.select(H.c.email).where(_open(source))).scalars())
        _resolve(conn, source, admin, "dismissed", now, emails, 0, None)
    return len(emails)


def _resolve(conn: sa.Connection, source: str, admin: WebUser, resolution: str, now: datetime,
             emails: list[str], changes: int, run_id: str | None) -> None:
    conn.execute(H.update().where(_open(source)).values(
        resolved_at=now, resolved_by=admin.email, resolution=resolution))
    ledger.append(conn, kind=f"scim.burst.{resolution}", actor=f"web:{admin.email}", now=now,
                  subject=f"scim:{source}", payload={"source": source, "people": emails,
                                                    "changes": changes, "run_id": run_id})
