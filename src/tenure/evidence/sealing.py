"""Sealing the ledger as it is written: entry signatures and the signed head record.

Two things a hash chain alone cannot show, because anyone with SQL access can compute it:

- **An entry that did not come through the ledger API.** Each append is signed with the
  instance's Ed25519 key: its newest entry carries a signature over the append's *range*
  (first and last seq) and the newest hash, which through the chain covers exactly the entries
  that append wrote. An entry inserted straight into SQL, even with a correct chain hash, is in
  no signed range — also when a legitimate append later chains onto it (that append's range
  starts after it). One signature per append keeps bulk appends cheap.
- **The newest entries deleted.** Deleting from the end leaves a valid chain. So when an
  append commits, the ledger writes a signed *head record* — the newest seq and entry hash —
  to a file outside the database (``[evidence] head_file``, default ``ledger-head.json`` next
  to the signing key; owner-only). ``verify`` requires the ledger to still contain that entry.

Signed append message (UTF-8, one field per line, ending with a newline), stored on the
append's newest entry as ``FIRST:KEYID:BASE64``::

    tenure-ledger-append-v1
    <first seq of the append>
    <seq of its newest entry>
    <entry_hash of its newest entry>

The head record signs ``tenure-ledger-head-v1\\n<seq>\\n<entry_hash>\\n<ts>\\n``.
The head record is written in the commit hook, while the append lock is still held, right
before the database commits; a process killed in that instant leaves a head record one
commit ahead, which ``verify`` reports (a false alarm that says so, never a silent pass).
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from tenure.evidence.keys import PublicKey, SigningKey

LEDGER_SEAL = "tenure_ledger_seal"
"""Execution option: the :class:`LedgerSeal` that signs entries appended on a connection."""
_PENDING = "tenure_ledger_pending_head"
HEAD_FORMAT = "tenure-ledger-head-v1"


def append_message(first: int, seq: int, entry_hash: str) -> bytes:
    """The bytes an append's signature covers (entries ``first``..``seq``)."""
    return f"tenure-ledger-append-v1\n{first}\n{seq}\n{entry_hash}\n".encode()


def parse_signature(text: str) -> tuple[int, str] | None:
    """(first seq, ``KEYID:BASE64``) of a stored append signature; None when malformed."""
    first, _, rest = text.partition(":")
    if not first.isdigit() or not rest:
        return None
    return int(first), rest


def head_message(seq: int, entry_hash: str, ts: datetime) -> bytes:
    """The bytes a head record's signature covers."""
    stamp = ts.astimezone(UTC).isoformat(timespec="microseconds")
    return f"{HEAD_FORMAT}\n{seq}\n{entry_hash}\n{stamp}\n".encode()


def signature_text(key: SigningKey, message: bytes) -> str:
    """``KEYID:BASE64`` of ``key``'s signature of ``message``."""
    return f"{key.public.key_id}:{base64.b64encode(key.sign(message)).decode('ascii')}"


def signature_problem(text: str | None, message: bytes,
                      trusted: dict[str, PublicKey]) -> str | None:
    """Why ``text`` is not a trusted signature of ``message``, or None when it is."""
    if not text:
        return "no signature"
    key_id, _, b64 = text.partition(":")
    key = trusted.get(key_id)
    if key is None:
        return f"signed by unknown key {key_id}"
    try:
        raw = base64.b64decode(b64, validate=True)
    except ValueError:
        return "signature is not base64"
    return None if key.verify(raw, message) else "bad signature"


@dataclass(frozen=True, slots=True)
class HeadRecord:
    """The newest entry the ledger wrote on this host, signed."""

    seq: int
    entry_hash: str
    ts: datetime
    signature: str

    def to_json(self) -> dict[str, Any]:
        """The file form."""
        return {"format": HEAD_FORMAT, "seq": self.seq, "entry_hash": self.entry_hash,
                "ts": self.ts.astimezone(UTC).isoformat(timespec="microseconds"),
                "signature": self.signature}


def read_head(path: Path) -> HeadRecord | None:
    """The head record at ``path`` (None when there is none yet); ValueError when unreadable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path}: unreadable ledger head record: {exc}") from None
    if not isinstance(data, dict) or data.get("format") != HEAD_FORMAT:
        raise ValueError(f"{path}: not a {HEAD_FORMAT} record")
    try:
        return HeadRecord(int(data["seq"]), str(data["entry_hash"]),
                          datetime.fromisoformat(str(data["ts"])).astimezone(UTC),
                          str(data["signature"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"{path}: malformed ledger head record: {exc}") from None


class LedgerSeal:
    """Signs appended entries and keeps the head record (one per engine, built by the App).

    The key is loaded on first use: a command that never appends never reads it, and an
    append whose key cannot be read fails (its transaction rolls back) rather than writing an
    unsigned entry.
    """

    def __init__(self, load_key: Callable[[], SigningKey], head_file: Path | None) -> None:
        self._load_key = load_key
        self._key: SigningKey | None = None
        self.head_file = head_file

    @property
    def key(self) -> SigningKey:
        """The signing key (loaded once)."""
        if self._key is None:
            self._key = self._load_key()
        return self._key

    def sign_append(self, first: int, seq: int, entry_hash: str) -> str:
        """The stored signature of an append of entries ``first``..``seq``."""
        return f"{first}:" + signature_text(self.key, append_message(first, seq, entry_hash))

    def pending_head(self, conn: sa.Connection, seq: int, entry_hash: str,
                     ts: datetime) -> None:
        """Note the newest entry of an append: its head record is written at commit."""
        if self.head_file is not None:
            conn.info[_PENDING] = (self, seq, entry_hash, ts)

    def write_head(self, seq: int, entry_hash: str, ts: datetime) -> None:
        """Replace the head record atomically (owner-only)."""
        assert self.head_file is not None
        record = HeadRecord(seq, entry_hash, ts,
                            signature_text(self.key, head_message(seq, entry_hash, ts)))
        self.head_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.head_file.with_name(self.head_file.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(record.to_json(), handle, indent=2)
            handle.write("\n")
        # no fsync: this runs on every committing append, and a head record lost in a crash
        # only lags behind the ledger (which verify accepts), it never runs ahead of it
        os.replace(tmp, self.head_file)


def _on_commit(conn: sa.Connection) -> None:
    pending = conn.info.pop(_PENDING, None)
    if pending is not None:
        seal, seq, entry_hash, ts = pending
        seal.write_head(seq, entry_hash, ts)


def _on_rollback(conn: sa.Connection) -> None:
    conn.info.pop(_PENDING, None)


def install(engine: sa.Engine, seal: LedgerSeal) -> None:
    """Make every ledger append on ``engine`` signed, and its head recorded at commit."""
    engine.update_execution_options(**{LEDGER_SEAL: seal})
    sa.event.listen(engine, "commit", _on_commit)
    sa.event.listen(engine, "rollback", _on_rollback)


def seal_of(conn: sa.Connection) -> LedgerSeal | None:
    """The seal configured for ``conn``'s engine, if any."""
    seal = conn.get_execution_options().get(LEDGER_SEAL)
    return seal if isinstance(seal, LedgerSeal) else None
