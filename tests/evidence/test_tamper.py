"""T6: any single-record tampering of a 10,000-entry ledger is caught and the entry named.

The ledger is built once per module (batched inserts) with a signed checkpoint at its head, so
deleting the newest entry is caught too. The bulk of the cases mutate an in-memory copy of
exactly what the database returned (fast); a second property test does the same tampering with
SQL inside a rolled-back transaction, so the database read path is covered as well, and a
deterministic set runs on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings

from tenure.evidence import checkpoint as cpmod
from tenure.evidence import keys, ledger, merkle
from tenure.evidence.checkpoint import Checkpoint
from tenure.evidence.ledger import LedgerEntry
from tenure.evidence.verify import VerifyReport, verify_entries
from tenure.store.db import make_engine, migrate
from tests.conftest import FIXED_NOW

from .conftest import insert_entries, make_entries
from .mutations import Mutation, apply_in_memory, apply_sql, mutations

SIZE = 10_000
KEY = keys.generate()
TRUSTED = keys.trusted_set([KEY.public])


def _checkpoint(entries: list[LedgerEntry]) -> Checkpoint:
    root = merkle.root([merkle.leaf_hash(e.entry_hash) for e in entries]).hex()
    return cpmod.sign(KEY, tree_size=len(entries), head_hash=entries[-1].entry_hash,
                      merkle_root=root, ts=FIXED_NOW)


@pytest.fixture(scope="module")
def big_ledger(tmp_path_factory: pytest.TempPathFactory
               ) -> Iterator[tuple[sa.Engine, list[LedgerEntry], Checkpoint]]:
    """A 10,000-entry SQLite ledger, what it reads back as, and a checkpoint at its head."""
    path = tmp_path_factory.mktemp("ledger") / "ledger.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    insert_entries(engine, make_entries(SIZE))
    with engine.connect() as conn:
        stored = list(ledger.iter_entries(conn))
    yield engine, stored, _checkpoint(stored)
    engine.dispose()


def _assert_caught(report: VerifyReport, m: Mutation, size: int) -> None:
    assert not report.ok, f"{m} went undetected"
    named = {i.seq for i in report.issues if i.seq is not None}
    named |= {g.first for g in report.gaps}
    first = report.first_broken
    assert first is not None, report.lines()
    assert first.seq is not None, report.lines()
    candidates = {first.seq} | ({report.gaps[0].first} if report.gaps else set())
    assert candidates & m.expected(size), (m, report.lines()[:8])
    assert named, m


def test_untouched_ledger_verifies(big_ledger: tuple[sa.Engine, list[LedgerEntry],
                                                     Checkpoint]) -> None:
    _, stored, cp = big_ledger
    report = verify_entries(stored, trusted=TRUSTED, checkpoints=[("head", cp)])
    assert report.ok, report.lines()
    assert report.valid == report.total == SIZE
    assert f"{SIZE}/{SIZE} entries valid" in report.lines()


@settings(max_examples=500, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow])
@given(m=mutations(SIZE))
def test_any_single_tampering_is_caught_and_named(
    big_ledger: tuple[sa.Engine, list[LedgerEntry], Checkpoint], m: Mutation,
) -> None:
    _, stored, cp = big_ledger
    report = verify_entries(apply_in_memory(stored, m), trusted=TRUSTED,
                            checkpoints=[("head", cp)])
    _assert_caught(report, m, SIZE)


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow])
@given(m=mutations(SIZE))
def test_tampering_in_the_database_is_caught(
    big_ledger: tuple[sa.Engine, list[LedgerEntry], Checkpoint], m: Mutation,
) -> None:
    engine, stored, cp = big_ledger
    with engine.connect() as conn:
        tx = conn.begin()
        try:
            apply_sql(conn, stored, m)
            report = verify_entries(ledger.iter_entries(conn), trusted=TRUSTED,
                                    checkpoints=[("head", cp)])
        finally:
            tx.rollback()
    _assert_caught(report, m, SIZE)


PG_CASES = [
    Mutation("flip", 1, "payload", 3), Mutation("flip", 250, "entry_hash", 10),
    Mutation("flip", 499, "prev_hash", 0), Mutation("flip", 300, "ts", 0, 1),
    Mutation("flip", 77, "subject", 2), Mutation("seq", 120, other=900),
    Mutation("delete", 1), Mutation("delete", 250), Mutation("delete", 500),
    Mutation("swap", 10, other=11), Mutation("swap", 3, other=400),
    Mutation("insert", 200, other=50), Mutation("forge", 333, other=1),
]


@pytest.mark.parametrize("m", PG_CASES, ids=lambda m: f"{m.kind}-{m.seq}-{m.field}")
def test_tampering_caught_on_both_databases(database_url: str, m: Mutation) -> None:
    engine = make_engine(database_url)
    entries = make_entries(500)
    insert_entries(engine, entries)
    cp = _checkpoint(entries)
    try:
        with engine.connect() as conn:
            tx = conn.begin()
            apply_sql(conn, entries, m)
            report = verify_entries(ledger.iter_entries(conn, batch_size=97), trusted=TRUSTED,
                                    checkpoints=[("head", cp)])
            tx.rollback()
    finally:
        engine.dispose()
    _assert_caught(report, m, 500)


def test_report_is_cloudtrail_style(tmp_path: Path) -> None:
    entries = make_entries(50)
    cp = _checkpoint(entries)
    tampered = apply_in_memory(entries, Mutation("delete", 20))
    lines = verify_entries(tampered, trusted=TRUSTED, checkpoints=[("head", cp)]).lines()
    text = "\n".join(lines)
    assert lines[0].startswith("Validating ledger entries 1..50 (")
    assert "48/49 entries valid" in text
    assert "GAP: entry 20 missing (seq jumps from 19 to 21)" in text
    assert "First broken entry: seq 21 (deleted)" in text
    assert "checkpoint head: 50 entries" in text
    assert "INVALID" in text
    assert lines[-1] == "Result: FAILED"
