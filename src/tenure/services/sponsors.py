"""Sponsor use cases shared by the CLI and the web app: set and list who answers for each
non-human identity."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from tenure.errors import NotFound, TenureError
from tenure.model import SponsorBasis
from tenure.nhi import sponsorship
from tenure.nhi.inventory import EMAIL, Nhi, all_nhis
from tenure.nhi.last_activity import LastActivity, last_activity
from tenure.nhi.resolve import Resolution, refresh, resolve_all
from tenure.services.context import App
from tenure.services.findings import run_affected_checks
from tenure.services.principal import require_role
from tenure.services.touched import SPONSOR
from tenure.services.web_users import Role
from tenure.store import schema


@dataclass(frozen=True, slots=True)
class SetResult:
    """What ``sponsor set`` recorded, and a warning when the owner matches no person."""

    nhi: Nhi
    owner: str
    previous: str | None
    warning: str | None


def find_nhi(conn: sa.Connection, app: App, subject: str, source: str | None = None) -> Nhi:
    """The NHI named by ``subject``: its vendor id, or its name when that is unique (within
    ``source`` when given)."""
    nhis = [n for n in all_nhis(conn, app.settings.nhi) if source is None or n.source == source]
    by_id = [n for n in nhis if n.subject_id == subject]
    if by_id:
        return by_id[0]
    by_name = [n for n in nhis if n.name.lower() == subject.lower()]
    if len(by_name) == 1:
        return by_name[0]
    if len(by_name) > 1:
        ids = ", ".join(f"{n.source}/{n.subject_id}" for n in by_name)
        raise TenureError(f"{subject!r} names {len(by_name)} identities ({ids}): give the id")
    raise NotFound(f"no service account, federation rule, agent or deployment {subject!r} "
                   "(sync first; `tenure nhi` lists them)")


def set_sponsor(app: App, subject: str, *, owner: str, reason: str,
                source: str | None = None) -> SetResult:
    """Record ``owner`` as the explicit sponsor of an NHI (authenticated admins only)."""
    setter = require_role(app, Role.ADMIN, doing="setting a sponsor").email
    owner = owner.strip().lower()
    if not EMAIL.match(owner):
        raise TenureError(f"--owner {owner!r} is not an email address")
    if not reason.strip():
        raise TenureError("--reason is required: say why this person answers for it")
    with app.engine.begin() as conn:
        nhi = find_nhi(conn, app, subject, source or None)
        before = next((r for r in resolve_all(conn, app.settings.nhi)
                       if (r.nhi.source, r.nhi.subject_id) == (nhi.source, nhi.subject_id)),
                      None)
        previous = before.sponsor if before else None
        sponsorship.record(
            conn, source=nhi.source, kind=nhi.kind, subject_id=nhi.subject_id, owner=owner,
            basis=SponsorBasis.EXPLICIT, reason=reason.strip(), provisional=False,
            previous_owner=previous, event="set", set_by=setter, actor=app.actor,
            now=app.wall(), ledger_kind="sponsor.set")
        refresh(conn, app.settings.nhi, app.wall())
        person = conn.execute(sa.select(schema.people.c.status).where(
            schema.people.c.email == owner, schema.people.c.removed_at.is_(None))).first()
    # the sponsor checks re-run now, not at the next sync
    run_affected_checks(app, {SPONSOR}, trigger="sponsor:set")
    warning = None
    if person is None:
        warning = (f"{owner} matches no person in the identity source: the identity stays "
                   "nhi-without-sponsor until it does")
    elif person.status != "active":
        warning = f"{owner} is {person.status} in the identity source"
    return SetResult(nhi, owner, previous, warning)


def person_states(conn: sa.Connection) -> dict[str, tuple[str, str, str]]:
    """Present people by email: (name, status, manager email)."""
    p = schema.people
    return {r.email: (r.name, r.status, r.manager_email) for r in conn.execute(
        sa.select(p.c.email, p.c.name, p.c.status, p.c.manager_email)
        .where(p.c.removed_at.is_(None)))}


def resolution_row(r: Resolution, people: dict[str, tuple[str, str, str]],
                   last: dict[tuple[str, str], LastActivity]) -> dict[str, Any]:
    """One resolution as a flat, JSON-ready row (``last``: see :func:`last_activity`)."""
    person = people.get(r.sponsor or "")
    seen = last.get((r.nhi.source, r.nhi.subject_id))
    return {"source": r.nhi.source, "kind": str(r.nhi.kind), "id": r.nhi.subject_id,
            "name": r.nhi.name, "live": r.nhi.live,
            "last_active": seen.at.isoformat() if seen else "",
            "last_signal": seen.signal if seen else "no activity seen",
            "sponsor": r.sponsor or "",
            "basis": str(r.basis), "provisional": r.provisional,
            "sponsor_status": person[1] if person else ("" if r.sponsor is None
                                                        else "no person"),
            "manager": person[2] if person else "", "reason": r.reason}


def list_sponsors(app: App, *, kind: str | None = None, source: str | None = None
                  ) -> list[dict[str, Any]]:
    """Every NHI with its resolved sponsor and the reason."""
    with app.engine.connect() as conn:
        resolved = resolve_all(conn, app.settings.nhi)
        people = person_states(conn)
        last = last_activity(conn)
    rows = [resolution_row(r, people, last) for r in resolved]
    return [r for r in rows if (kind is None or r["kind"] == kind)
            and (source is None or r["source"] == source)]
