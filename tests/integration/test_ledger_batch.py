"""A batched ledger append builds exactly the chain single appends would, and verifies."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from tenure.evidence import ledger
from tenure.services.context import App
from tenure.services.evidence import verify_ledger
from tenure.store import schema

from ..conftest import FIXED_NOW


def test_append_many_equals_sequential_appends(app: App) -> None:
    items = [ledger.Pending("finding.opened", {"n": i}, f"f{i}") for i in range(5)]
    with app.engine.begin() as conn:
        ledger.append(conn, kind="sync_run.complete", actor="t", now=FIXED_NOW,
                      payload={"run": 1})
        batch = ledger.append_many(conn, items, actor="t", now=FIXED_NOW)
        ledger.append(conn, kind="campaign.created", actor="t",
                      now=FIXED_NOW + timedelta(seconds=1), payload={"x": 1})
        assert ledger.append_many(conn, [], actor="t", now=FIXED_NOW) == []
    assert [e.seq for e in batch] == [2, 3, 4, 5, 6]
    expected_prev = None
    for entry in batch:
        recomputed = ledger.entry_hash(
            seq=entry.seq, ts=entry.ts, actor=entry.actor, kind=entry.kind,
            subject=entry.subject, payload_hash=entry.payload_hash, prev_hash=entry.prev_hash)
        assert recomputed == entry.entry_hash
        assert expected_prev is None or entry.prev_hash == expected_prev
        expected_prev = entry.entry_hash
    with app.engine.connect() as conn:
        stored = conn.execute(sa.select(schema.ledger_entries.c.seq)).scalars().all()
    assert sorted(stored) == [1, 2, 3, 4, 5, 6, 7]
    report = verify_ledger(app)
    assert report.ok
    assert (report.valid, report.total) == (7, 7)
