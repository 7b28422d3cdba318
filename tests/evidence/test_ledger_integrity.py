"""What the chain alone did not catch (issue 19, "history can be rewritten quietly"): an entry
appended straight into SQL, the newest entry deleted after the last checkpoint, an entry dated
before its predecessor, the unsigned tail, and a raw page copied under another locator."""

from __future__ import annotations

import hashlib
import json
import os
import stat
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from typer.testing import CliRunner

from tenure.cli import app as cli_app
from tenure.evidence import ledger
from tenure.evidence.ledger import canonical_json, entry_hash, sha256_hex
from tenure.evidence.verify import Problem, verify_entries
from tenure.services import evidence as svc
from tenure.services.context import App
from tenure.store import schema

from .conftest import make_entries
from .seed import seed

LE = schema.ledger_entries


def append(app: App, n: int, kind: str = "test.entry") -> None:
    """``n`` entries through the ledger API, one transaction each."""
    for i in range(n):
        with app.engine.begin() as conn:
            ledger.append(conn, kind=kind, actor="test", payload={"i": i})


def sql_append(app: App, *, signature: str | None = None) -> int:
    """An entry written straight into the table, its chain hash computed correctly."""
    with app.engine.begin() as conn:
        head = conn.execute(sa.select(LE).order_by(LE.c.seq.desc()).limit(1)).mappings().one()
        seq, ts = int(head["seq"]) + 1, head["ts"] + timedelta(seconds=1)
        payload = canonical_json({"decision": "keep", "by": "insider@example.com"})
        p_hash = sha256_hex(payload)
        e_hash = entry_hash(seq=seq, ts=ts, actor="web:carol@example.com",
                            kind="review.decided", subject="itm_x", payload_hash=p_hash,
                            prev_hash=head["entry_hash"])
        conn.execute(LE.insert().values(seq=seq, ts=ts, actor="web:carol@example.com",
                                        kind="review.decided", subject="itm_x",
                                        payload=payload, payload_hash=p_hash,
                                        prev_hash=head["entry_hash"], entry_hash=e_hash,
                                        signature=signature))
    return seq


def test_entries_are_signed_and_an_sql_appended_entry_is_detected(eapp: App) -> None:
    append(eapp, 3)
    with eapp.engine.connect() as conn:
        signatures = conn.execute(sa.select(LE.c.signature).order_by(LE.c.seq)).scalars().all()
    assert all(signatures)  # one transaction each: each is the newest of its append
    assert svc.verify_ledger(eapp).ok
    seq = sql_append(eapp)
    report = svc.verify_ledger(eapp)
    assert not report.ok
    first = report.first_broken
    assert first is not None
    assert (first.seq, first.problem) == (seq, Problem.UNSIGNED)
    assert "not appended through the ledger" in first.detail
    # a forged signature is no better than none
    with eapp.engine.begin() as conn:
        conn.execute(LE.update().where(LE.c.seq == seq).values(
            signature=signatures[0]))  # another entry's signature
    report = svc.verify_ledger(eapp)
    assert any(i.seq == seq and i.problem is Problem.BAD_SIGNATURE for i in report.issues)


def test_an_sql_append_after_the_last_checkpoint_is_still_detected(eapp: App) -> None:
    append(eapp, 2)
    svc.create_checkpoint(eapp)
    seq = sql_append(eapp)
    report = svc.verify_ledger(eapp)
    assert not report.ok
    assert any(i.seq == seq and i.problem is Problem.UNSIGNED for i in report.issues)


def test_deleting_the_newest_entry_after_the_last_checkpoint_is_detected(eapp: App) -> None:
    append(eapp, 2)
    svc.create_checkpoint(eapp)
    append(eapp, 2)
    head = eapp.settings.evidence.head_path
    assert head is not None
    assert stat.S_IMODE(os.stat(head).st_mode) == 0o600
    assert json.loads(head.read_text())["seq"] == 4
    assert svc.verify_ledger(eapp).ok
    with eapp.engine.begin() as conn:
        conn.execute(LE.delete().where(LE.c.seq == 4))
    report = svc.verify_ledger(eapp)
    assert not report.ok
    assert any(i.problem is Problem.TRUNCATED and "head record" in i.detail
               for i in report.issues), report.lines()
    assert "Result: FAILED" in report.lines()


def test_a_tampered_head_record_is_refused(eapp: App) -> None:
    append(eapp, 2)
    head = eapp.settings.evidence.head_path
    assert head is not None
    record = json.loads(head.read_text())
    record["seq"] = 1  # "rolled back" to hide entry 2's deletion
    head.write_text(json.dumps(record), encoding="utf-8")
    report = svc.verify_ledger(eapp)
    assert not report.ok
    assert any(i.problem is Problem.BAD_SIGNATURE and "head record" in i.detail
               for i in report.issues)


