"""Single-record tampering of a ledger, applied in memory or with SQL, and the entries a
verifier must name for each."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from hypothesis import strategies as st

from tenure.evidence.ledger import LedgerEntry, entry_hash, sha256_hex
from tenure.store import schema

TEXT_FIELDS = ("actor", "kind", "subject", "payload", "payload_hash", "prev_hash", "entry_hash")


@dataclass(frozen=True)
class Mutation:
    """One tampering: flip a field, delete, swap two entries or insert one."""

    kind: str  # flip | seq | delete | swap | insert | forge
    seq: int
    field: str = ""
    pos: int = 0
    other: int = 0  # swap partner, new seq, or ts delta in microseconds

    def expected(self, size: int) -> set[int]:
        """Seqs a correct verifier may name as the first broken entry."""
        if self.kind == "flip":
            return {self.seq}
        if self.kind == "seq":
            return {self.seq, self.seq + 1, self.other}
        if self.kind == "delete":
            return {self.seq, self.seq + 1}
        if self.kind == "swap":
            return {min(self.seq, self.other)}
        return {self.seq, self.seq + 1}  # insert / forge


def _flip_text(value: str, pos: int) -> str:
    if not value:
        return "x"
    i = pos % len(value)
    ch = value[i]
    flipped = chr(ord(ch) ^ 0x01)
    if flipped == ch or not flipped.isprintable():
        flipped = "y" if ch != "y" else "z"
    return value[:i] + flipped + value[i + 1:]


def flipped_value(entry: LedgerEntry, field: str, pos: int, delta: int) -> object:
    """The tampered value of one field (never equal to the original)."""
    if field == "ts":
        return entry.ts + timedelta(microseconds=delta or 1)
    if field == "subject":
        return _flip_text(entry.subject or "", pos)
    return _flip_text(str(getattr(entry, field)), pos)


def mutations(size: int) -> st.SearchStrategy[Mutation]:
    """Every kind of single-record tampering, anywhere in a ledger of ``size`` entries."""
    seqs = st.integers(1, size)
    flips = st.builds(Mutation, kind=st.just("flip"), seq=seqs,
                      field=st.sampled_from((*TEXT_FIELDS, "ts")), pos=st.integers(0, 500),
                      other=st.integers(-10**9, 10**9).filter(bool))
    seq_changes = st.builds(Mutation, kind=st.just("seq"), seq=seqs,
                            other=st.one_of(st.integers(-5, 0),
                                            st.integers(size + 1, size + 50)))
    deletes = st.builds(Mutation, kind=st.just("delete"), seq=seqs)
    swaps = st.tuples(seqs, seqs).filter(lambda p: p[0] != p[1]).map(
        lambda p: Mutation("swap", p[0], other=p[1]))
    adjacent = st.integers(1, size - 1).map(lambda s: Mutation("swap", s, other=s + 1))
    inserts = st.builds(Mutation, kind=st.sampled_from(("insert", "forge")), seq=seqs,
                        other=seqs)
    return st.one_of(flips, seq_changes, deletes, swaps, adjacent, inserts)


def _forged(entries: list[LedgerEntry], m: Mutation) -> LedgerEntry:
    template = entries[m.other - 1]
    if m.kind == "insert":  # a copy of another entry, moved here
        return dataclasses.replace(template, seq=m.seq)
    prev = entries[m.seq - 2].entry_hash if m.seq > 1 else "0" * 64
    payload = '{"forged":true}'
    p_hash = sha256_hex(payload)
    ts = entries[m.seq - 1].ts
    e_hash = entry_hash(seq=m.seq, ts=ts, actor="mallory", kind="review.decision",
                        subject=None, payload_hash=p_hash, prev_hash=prev)
    return LedgerEntry(m.seq, ts, "mallory", "review.decision", None, payload, p_hash, prev,
                       e_hash)


def apply_in_memory(entries: list[LedgerEntry], m: Mutation) -> list[LedgerEntry]:
    """The ledger as the database would return it (ordered by seq) after ``m``."""
    out = list(entries)
    i = m.seq - 1
    if m.kind == "flip":
        value = flipped_value(out[i], m.field, m.pos, m.other)
        fields: dict[str, Any] = {m.field: value}
        out[i] = dataclasses.replace(out[i], **fields)
    elif m.kind == "seq":
        out[i] = dataclasses.replace(out[i], seq=m.other)
        out.sort(key=lambda e: e.seq)
    elif m.kind == "delete":
        del out[i]
    elif m.kind == "swap":
        j = m.other - 1
        a, b = out[i], out[j]
        out[i] = dataclasses.replace(b, seq=a.seq)
        out[j] = dataclasses.replace(a, seq=b.seq)
    else:
        new = _forged(entries, m)
        out = out[:i] + [new] + [_with_seq(e, e.seq + 1) for e in out[i:]]
    return out


def _with_seq(e: LedgerEntry, seq: int) -> LedgerEntry:
    return LedgerEntry(seq, e.ts, e.actor, e.kind, e.subject, e.payload, e.payload_hash,
                       e.prev_hash, e.entry_hash)


def _row(e: LedgerEntry) -> dict[str, object]:
    return {"seq": e.seq, "ts": e.ts, "actor": e.actor, "kind": e.kind, "subject": e.subject,
            "payload": e.payload, "payload_hash": e.payload_hash, "prev_hash": e.prev_hash,
            "entry_hash": e.entry_hash}


def apply_sql(conn: sa.Connection, entries: list[LedgerEntry], m: Mutation) -> None:
    """The same tampering done directly in the database."""
    t = schema.ledger_entries
    original = entries[m.seq - 1]
    if m.kind == "flip":
        value = flipped_value(original, m.field, m.pos, m.other)
        conn.execute(t.update().where(t.c.seq == m.seq).values({m.field: value}))
    elif m.kind == "seq":
        conn.execute(t.update().where(t.c.seq == m.seq).values(seq=m.other))
    elif m.kind == "delete":
        conn.execute(t.delete().where(t.c.seq == m.seq))
    elif m.kind == "swap":
        other = entries[m.other - 1]
        for target, source in ((original, other), (other, original)):
            values = _row(source)
            values.pop("seq")
            conn.execute(t.update().where(t.c.seq == target.seq).values(values))
    else:
        new = _forged(entries, m)
        # two steps through negative seqs: a primary key cannot be shifted in place
        conn.execute(t.update().where(t.c.seq >= m.seq).values(seq=-t.c.seq))
        conn.execute(t.update().where(t.c.seq < 0).values(seq=-t.c.seq + 1))
        conn.execute(t.insert().values(_row(new)))
