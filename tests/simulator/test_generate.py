"""The generator: deterministic bytes, exact planted problems, bounded memory."""

from __future__ import annotations

import csv
import hashlib
import json
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tenure.simulator import Options, generate, start_simulator
from tests.simulator.reference import evaluate
from tests.simulator.reference_nhi import evaluate_agents, evaluate_nhi

ANCHOR = datetime(2026, 11, 25, tzinfo=UTC)
FILES = ("hr.csv", "hr_after_move.csv", "scenario.json", "planted.json", "events.sqlite")
ALL_CHECKS = {"leaver-active-account", "leaver-active-key", "orphaned-key",
              "unmatched-account", "dormant-account", "dormant-key", "never-used-key",
              "long-lived-key", "overactive-admin", "key-in-archived-workspace",
              "key-usage-spike", "mover-stale-access", "nhi-without-sponsor", "nhi-sponsor-left",
              "service-account-dormant", "federation-rule-broad-match",
              "federation-rule-privileged", "federation-issuer-unhealthy",
              "agent-unsupervised-tools", "agent-open-egress-with-secrets",
              "agent-running-unowned", "vault-credential-expired-in-use"}


def _digest(path: Path) -> dict[str, str]:
    return {f: hashlib.sha256((path / f).read_bytes()).hexdigest() for f in FILES}


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    opts = Options(people=60, events=3000, seed=42, anchor=ANCHOR)
    generate(tmp_path / "a", opts)
    generate(tmp_path / "b", opts)
    generate(tmp_path / "c", Options(people=60, events=3000, seed=43, anchor=ANCHOR))
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")
    assert _digest(tmp_path / "a")["planted.json"] != _digest(tmp_path / "c")["planted.json"]


def test_hr_file_format(tmp_path: Path) -> None:
    generate(tmp_path, Options(people=40, seed=3, anchor=ANCHOR))
    with (tmp_path / "hr.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["email", "name", "employee_id", "status", "department", "title",
                             "manager_email", "start_date", "end_date"]
    assert len(rows) == 40
    for row in rows:
        assert row["status"] in ("active", "terminated")
        assert bool(row["end_date"]) == (row["status"] == "terminated")
        datetime.fromisoformat(row["start_date"])
    with (tmp_path / "hr_after_move.csv").open(encoding="utf-8") as fh:
        after = list(csv.DictReader(fh))
    changed = [a for a, b in zip(rows, after, strict=True) if a != b]
    assert changed
    assert all(a["department"] != b["department"]
                           for a, b in zip(rows, after, strict=True) if a != b)


@pytest.mark.parametrize(("kind", "people", "seed"), [
    ("console", 30, 7), ("console", 150, 11), ("enterprise", 60, 5)])
def test_planted_is_exactly_what_the_data_shows(tmp_path: Path, kind: str, people: int,
                                                seed: int) -> None:
    generate(tmp_path, Options(people=people, seed=seed, kind=kind, anchor=ANCHOR))
    planted = json.loads((tmp_path / "planted.json").read_text())
    expected = {(p["check"], p["subject_id"]) for p in planted}
    with start_simulator(tmp_path) as sim:
        assert sim.as_of == ANCHOR  # a generated directory is served at its anchor
        found = evaluate(sim.base_url, sim.admin_key, tmp_path, ANCHOR)
        if kind == "console":
            found |= evaluate_nhi(sim.base_url, sim.admin_key, sim.oauth_token, tmp_path,
                                  ANCHOR)
            found |= evaluate_agents(sim.base_url, sim.agents.workspace_keys(), tmp_path,
                                     ANCHOR)
    assert found == expected
    checks = {c for c, _ in expected}
    if kind == "console":
        assert checks == ALL_CHECKS
    else:
        assert checks == {"leaver-active-account", "unmatched-account", "dormant-account",
                          "overactive-admin", "mover-stale-access", "privilege-via-group",
                          "custom-role-privileged", "disabled-seat-still-granted",
                          "idp-group-drift"}


def test_served_later_with_as_of(tmp_path: Path) -> None:
    generate(tmp_path, Options(people=30, seed=7, anchor=ANCHOR))
    later = datetime(2027, 3, 1, 9, 30, tzinfo=UTC)
    planted = json.loads((tmp_path / "planted.json").read_text())
    expected = {(p["check"], p["subject_id"]) for p in planted}
    with start_simulator(tmp_path, as_of=later) as sim:
        found = evaluate(sim.base_url, sim.admin_key, tmp_path, later)
        found |= evaluate_nhi(sim.base_url, sim.admin_key, sim.oauth_token, tmp_path, later)
        found |= evaluate_agents(sim.base_url, sim.agents.workspace_keys(), tmp_path, later)
    # Platform times move with --as-of; HR dates do not, and only lose meaning where an HR
    # date is compared to "now" (a leaver stays a leaver).
    assert found == expected


def test_generation_memory_is_bounded(tmp_path: Path) -> None:
    tracemalloc.start()
    try:
        summary = generate(tmp_path, Options(people=100, events=200_000, seed=1, anchor=ANCHOR))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert summary.activities == 200_000
    # 200k events are ~60 MB as Python objects; streaming keeps the peak to about a day's worth.
    assert peak < 20 * 1024 * 1024, peak
