"""Consistency between packages: a later package proves an earlier one's ledger is its prefix;
a rewritten ledger cannot."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from tenure.evidence import ledger
from tenure.services import evidence as svc
from tenure.services.context import App
from tenure.store import schema

from .seed import PERIOD_START, seed
from .test_package import resign

OCTOBER = "2026-10-01..2026-10-31"


def _more(app: App, count: int) -> None:
    with app.engine.begin() as conn:
        for i in range(count):
            ledger.append(conn, kind="finding.resolved", actor="checks",
                          now=PERIOD_START + timedelta(days=35, minutes=i), subject=f"f{i}",
                          payload={"i": i})


def test_later_package_proves_the_earlier_is_a_prefix(eapp: App, tmp_path: Path,
                                                      key_file: Path) -> None:
    seed(eapp)
    first = svc.export_period(eapp, svc.parse_period(OCTOBER), tmp_path / "a").path
    svc.create_checkpoint(eapp, out=tmp_path / "cp.json")
    _more(eapp, 7)
    second = svc.export_period(eapp, svc.parse_period("2026-11-01..2026-11-30"),
                               tmp_path / "b").path
    for previous in (first, tmp_path / "cp.json"):
        report = svc.check_package(second, [key_file], previous)
        assert report.ok, report.lines()
        assert any(line.startswith("Previous checkpoint of 10 entries") for line in
                   report.info), report.lines()
    assert any(line.startswith("Consistency: earlier checkpoints of 10") for line in
               report.info)


def test_rewritten_ledger_cannot_prove_consistency(eapp: App, tmp_path: Path,
                                                   key_file: Path) -> None:
    seed(eapp)
    first = svc.export_period(eapp, svc.parse_period(OCTOBER), tmp_path / "a").path
    # an insider rebuilds the whole ledger (valid chain, new checkpoints, same key)
    with eapp.engine.begin() as conn:
        conn.execute(schema.ledger_checkpoints.delete())
        conn.execute(schema.ledger_entries.delete())
    with eapp.engine.begin() as conn:
        for i in range(12):
            ledger.append(conn, kind="sync.batch", actor="mallory",
                          now=PERIOD_START + timedelta(days=i), subject=f"run-{i}",
                          payload={"i": i})
    second = svc.export_period(eapp, svc.parse_period(OCTOBER), tmp_path / "b").path
    assert svc.check_package(second, [key_file]).ok  # self-consistent on its own…
    report = svc.check_package(second, [key_file], first)  # …but not with what we kept
    assert not report.ok
    assert report.problems[0].file == "ledger/proofs.json"
    assert "no consistency proof from the previous checkpoint of 10 entries" in (
        report.problems[0].reason)


def test_a_forged_consistency_proof_fails(eapp: App, tmp_path: Path, key_file: Path) -> None:
    seed(eapp)
    svc.export_period(eapp, svc.parse_period(OCTOBER), tmp_path / "a")
    _more(eapp, 5)
    second = svc.export_period(eapp, svc.parse_period(OCTOBER), tmp_path / "b").path

    def corrupt(proofs: dict[str, Any]) -> None:
        proofs["consistency"][0]["path"][0] = "11" * 32

    report = svc.check_package(resign(second, tmp_path / "x.zip", key_file, corrupt),
                               [key_file])
    assert not report.ok
    assert any("is not a prefix" in p.reason and "history was rewritten" in p.reason
               for p in report.problems), report.lines()
