"""Who answers for each non-human identity, and why, resolved set-at-a-time.

Order: an explicit sponsor recorded in Tenure (or its provisional successor) → the owner the
identity names by convention → the vendor's creator (a user, matched to a person; a service
account created by another service account inherits that one's sponsor) → for a deployment its
agent, for a federation rule its target service account → nobody. The result is written to
``nhi_accountability`` before each check run; the checks read it there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from tenure.config import NhiConfig
from tenure.model import AccountKind, NhiKind, SponsorBasis
from tenure.nhi.inventory import Nhi, all_nhis
from tenure.store import schema

Key = tuple[str, NhiKind, str]
"""(source, kind, subject id) of an NHI."""


@dataclass(frozen=True, slots=True)
class Resolution:
    """The accountable human of one NHI, with the reason shown to people."""

    nhi: Nhi
    sponsor: str | None
    basis: SponsorBasis
    reason: str
    provisional: bool = False
    previous_owner: str | None = None
    via: Key | None = None
    """The NHI whose sponsor this one inherits (creator service account, agent, target)."""

    @property
    def key(self) -> Key:
        """This NHI's key."""
        return (self.nhi.source, self.nhi.kind, self.nhi.subject_id)


@dataclass(frozen=True, slots=True)
class _Creator:
    kind: str
    email: str | None
    person_email: str | None
    name: str


def _explicit(conn: sa.Connection) -> dict[Key, Mapping[str, Any]]:
    sp = schema.sponsors
    return {(r["source"], NhiKind(r["subject_type"]), r["subject_id"]): dict(r)
            for r in conn.execute(sa.select(sp)).mappings()}


def _creators(conn: sa.Connection, nhis: list[Nhi]) -> dict[tuple[str, str], _Creator]:
    wanted = {n.creator_id for n in nhis if n.creator_id}
    if not wanted:
        return {}
    a = schema.accounts
    rows = conn.execute(sa.select(a.c.source, a.c.external_id, a.c.kind, a.c.email,
                                  a.c.person_email, a.c.name)
                        .where(a.c.external_id.in_(sorted(wanted))))
    return {(r.source, r.external_id): _Creator(r.kind, r.email, r.person_email,
                                                r.name or r.email or r.external_id)
            for r in rows}


class _Resolver:
    def __init__(self, nhis: list[Nhi], explicit: dict[Key, Mapping[str, Any]],
                 creators: dict[tuple[str, str], _Creator]) -> None:
        self.by_key: dict[Key, Nhi] = {(n.source, n.kind, n.subject_id): n for n in nhis}
        self.explicit = explicit
        self.creators = creators
        self.done: dict[Key, Resolution] = {}

    def resolve(self, key: Key, seen: frozenset[Key] = frozenset()) -> Resolution:
        if key in self.done:
            return self.done[key]
        nhi = self.by_key[key]
        result = self._first(nhi, key, seen | {key})
        self.done[key] = result
        return result

    def _first(self, nhi: Nhi, key: Key, seen: frozenset[Key]) -> Resolution:
        row = self.explicit.get(key)
        if row is not None:
            return Resolution(nhi, row["owner_email"], SponsorBasis(row["basis"]),
                              row["reason"], bool(row["provisional"]), row["previous_owner"])
        if nhi.convention_owner:
            return Resolution(nhi, nhi.convention_owner, SponsorBasis.CONVENTION,
                              f"named by its own metadata ({nhi.convention_owner})")
        if nhi.creator_id:
            found = self._by_creator(nhi, seen)
            if found is not None:
                return found
        if nhi.parent is not None:
            parent = (nhi.source, *nhi.parent)
            if parent in self.by_key and parent not in seen:
                up = self.resolve(parent, seen)
                if up.sponsor is not None:
                    return Resolution(nhi, up.sponsor, SponsorBasis.INHERITED,
                                      f"answers through its {up.nhi.kind.replace('_', ' ')} "
                                      f"{up.nhi.name}: {up.reason}", up.provisional,
                                      up.previous_owner, via=parent)
        return Resolution(nhi, None, SponsorBasis.NONE,
                          "no sponsor recorded, none named by convention, and the vendor "
                          "names no creator who matches a person")

    def _by_creator(self, nhi: Nhi, seen: frozenset[Key]) -> Resolution | None:
        creator_id = str(nhi.creator_id)
        creator_sa = (nhi.source, NhiKind.SERVICE_ACCOUNT, creator_id)
        if creator_sa in self.by_key and creator_sa not in seen:
            up = self.resolve(creator_sa, seen)
            if up.sponsor is None:
                return None
            return Resolution(nhi, up.sponsor, SponsorBasis.INHERITED,
                              f"created by service account {up.nhi.name}, whose sponsor is "
                              f"{up.sponsor} ({up.basis})", up.provisional, up.previous_owner,
                              via=creator_sa)
        creator = self.creators.get((nhi.source, creator_id))
        if creator is None or creator.kind != str(AccountKind.USER):
            return None
        email = creator.person_email or creator.email
        if email is None:
            return None
        matched = "" if creator.person_email else " (their seat matches no person)"
        return Resolution(nhi, email.lower(), SponsorBasis.CREATOR,
                          f"created by {creator.name}{matched}")


def resolve_all(conn: sa.Connection, config: NhiConfig) -> list[Resolution]:
    """The resolved sponsor of every NHI in the store (a fixed number of queries)."""
    nhis = all_nhis(conn, config)
    resolver = _Resolver(nhis, _explicit(conn), _creators(conn, nhis))
    return [resolver.resolve((n.source, n.kind, n.subject_id)) for n in nhis]


def refresh(conn: sa.Connection, config: NhiConfig, now: datetime) -> list[Resolution]:
    """Rebuild ``nhi_accountability`` from the store; returns the resolutions."""
    resolved = resolve_all(conn, config)
    table = schema.nhi_accountability
    conn.execute(table.delete())
    if resolved:
        conn.execute(table.insert(), [
            {"source": r.nhi.source, "subject_type": str(r.nhi.kind),
             "subject_id": r.nhi.subject_id, "tenant": r.nhi.tenant, "name": r.nhi.name[:512],
             "live": r.nhi.live, "sponsor_email": r.sponsor, "basis": str(r.basis),
             "reason": r.reason, "provisional": r.provisional,
             "previous_owner": r.previous_owner, "refreshed_at": now} for r in resolved])
    return resolved
