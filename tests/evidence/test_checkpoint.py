"""Signed checkpoints: T7 truncation below an exported checkpoint, unknown keys, bad
signatures, and the service paths on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import json
import os
import stat
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from tenure.errors import ConfigError
from tenure.evidence import checkpoint as cpmod
from tenure.evidence import keys, ledger, merkle
from tenure.evidence.verify import Problem, verify_entries
from tenure.services import evidence as svc
from tenure.services.context import App
from tenure.store import schema
from tests.conftest import FIXED_NOW

from .conftest import make_entries

KEY = keys.generate()
TRUSTED = keys.trusted_set([KEY.public])


def _append(app: App, count: int, start: int = 0) -> None:
    with app.engine.begin() as conn:
        for i in range(start, start + count):
            ledger.append(conn, kind="sync.batch", actor="test", now=FIXED_NOW,
                          subject=f"run-{i % 4}", payload={"i": i, "sha256": "ab" * 32})


def _cp_at(size: int, entries: list[ledger.LedgerEntry],
           key: keys.SigningKey = KEY) -> cpmod.Checkpoint:
    leaves = [merkle.leaf_hash(e.entry_hash) for e in entries[:size]]
    head = entries[size - 1].entry_hash if size else ledger.GENESIS_HASH
    return cpmod.sign(key, tree_size=size, head_hash=head, merkle_root=merkle.root(leaves).hex(),
                      ts=FIXED_NOW)


@settings(max_examples=150, deadline=None)
@given(n=st.integers(1, 400), data=st.data())
def test_truncation_below_any_checkpoint_is_detected(n: int, data: st.DataObject) -> None:
    entries = make_entries(n)
    size = data.draw(st.integers(1, n), label="checkpoint size")
    keep = data.draw(st.integers(0, size - 1), label="entries left after truncation")
    cp = _cp_at(size, entries)
    report = verify_entries(entries[:keep], trusted=TRUSTED, checkpoints=[("file", cp)])
    assert not report.ok
    assert any(c.problem and "truncated" in c.problem for c in report.checkpoints)
    first = report.first_broken
    assert first is not None
    assert first.seq == keep + 1
    assert any(g.first == keep + 1 and g.last == size for g in report.gaps), report.lines()


@settings(max_examples=100, deadline=None)
@given(n=st.integers(2, 300), data=st.data())
def test_truncate_and_regrow_is_detected(n: int, data: st.DataObject) -> None:
    entries = make_entries(n)
    size = data.draw(st.integers(1, n))
    keep = data.draw(st.integers(0, size - 1))
    cp = _cp_at(size, entries)
    regrown = entries[:keep] + make_entries(n - keep, start_seq=keep + 1,
                                            prev=entries[keep - 1].entry_hash if keep else
                                            ledger.GENESIS_HASH,
                                            start=entries[-1].ts)
    report = verify_entries(regrown, trusted=TRUSTED, checkpoints=[("file", cp)])
    assert not report.ok
    assert any(i.problem is Problem.CHECKPOINT_MISMATCH for i in report.issues)


def test_growth_after_checkpoint_is_fine_and_noted() -> None:
    entries = make_entries(100)
    report = verify_entries(entries, trusted=TRUSTED, checkpoints=[("a", _cp_at(60, entries)),
                                                                   ("b", _cp_at(100, entries))])
    assert report.ok, report.lines()
    report = verify_entries(entries, trusted=TRUSTED, checkpoints=[("a", _cp_at(60, entries))])
    assert report.ok
    assert any("unsigned tail: 40 entries after seq 60" in w for w in report.warnings)
    assert report.unsigned_tail == 40


def test_unknown_key_is_rejected() -> None:
    entries = make_entries(30)
    stranger = keys.generate()
    report = verify_entries(entries, trusted=TRUSTED,
                            checkpoints=[("forged", _cp_at(30, entries, stranger))])
    assert not report.ok
    assert report.issues[0].problem is Problem.UNKNOWN_KEY
    assert stranger.public.key_id in report.issues[0].detail


def test_embedded_key_swap_and_edited_fields_are_rejected() -> None:
    entries = make_entries(30)
    cp = _cp_at(30, entries)
    other = keys.generate().public
    swapped = dataclasses.replace(cp, public_key=other.b64)
    edited = dataclasses.replace(cp, tree_size=29)
    for bad, why in ((swapped, "does not match trusted key"), (edited, "bad signature")):
        report = verify_entries(entries[:bad.tree_size], trusted=TRUSTED,
                                checkpoints=[("x", bad)])
        assert not report.ok
        assert why in report.lines()[3], report.lines()


def test_t7_on_the_database_with_an_exported_checkpoint_file(
    eapp: App, tmp_path: Path,
) -> None:
    _append(eapp, 40)
    exported = tmp_path / "cp-40.json"
    cp = svc.create_checkpoint(eapp, out=exported)
    assert cp.tree_size == 40
    assert json.loads(exported.read_text())["tree_size"] == 40
    assert svc.verify_ledger(eapp, checkpoint_files=[exported]).ok
    _append(eapp, 5, start=40)
    assert svc.verify_ledger(eapp, checkpoint_files=[exported]).ok
    # an insider deletes the newest 15 entries and every stored checkpoint
    with eapp.engine.begin() as conn:
        conn.execute(schema.ledger_entries.delete().where(schema.ledger_entries.c.seq > 30))
        conn.execute(schema.ledger_checkpoints.delete())
    # without the exported file, the signed head record outside the database still tells
    alone = svc.verify_ledger(eapp)
    assert not alone.ok
    assert any("head record" in i.detail for i in alone.issues)
    report = svc.verify_ledger(eapp, checkpoint_files=[exported])
    assert not report.ok
    text = "\n".join(report.lines())
    assert "GAP: entries 31..40 missing" in text
    assert "First broken entry: seq 31 (truncated)" in text


def test_checkpoint_refuses_a_broken_ledger(eapp: App) -> None:
    _append(eapp, 10)
    with eapp.engine.begin() as conn:
        conn.execute(schema.ledger_entries.update().where(schema.ledger_entries.c.seq == 4)
                     .values(actor="mallory"))
    with pytest.raises(svc.EvidenceError, match="entry 4"):
        svc.create_checkpoint(eapp)
    with eapp.engine.connect() as conn:
        count = conn.execute(sa.select(sa.func.count()).select_from(
            schema.ledger_checkpoints)).scalar_one()
    assert count == 0


def test_keygen_writes_owner_only_and_never_overwrites(tmp_path: Path) -> None:
    path = tmp_path / "k" / "signing.pem"
    public = svc.keygen(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert svc.read_public_key(path) == public
    with pytest.raises(svc.EvidenceError, match="already exists"):
        svc.keygen(path)


def test_key_from_environment_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    key = keys.generate()
    monkeypatch.setenv("TENURE_TEST_SIGNING_KEY", keys.private_pem(key).decode())
    loaded = keys.load_signing_key(key_file=None, key_env="TENURE_TEST_SIGNING_KEY")
    assert loaded.public == key.public
    monkeypatch.setenv("TENURE_TEST_SIGNING_KEY", "not a key")
    with pytest.raises(ConfigError) as err:
        keys.load_signing_key(key_file=None, key_env="TENURE_TEST_SIGNING_KEY")
    assert "not a key" not in str(err.value)
    with pytest.raises(ConfigError, match="tenure evidence keygen"):
        keys.load_signing_key(key_file=None, key_env=None)


def test_checkpoint_file_round_trip_and_bad_files(tmp_path: Path) -> None:
    cp = _cp_at(5, make_entries(5))
    path = tmp_path / "cp.json"
    cpmod.write_file(cp, path)
    assert cpmod.read_file(path) == cp
    path.write_text("{}")
    with pytest.raises(ValueError, match=r"cp\.json"):
        cpmod.read_file(path)


def test_entries_appended_after_the_prepass_are_verified_and_covered(eapp: App) -> None:
    _append(eapp, 20)
    key = svc.signing_key(eapp)
    signer = svc._prepare(eapp, key)
    _append(eapp, 5, start=20)
    with eapp.engine.begin() as conn:
        conn.execute(schema.ledger_entries.update().where(schema.ledger_entries.c.seq == 23)
                     .values(payload='{"i":999}'))
    with pytest.raises(svc.EvidenceError, match="entry 23"), eapp.engine.begin() as conn:
        signer.sign(conn)
    with eapp.engine.begin() as conn:
        conn.execute(schema.ledger_entries.update().where(schema.ledger_entries.c.seq == 23)
                     .values(payload=ledger.canonical_json({"i": 22, "sha256": "ab" * 32})))
    signer = svc._prepare(eapp, key)
    _append(eapp, 2, start=25)
    with eapp.engine.begin() as conn:
        cp = signer.sign(conn)
    assert cp.tree_size == 27
