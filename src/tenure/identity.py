"""Identity resolution: link platform accounts to people.

Order: an explicit manual link wins (a human decided it), then the account's email matched
case-insensitively against a current person. Service accounts are non-human identities: they
are never matched by email (their accountable owner is a separate fact). Unmatched is a state
(``person_email`` NULL), not an error. Set-at-a-time: a fixed number of statements per call.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from tenure.errors import NotFound, TenureError
from tenure.evidence import ledger
from tenure.store import schema

A, P, L = schema.accounts, schema.people, schema.identity_links


def resolve_identities(conn: sa.Connection) -> None:
    """Recompute ``accounts.person_email`` and ``match_method`` for every account."""
    conn.execute(A.update().values(person_email=None, match_method=None))
    for kind, value in (("account", A.c.external_id), ("email", A.c.email)):
        link = sa.select(L.c.person_email).where(
            L.c.match_kind == kind, L.c.match_value == value
        ).scalar_subquery()
        conn.execute(
            A.update().where(sa.exists().where(L.c.match_kind == kind, L.c.match_value == value),
                             A.c.match_method.is_(None))
            .values(person_email=link, match_method="manual")
        )
    present_person = sa.exists().where(P.c.email == A.c.email, P.c.removed_at.is_(None))
    conn.execute(
        A.update().where(A.c.match_method.is_(None), A.c.kind == "user", A.c.email.is_not(None),
                         present_person)
        .values(person_email=A.c.email, match_method="email")
    )


def link_identity(
    conn: sa.Connection, *, account_or_email: str, person_email: str, actor: str, reason: str,
    now: datetime,
) -> dict[str, str]:
    """Record a manual link (account id or account email → person) and re-resolve."""
    person_email = person_email.strip().lower()
    target = account_or_email.strip()
    person = conn.execute(
        sa.select(P.c.email).where(P.c.email == person_email, P.c.removed_at.is_(None))
    ).first()
    if person is None:
        raise NotFound(f"no current person with email {person_email!r} in the identity source")
    if "@" in target:
        kind, value = "email", target.lower()
    else:
        kind, value = "account", target
        exists = conn.execute(sa.select(A.c.id).where(A.c.external_id == value)).first()
        if exists is None:
            raise NotFound(f"no account with id {value!r}; sync the platform first")
    if kind == "email" and conn.execute(
        sa.select(A.c.id).where(A.c.email == value)
    ).first() is None:
        raise TenureError(f"no account has the email {value!r}; sync the platform first")
    stmt = L.delete().where(L.c.match_kind == kind, L.c.match_value == value)
    conn.execute(stmt)
    conn.execute(L.insert().values(match_kind=kind, match_value=value, person_email=person_email,
                                   created_by=actor, created_at=now, reason=reason))
    ledger.append(conn, kind="identity.linked", actor=actor, now=now, subject=value,
                  payload={"match_kind": kind, "match_value": value,
                           "person_email": person_email, "reason": reason})
    resolve_identities(conn)
    return {"match_kind": kind, "match_value": value, "person_email": person_email}
