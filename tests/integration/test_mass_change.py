"""An HR export that would retire more than 10 % of people, or lists nobody, is refused whole
(nothing written, the run failed with the reason) unless `--allow-mass-change`."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa

from tenure.store import schema

from .cli_helpers import Invoke, write_hr
from .test_hr_sync import count

ROWS = tuple(f"p{i:02d}@example.com,Person {i},E{i},active,Eng,Engineer,,2020-01-01,"
             for i in range(30))


def _synced(workdir: Path, invoke: Invoke, *rows: str, allow: bool = False) -> tuple[int, str]:
    write_hr(workdir, *rows)
    result = invoke("sync", *(["--allow-mass-change"] if allow else []), "-f", "json")
    return result.exit_code, result.output


def _active(invoke: Invoke) -> int:
    return len(json.loads(invoke("people", "-f", "json").stdout))


def test_header_only_export_is_refused(workdir: Path, invoke: Invoke,
                                       database_url: str) -> None:
    assert _synced(workdir, invoke, *ROWS)[0] == 0
    changes = count(database_url, schema.person_changes)
    code, output = _synced(workdir, invoke)
    assert code != 0
    assert "lists nobody" in output
    assert "--allow-mass-change" in output
    assert _active(invoke) == 30
    assert count(database_url, schema.person_changes) == changes  # nothing written
    assert count(database_url, schema.sync_runs, schema.sync_runs.c.status == "failed") == 1


def test_header_only_export_is_refused_even_on_an_empty_store(workdir: Path,
                                                              invoke: Invoke) -> None:
    code, output = _synced(workdir, invoke)
    assert code != 0
    assert "lists nobody" in output


def test_retiring_more_than_ten_percent_is_refused(workdir: Path, invoke: Invoke,
                                                   database_url: str) -> None:
    assert _synced(workdir, invoke, *ROWS)[0] == 0
    changes = count(database_url, schema.person_changes)
    code, output = _synced(workdir, invoke, *ROWS[4:])  # 4 of 30 gone: 13 %
    assert code != 0
    assert "would retire 4 of 30 people" in output
    assert "p00@example.com" in output
    assert count(database_url, schema.person_changes) == changes
    assert _active(invoke) == 30
    # Terminations in the file count too (an export that marks everyone terminated).
    terminated = [r.replace(",active,", ",terminated,").replace("2020-01-01,",
                                                                "2020-01-01,2026-11-20")
                  for r in ROWS[:5]]
    code, output = _synced(workdir, invoke, *terminated, *ROWS[5:])
    assert code != 0
    assert "would retire 5 of 30 people" in output
    # Three (10 %) is not a mass change.
    assert _synced(workdir, invoke, *ROWS[3:])[0] == 0
    assert _active(invoke) == 27


def test_allow_mass_change_accepts_it_and_says_so(workdir: Path, invoke: Invoke,
                                                   database_url: str) -> None:
    assert _synced(workdir, invoke, *ROWS)[0] == 0
    code, output = _synced(workdir, invoke, *ROWS[10:], allow=True)
    assert code == 0, output
    assert _active(invoke) == 20
    removed = sa.and_(schema.person_changes.c.kind == "removed")
    assert count(database_url, schema.person_changes, removed) == 10
    runs = schema.sync_runs
    with sa.create_engine(database_url).connect() as conn:
        stats = conn.execute(sa.select(runs.c.stats)).scalars().all()
    assert sum("would retire 10 of 30" in json.dumps(s) for s in stats) == 1
