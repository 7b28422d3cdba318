"""A contiguous range of ledger entries exported in a package, read lazily from the store."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import sqlalchemy as sa

from tenure.evidence import ledger
from tenure.evidence.ledger import LedgerEntry
from tenure.evidence.package import StreamSection
from tenure.evidence.tabular import Cell
from tenure.store import schema

ENTRY_COLUMNS = ("seq", "ts", "actor", "kind", "subject", "payload", "payload_hash",
                 "prev_hash", "entry_hash")


def entry_row(e: LedgerEntry) -> tuple[Cell, ...]:
    """An entry as a table row (``ts`` exactly as hashed)."""
    return (e.seq, e.ts.isoformat(timespec="microseconds"), e.actor, e.kind, e.subject,
            e.payload, e.payload_hash, e.prev_hash, e.entry_hash)


@dataclass(frozen=True, slots=True)
class LedgerSlice:
    """Entries ``first..last`` (inclusive seqs); empty when ``first`` is None."""

    conn: sa.Connection
    first: LedgerEntry | None
    last: LedgerEntry | None

    @classmethod
    def between(cls, conn: sa.Connection, bounds: tuple[int, int] | None) -> LedgerSlice:
        """The slice for a seq range, fetching only its two ends now."""
        if bounds is None:
            return cls(conn, None, None)
        lo, hi = bounds
        (first,) = ledger.iter_entries(conn, after_seq=lo - 1, through_seq=lo)
        (last,) = ledger.iter_entries(conn, after_seq=hi - 1, through_seq=hi)
        return cls(conn, first, last)

    @property
    def count(self) -> int:
        """Entries in the slice."""
        return 0 if self.first is None or self.last is None else (
            self.last.seq - self.first.seq + 1)

    def entries(self) -> Iterator[LedgerEntry]:
        """Every entry, streamed in keyset-paginated batches."""
        if self.first is None or self.last is None:
            return iter(())
        return ledger.iter_entries(self.conn, after_seq=self.first.seq - 1,
                                   through_seq=self.last.seq)

    def where(self, *conditions: sa.ColumnElement[bool]) -> list[LedgerEntry]:
        """The slice's entries matching ``conditions`` (for small, filtered listings)."""
        if self.first is None or self.last is None:
            return []
        t = schema.ledger_entries
        rows = self.conn.execute(sa.select(t).where(
            t.c.seq >= self.first.seq, t.c.seq <= self.last.seq, *conditions).order_by(t.c.seq))
        return [LedgerEntry(int(r.seq), r.ts, r.actor, r.kind, r.subject, r.payload,
                            r.payload_hash, r.prev_hash, r.entry_hash) for r in rows]

    def kinds(self) -> list[tuple[str, int]]:
        """Entries per kind, most frequent first."""
        if self.first is None or self.last is None:
            return []
        t = schema.ledger_entries
        rows = self.conn.execute(
            sa.select(t.c.kind, sa.func.count()).where(
                t.c.seq >= self.first.seq, t.c.seq <= self.last.seq).group_by(t.c.kind))
        return sorted(((str(k), int(n)) for k, n in rows), key=lambda kv: (-kv[1], kv[0]))

    def section(self, description: str, query: str) -> StreamSection:
        """The slice as the package's ``ledger/entries`` files, streamed."""
        return StreamSection(
            "ledger/entries", "Ledger entries", description, ENTRY_COLUMNS,
            lambda: (entry_row(e) for e in self.entries()), query=query, report_rows=15,
            report_columns=("seq", "ts", "actor", "kind", "subject", "entry_hash"))