def test_the_unsigned_tail_is_a_warning_and_fails_under_strict(
    eapp: App, tmp_path: Path
) -> None:
    append(eapp, 3)
    svc.create_checkpoint(eapp)
    report = svc.verify_ledger(eapp)
    assert report.ok
    assert report.unsigned_tail == 0
    assert report.warnings == []
    append(eapp, 2)
    report = svc.verify_ledger(eapp)
    assert report.ok
    assert report.unsigned_tail == 2
    assert any(w.startswith("unsigned tail: 2 entries after seq 3") for w in report.warnings)
    assert "WARNING: unsigned tail: 2 entries after seq 3 are not yet covered by a signed " \
           "checkpoint (`tenure evidence checkpoint`)" in report.lines()
    config = tmp_path / "tenure.toml"
    config.write_text(f'[database]\nurl = "{eapp.settings.database.url}"\n[evidence]\n'
                      f'signing_key_file = "{eapp.settings.evidence.signing_key_file}"\n',
                      encoding="utf-8")
    runner = CliRunner()
    plain = runner.invoke(cli_app, ["--config", str(config), "evidence", "verify"],
                          env={"TENURE_DATABASE_URL": ""})
    assert plain.exit_code == 0, plain.output
    assert "WARNING: unsigned tail: 2 entries" in plain.output
    strict = runner.invoke(cli_app, ["--config", str(config), "evidence", "verify",
                                     "--strict"], env={"TENURE_DATABASE_URL": ""})
    assert strict.exit_code == 1, strict.output


def test_an_entry_dated_before_its_predecessor_is_flagged() -> None:
    entries = make_entries(4)
    third = entries[2]
    early = third.ts - timedelta(days=2000)  # "--as-of 2021"
    rehashed = replace(third, ts=early, entry_hash=entry_hash(
        seq=third.seq, ts=early, actor=third.actor, kind=third.kind, subject=third.subject,
        payload_hash=third.payload_hash, prev_hash=third.prev_hash))
    fourth = entries[3]
    relinked = replace(fourth, prev_hash=rehashed.entry_hash, entry_hash=entry_hash(
        seq=fourth.seq, ts=fourth.ts, actor=fourth.actor, kind=fourth.kind,
        subject=fourth.subject, payload_hash=fourth.payload_hash,
        prev_hash=rehashed.entry_hash))
    report = verify_entries([entries[0], entries[1], rehashed, relinked])
    assert not report.ok
    (issue,) = report.issues
    assert (issue.seq, issue.problem) == (3, Problem.BACKDATED)
    assert "before the entry before it" in issue.detail


def test_the_ledger_stamps_the_wall_clock_never_the_evaluation_clock(eapp: App) -> None:
    past = replace(eapp, clock=replace(eapp.clock, as_of=datetime(2021, 3, 4, tzinfo=UTC)))
    started = datetime.now(UTC)
    with past.engine.begin() as conn:
        entry = ledger.append(conn, kind="test.entry", actor="test", payload={},
                              now=past.now())
    assert entry.ts >= started - timedelta(seconds=1)
    assert svc.verify_ledger(eapp).ok


def test_a_raw_page_copied_under_a_new_locator_is_detected(eapp: App) -> None:
    seed(eapp)
    pages = schema.raw_pages
    with eapp.engine.begin() as conn:
        row = conn.execute(sa.select(pages).order_by(pages.c.id).limit(1)).mappings().one()
        copy = {k: v for k, v in row.items() if k != "id"}
        conn.execute(pages.insert().values(**{**copy, "locator": "/v1/organizations/users?"
                                                                 "page=forged"}))
    report = svc.verify_ledger(eapp, raw_pages=True)
    assert not report.ok
    assert report.raw_pages is not None
    (problem,) = report.raw_pages.problems
    assert "page=forged" in problem
    assert "under this locator and hash" in problem
    assert hashlib.sha256(b"").hexdigest() not in problem


def test_automatic_checkpoints_follow_growth_and_skip_without_a_key(
    eapp: App, database_url: str
) -> None:
    from tenure.config import DatabaseConfig, Settings
    from tests.conftest import make_app

    append(eapp, 3)
    first = svc.auto_checkpoint(eapp)
    assert first is not None
    assert first.tree_size == 3
    assert svc.auto_checkpoint(eapp) is None  # nothing new since
    append(eapp, 1)
    second = svc.auto_checkpoint(eapp)
    assert second is not None
    assert second.tree_size == 4
    assert svc.verify_ledger(eapp).unsigned_tail == 0
    unsigned = make_app(database_url, Settings(database=DatabaseConfig(url=database_url)))
    assert svc.auto_checkpoint(unsigned) is None  # no key configured: nothing to sign with
    # a ledger that does not verify is logged, not raised: the triggering work stays done
    with eapp.engine.begin() as conn:
        conn.execute(LE.update().where(LE.c.seq == 2).values(actor="mallory"))
    append(eapp, 1)
    assert svc.auto_checkpoint(eapp) is None


def test_an_sql_entry_that_a_later_append_chains_onto_is_still_detected(eapp: App) -> None:
    append(eapp, 2)
    seq = sql_append(eapp)  # e.g. a forged approval slipped in between two real appends
    append(eapp, 2)  # Tenure chains onto it and signs its own entries
    report = svc.verify_ledger(eapp)
    assert not report.ok
    assert [(i.seq, i.problem) for i in report.issues] == [(seq, Problem.UNSIGNED)]
    # and no checkpoint will be signed over it
    import pytest

    with pytest.raises(svc.EvidenceError, match="refusing to sign"):
        svc.create_checkpoint(eapp)
