"""Sponsor succession: when a sponsor leaves (terminated in HR) or moves (department or
manager change in the mover window), sponsorship of each live NHI they answer for passes
provisionally to their manager. Found set-at-a-time from the resolution and the identity
source; applied and reviewed by ``tenure.services.lifecycle``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from tenure.config import LifecycleConfig, NhiConfig
from tenure.model import NhiKind, SponsorBasis
from tenure.nhi.resolve import resolve_all
from tenure.store import schema


@dataclass(frozen=True, slots=True)
class Succession:
    """One NHI whose sponsor left or moved, and who takes it over provisionally."""

    source: str
    kind: NhiKind
    subject_id: str
    name: str
    previous: str
    successor: str
    cause: str


def pending(conn: sa.Connection, nhi: NhiConfig, lifecycle: LifecycleConfig, now: datetime
            ) -> list[Succession]:
    """Live NHIs whose own sponsor (not one inherited from another NHI, which succeeds on
    its own) left or moved and whose manager is an active person."""
    p, ch = schema.people, schema.person_changes
    people = {r.email: r for r in conn.execute(
        sa.select(p.c.email, p.c.status, p.c.manager_email, p.c.end_date)
        .where(p.c.removed_at.is_(None)))}
    since = now - timedelta(days=lifecycle.mover_window_days)
    moved = {r.person_email: r.observed_at for r in conn.execute(
        sa.select(ch.c.person_email, sa.func.max(ch.c.observed_at).label("observed_at"))
        .where(ch.c.kind == "mover", ch.c.field.in_(("department", "manager_email")),
               ch.c.observed_at >= since).group_by(ch.c.person_email))}
    set_at = {(r.source, r.subject_id): r.set_at for r in conn.execute(
        sa.select(schema.sponsors.c.source, schema.sponsors.c.subject_id,
                  schema.sponsors.c.set_at))}
    out = []
    for r in resolve_all(conn, nhi):
        if not r.nhi.live or r.sponsor is None or r.provisional \
                or r.basis in (SponsorBasis.INHERITED, SponsorBasis.NONE):
            continue
        person = people.get(r.sponsor)
        if person is None:
            continue
        if person.status == "terminated":
            cause = f"left on {person.end_date}" if person.end_date else "left"
        elif r.sponsor in moved and moved[r.sponsor] > set_at.get(
                (r.nhi.source, r.nhi.subject_id), moved[r.sponsor] - timedelta(seconds=1)):
            cause = "moved (department or manager changed)"
        else:
            continue
        manager = people.get(person.manager_email or "")
        if manager is None or manager.status != "active" or manager.email == r.sponsor:
            continue
        out.append(Succession(r.nhi.source, r.nhi.kind, r.nhi.subject_id, r.nhi.name,
                              r.sponsor, manager.email, cause))
    return out
