"""`verify --raw-pages`: stored vendor pages still hash to what their ledger entries recorded."""

from __future__ import annotations

import hashlib
import zlib
from datetime import UTC, datetime

import sqlalchemy as sa

from tenure.services import evidence as svc
from tenure.services.context import App
from tenure.store import schema

from .seed import seed

PAGES = schema.raw_pages


def test_untouched_pages_verify(eapp: App) -> None:
    seed(eapp)
    report = svc.verify_ledger(eapp, raw_pages=True)
    assert report.ok, report.lines()
    assert "4/4 raw vendor pages match their ledger hash" in report.lines()
    assert svc.verify_ledger(eapp).raw_pages is None


def test_changed_deleted_and_inserted_pages_are_named(eapp: App) -> None:
    seed(eapp)
    with eapp.engine.begin() as conn:
        first, second = conn.execute(sa.select(PAGES.c.id).order_by(PAGES.c.id).limit(2)
                                     ).scalars().all()
        conn.execute(PAGES.update().where(PAGES.c.id == first).values(
            body=zlib.compress(b'{"data": [{"id": "user_forged"}]}')))
        conn.execute(PAGES.delete().where(PAGES.c.id == second))
        for locator, digest in (("/forged", "ab" * 32),
                                ("/planted", hashlib.sha256(b"x").hexdigest())):
            conn.execute(PAGES.insert().values(
                sync_run_id="run-3", source="anthropic", stream="users", locator=locator,
                sha256=digest, fetched_at=datetime(2026, 10, 30, tzinfo=UTC),
                body=zlib.compress(b"x")))
    report = svc.verify_ledger(eapp, raw_pages=True)
    assert not report.ok
    text = "\n".join(report.lines())
    assert "2/5 raw vendor pages match their ledger hash" in text
    assert f"raw page {first} (run run-0, /v1/organizations/users?page=0): body hashes to" in text
    assert "(run run-3, /forged): body hashes to" in text
    assert "(run run-3, /planted): no sync.batch ledger entry records this page" in text
    assert "run run-1, which is no longer stored (deleted)" in text
    assert "Result: FAILED" in text
