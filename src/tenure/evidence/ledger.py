"""Append entries to the hash-chained ledger, in the caller's transaction.

Entry hash (the chain's contract; the verifier recomputes exactly this):

    payload_hash = sha256(canonical_json(payload))
    entry_hash   = sha256("tenure-ledger-v1|{seq}|{ts}|{actor}|{kind}|{subject}|"
                          "{payload_hash}|{prev_hash}")

``ts`` is ISO 8601 UTC with microseconds and a ``+00:00`` offset; ``subject`` is "" when absent;
the first entry's ``prev_hash`` is 64 zeros. Writing the entry in the same transaction as the
change it records means there is no change without its entry and no entry without its change.

``ts`` is the wall clock at the moment of appending, read under the append lock, and never
earlier than the newest entry's: a caller's evaluation time (``--as-of``) cannot date an entry.
Only a connection explicitly given a ``LEDGER_CLOCK`` execution option (test fixtures that
build a historical ledger) is stamped by another clock.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from tenure.evidence.sealing import seal_of
from tenure.redact import redact_known_value
from tenure.store import schema

GENESIS_HASH = "0" * 64
_ADVISORY_LOCK_ID = 0x7E4E_5E01  # serialises appenders on PostgreSQL
LEDGER_CLOCK = "tenure_ledger_clock"
"""Execution option: a ``Callable[[], datetime]`` stamping entries instead of the wall clock
(fixtures that seed a historical ledger; the product never sets it)."""


def wall_clock(conn: sa.Connection) -> datetime:
    """The time an entry appended on ``conn`` is stamped with (the real UTC time)."""
    clock: Callable[[], datetime] | None = conn.get_execution_options().get(LEDGER_CLOCK)
    return (clock() if clock is not None else datetime.now(UTC)).astimezone(UTC)


def canonical_json(payload: Any) -> str:
    """Deterministic JSON: sorted keys, no spaces, UTF-8, ISO timestamps."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=_json_default)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def sha256_hex(text: str | bytes) -> str:
    """SHA-256 of text (UTF-8) or bytes, as hex."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    return hashlib.sha256(data).hexdigest()


def entry_hash(
    *, seq: int, ts: datetime, actor: str, kind: str, subject: str | None, payload_hash: str,
    prev_hash: str,
) -> str:
    """The hash that chains an entry to its predecessor."""
    stamp = ts.astimezone(UTC).isoformat(timespec="microseconds")
    return sha256_hex(
        f"tenure-ledger-v1|{seq}|{stamp}|{actor}|{kind}|{subject or ''}|{payload_hash}|{prev_hash}"
    )


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One entry of the ledger."""

    seq: int
    ts: datetime
    actor: str
    kind: str
    subject: str | None
    payload: str
    payload_hash: str
    prev_hash: str
    entry_hash: str
    signature: str | None = None  # see tenure.evidence.sealing


@dataclass(frozen=True, slots=True)
class Pending:
    """An entry to append (see :func:`append_many`)."""

    kind: str
    payload: Mapping[str, Any]
    subject: str | None = None


def append(
    conn: sa.Connection, *, kind: str, actor: str, payload: Mapping[str, Any],
    now: datetime | None = None, subject: str | None = None,
) -> LedgerEntry:
    """Append one entry in the caller's transaction and return it (``now``: see
    :func:`append_many`)."""
    return append_many(conn, [Pending(kind, payload, subject)], actor=actor)[0]


def append_many(
    conn: sa.Connection, pending: Sequence[Pending], *, actor: str,
    now: datetime | None = None,
) -> list[LedgerEntry]:
    """Append entries in order, in the caller's transaction: one head read and one bulk
    insert however many there are (the chain is the same as appending them one by one).

    ``now`` is not used to date the entries: they carry the wall clock read under the append
    lock (see the module docstring). The parameter stays so that callers passing their
    evaluation time keep working; what they evaluated "as of" belongs in the payload.
    """
    del now  # deliberately ignored: the recorded time is never the caller's to choose
    if not pending:
        return []
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:id)"), {"id": _ADVISORY_LOCK_ID})
    table = schema.ledger_entries
    head = conn.execute(
        sa.select(table.c.seq, table.c.entry_hash, table.c.ts)
        .order_by(table.c.seq.desc()).limit(1)
    ).first()
    seq, prev = (head[0], head[1]) if head else (0, GENESIS_HASH)
    ts = wall_clock(conn)
    if head is not None and head[2] is not None and head[2].astimezone(UTC) > ts:
        ts = head[2].astimezone(UTC)  # the system clock stepped back: never date before
    entries = []
    for item in pending:
        seq += 1
        # A configured secret never enters the ledger, whatever carried it there.
        text = canonical_json(redact_known_value(dict(item.payload)))
        p_hash = sha256_hex(text)
        e_hash = entry_hash(seq=seq, ts=ts, actor=actor, kind=item.kind, subject=item.subject,
                            payload_hash=p_hash, prev_hash=prev)
        entries.append(LedgerEntry(seq, ts, actor, item.kind, item.subject, text, p_hash, prev,
                                   e_hash))
        prev = e_hash
    seal = seal_of(conn)
    if seal is not None:
        # one signature over this append's range, on its newest entry (sealing.py)
        last = entries[-1]
        entries[-1] = replace(last, signature=seal.sign_append(entries[0].seq, last.seq,
                                                               last.entry_hash))
        seal.pending_head(conn, last.seq, last.entry_hash, last.ts)
    conn.execute(table.insert(), [
        {"seq": e.seq, "ts": e.ts, "actor": e.actor, "kind": e.kind, "subject": e.subject,
         "payload": e.payload, "payload_hash": e.payload_hash, "prev_hash": e.prev_hash,
         "entry_hash": e.entry_hash, "signature": e.signature} for e in entries])
    return entries


def iter_entries(
    conn: sa.Connection, *, batch_size: int = 5000, after_seq: int = 0,
    through_seq: int | None = None,
) -> Iterator[LedgerEntry]:
    """Every entry in ``seq`` order, read in keyset-paginated batches (bounded memory)."""
    table = schema.ledger_entries
    last = after_seq
    while True:
        query = sa.select(table).where(table.c.seq > last)
        if through_seq is not None:
            query = query.where(table.c.seq <= through_seq)
        rows = conn.execute(query.order_by(table.c.seq).limit(batch_size)).all()
        for row in rows:
            yield LedgerEntry(int(row.seq), row.ts, row.actor, row.kind, row.subject,
                              row.payload, row.payload_hash, row.prev_hash, row.entry_hash,
                              row.signature)
        if len(rows) < batch_size:
            return
        last = int(rows[-1].seq)


def head(conn: sa.Connection) -> tuple[int, str]:
    """(number of entries, entry_hash of the newest) — (0, GENESIS_HASH) when empty."""
    table = schema.ledger_entries
    row = conn.execute(
        sa.select(table.c.seq, table.c.entry_hash).order_by(table.c.seq.desc()).limit(1)
    ).first()
    count = conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
    return (int(count), row[1]) if row else (0, GENESIS_HASH)
