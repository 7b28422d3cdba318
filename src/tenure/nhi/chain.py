"""The accountability chain of one non-human identity, as a query.

Read left to right: what it runs as and holds (an agent's deployments, their environment's
egress and vault credentials; a service account's federation rules, workspaces and keys) →
its sponsor (and why) → the sponsor's HR record (status) → their manager. And the other way:
every NHI a person answers for. A fixed number of queries per chain, none to a vendor.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from tenure.config import NhiConfig
from tenure.model import NhiKind, OwnerKind
from tenure.nhi.resolve import Resolution, resolve_all
from tenure.store import schema


@dataclass(frozen=True, slots=True)
class Node:
    """One box in the chain: a named thing with a status and a short detail."""

    kind: str
    id: str
    name: str
    status: str
    detail: str = ""
    warn: bool = False
    """Drawn as a problem (archived owner, open egress, expired secret, leaver)."""


@dataclass(frozen=True, slots=True)
class PersonNode:
    """A person in the chain (sponsor or manager), from the identity source."""

    email: str
    name: str
    status: str
    title: str = ""
    end_date: date | None = None
    known: bool = True
    """False when the email matches nobody in the identity source."""


@dataclass(slots=True)
class Chain:
    """The chain of one NHI (see the module docstring)."""

    subject: Node
    source: str
    basis: str
    reason: str
    provisional: bool
    upstream: list[Node] = field(default_factory=list)
    """What lets it act: federation rules targeting a service account, a deployment's agent."""
    runs: list[Node] = field(default_factory=list)
    """An agent's deployments."""
    holds: list[Node] = field(default_factory=list)
    """Keys, workspaces, vault credentials, environment egress."""
    via: Node | None = None
    """The NHI whose sponsor it inherits, when it does."""
    sponsor: PersonNode | None = None
    manager: PersonNode | None = None
    created_at: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        from tenure.model import plain

        return plain(self)  # type: ignore[no-any-return]


def _person(conn: sa.Connection, email: str | None) -> PersonNode | None:
    if not email:
        return None
    p = schema.people
    row = conn.execute(sa.select(p.c.email, p.c.name, p.c.status, p.c.title, p.c.end_date)
                       .where(p.c.email == email, p.c.removed_at.is_(None))).first()
    if row is None:
        return PersonNode(email, email, "no person", known=False)
    return PersonNode(row.email, row.name, row.status, row.title, row.end_date)


def _manager_of(conn: sa.Connection, email: str | None) -> PersonNode | None:
    if not email:
        return None
    p = schema.people
    manager = conn.execute(sa.select(p.c.manager_email).where(
        p.c.email == email, p.c.removed_at.is_(None))).scalar()
    return _person(conn, manager) if manager else None


def _day(value: datetime | None) -> str:
    return value.date().isoformat() if value else "never"


def _service_account_parts(conn: sa.Connection, r: Resolution, chain: Chain) -> None:
    c, g, w = schema.credentials, schema.grants, schema.workspaces
    sid, source = r.nhi.subject_id, r.nhi.source
    for k in conn.execute(
            sa.select(c.c.external_id, c.c.name, c.c.status, c.c.last_used_at, c.c.expires_at)
            .where(c.c.source == source, c.c.owner_type == str(OwnerKind.SERVICE_ACCOUNT),
                   c.c.owner_id == sid, c.c.removed_at.is_(None)).order_by(c.c.name)):
        chain.holds.append(Node("api_key", k.external_id, k.name or k.external_id, k.status,
                                f"last used {_day(k.last_used_at)}"))
    names = dict(conn.execute(sa.select(w.c.external_id, w.c.name).where(w.c.source == source))
                 .tuples().all())
    for gr in conn.execute(
            sa.select(g.c.scope_type, g.c.scope_id, g.c.role, g.c.inherited)
            .where(g.c.source == source, g.c.account_id == sid, g.c.removed_at.is_(None))
            .order_by(g.c.scope_id)):
        where = names.get(gr.scope_id) or (
            "organization" if gr.scope_type == "organization" else gr.scope_id)
        chain.holds.append(Node("workspace", gr.scope_id, where, "member",
                                gr.role + (" (implicit)" if gr.inherited else "")))


def chain_for(conn: sa.Connection, config: NhiConfig, source: str, subject_id: str
              ) -> Chain | None:
    """The chain of one NHI, or None when it is not in the store."""
    resolved = {(r.nhi.source, r.nhi.subject_id): r for r in resolve_all(conn, config)}
    r = resolved.get((source, subject_id))
    if r is None:
        return None
    status = "live" if r.nhi.live else "not live"
    chain = Chain(subject=Node(str(r.nhi.kind), r.nhi.subject_id, r.nhi.name, status),
                  source=source, basis=str(r.basis), reason=r.reason,
                  provisional=r.provisional, created_at=r.nhi.created_at)
    if r.nhi.kind is NhiKind.SERVICE_ACCOUNT:
        _service_account_parts(conn, r, chain)
    if r.via is not None:
        up = resolved.get((r.via[0], r.via[2]))
        if up is not None:
            chain.via = Node(str(up.nhi.kind), up.nhi.subject_id, up.nhi.name,
                             "live" if up.nhi.live else "not live")
    chain.sponsor = _person(conn, r.sponsor)
    chain.manager = _manager_of(conn, r.sponsor)
    return chain


def answered_for(conn: sa.Connection, config: NhiConfig, email: str) -> list[Resolution]:
    """Every NHI ``email`` answers for (directly, by succession or inherited)."""
    email = email.lower()
    return [r for r in resolve_all(conn, config) if r.sponsor == email]
