"""Writing sponsorship: the current row in ``sponsors`` plus an append-only history entry
and a ledger entry, in the caller's transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from tenure.evidence import ledger
from tenure.model import NhiKind, SponsorBasis
from tenure.store import schema

SP, SH = schema.sponsors, schema.sponsor_history


def current(conn: sa.Connection, source: str, kind: NhiKind, subject_id: str
            ) -> dict[str, Any] | None:
    """The recorded (explicit or succession) sponsor row of one NHI, if any."""
    row = conn.execute(sa.select(SP).where(
        SP.c.source == source, SP.c.subject_type == str(kind), SP.c.subject_id == subject_id)
    ).mappings().first()
    return dict(row) if row else None


def record(conn: sa.Connection, *, source: str, kind: NhiKind, subject_id: str, owner: str,
           basis: SponsorBasis, reason: str, provisional: bool, previous_owner: str | None,
           event: str, set_by: str, actor: str, now: datetime, ledger_kind: str,
           extra: dict[str, Any] | None = None) -> None:
    """Make ``owner`` the recorded sponsor of the NHI (insert or replace), append the change
    to ``sponsor_history`` and to the ledger."""
    values = {"owner_email": owner, "basis": basis, "reason": reason,
              "provisional": provisional, "previous_owner": previous_owner, "set_by": set_by,
              "set_at": now}
    existing = current(conn, source, kind, subject_id)
    if existing is None:
        conn.execute(SP.insert().values(source=source, subject_type=kind,
                                        subject_id=subject_id, **values))
    else:
        conn.execute(SP.update().where(SP.c.id == existing["id"]).values(**values))
    conn.execute(SH.insert().values(
        source=source, subject_type=str(kind), subject_id=subject_id, event=event,
        owner_email=owner, basis=str(basis), reason=reason, provisional=provisional,
        previous_owner=previous_owner, actor=actor, at=now))
    ledger.append(conn, kind=ledger_kind, actor=actor, subject=f"{source}/{subject_id}",
                  payload={"source": source, "subject_type": str(kind),
                           "subject_id": subject_id, "owner": owner, "basis": str(basis),
                           "reason": reason, "provisional": provisional,
                           "previous_owner": previous_owner, "set_by": set_by,
                           **(extra or {})})


def history(conn: sa.Connection, source: str, subject_id: str) -> list[dict[str, Any]]:
    """Every sponsorship change of one NHI, oldest first."""
    return [dict(r) for r in conn.execute(
        sa.select(SH).where(SH.c.source == source, SH.c.subject_id == subject_id)
        .order_by(SH.c.id)).mappings()]
