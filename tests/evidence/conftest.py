"""Evidence test helpers: fast ledgers built with batched inserts, signing keys, an App."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from tenure.config import DatabaseConfig, EvidenceConfig, Settings
from tenure.evidence import keys
from tenure.evidence.ledger import GENESIS_HASH, LedgerEntry, canonical_json, entry_hash, sha256_hex
from tenure.services.context import App
from tenure.store import schema
from tests.conftest import FIXED_NOW, make_app

KINDS = ("sync.batch", "sync_run.complete", "finding.opened", "finding.resolved",
         "review.decision", "action.outcome")
LEDGER_START = datetime(2026, 7, 1, tzinfo=UTC)


def make_entries(count: int, *, start_seq: int = 1, prev: str = GENESIS_HASH,
                 start: datetime = LEDGER_START) -> list[LedgerEntry]:
    """A valid chain of ``count`` entries, hashed exactly as ``ledger.append`` does."""
    out: list[LedgerEntry] = []
    for i in range(count):
        seq = start_seq + i
        ts = start + timedelta(minutes=17 * i, microseconds=seq)
        kind = KINDS[seq % len(KINDS)]
        subject = None if seq % 5 == 0 else f"subject-{seq % 97}"
        payload = canonical_json({"n": seq, "note": "=SUM(A1)" if seq % 11 == 0 else "ok",
                                  "email": f"user{seq % 41}@example.com"})
        p_hash = sha256_hex(payload)
        e_hash = entry_hash(seq=seq, ts=ts, actor=f"actor-{seq % 3}", kind=kind,
                            subject=subject, payload_hash=p_hash, prev_hash=prev)
        out.append(LedgerEntry(seq, ts, f"actor-{seq % 3}", kind, subject, payload, p_hash,
                               prev, e_hash))
        prev = e_hash
    return out


def insert_entries(engine: sa.Engine, entries: list[LedgerEntry], batch: int = 2000) -> None:
    """Bulk insert (executemany), far faster than one ``append`` per entry."""
    with engine.begin() as conn:
        for i in range(0, len(entries), batch):
            conn.execute(schema.ledger_entries.insert(), [
                {"seq": e.seq, "ts": e.ts, "actor": e.actor, "kind": e.kind,
                 "subject": e.subject, "payload": e.payload, "payload_hash": e.payload_hash,
                 "prev_hash": e.prev_hash, "entry_hash": e.entry_hash}
                for e in entries[i:i + batch]])


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    """A fresh signing key file."""
    path = tmp_path / "keys" / "signing.pem"
    keys.write_private_key(keys.generate(), path)
    return path


def evidence_app(database_url: str, key_file: Path | None,
                 now: datetime = FIXED_NOW) -> App:
    """An App on ``database_url`` whose evidence section names ``key_file``."""
    settings = Settings(database=DatabaseConfig(url=database_url),
                        evidence=EvidenceConfig(signing_key_file=key_file))
    return make_app(database_url, settings, now)


@pytest.fixture
def eapp(database_url: str, key_file: Path) -> Iterator[App]:
    """An App with a signing key, on SQLite and PostgreSQL."""
    application = evidence_app(database_url, key_file)
    yield application
    application.close()
