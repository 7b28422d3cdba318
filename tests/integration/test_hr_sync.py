"""`tenure sync` with an hr-csv source, on SQLite and PostgreSQL, through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa

from tenure.store import schema
from tenure.store.db import make_engine

from .cli_helpers import Invoke, write_hr

ROWS = (
    "ada@example.com,Ada Lovelace,E1,active,Engineering,Engineer,grace@example.com,2020-01-01,",
    "grace@example.com,Grace Hopper,E2,active,Engineering,Director,,2019-01-01,",
    "linus@example.com,Linus Torvalds,E3,active,Platform,SRE,grace@example.com,2021-05-01,",
)


def count(database_url: str, table: sa.Table, *where: sa.ColumnElement[bool]) -> int:
    engine = make_engine(database_url)
    with engine.connect() as conn:
        n = conn.execute(sa.select(sa.func.count()).select_from(table).where(*where)).scalar_one()
    engine.dispose()
    return int(n)


def test_first_import_records_people_and_joiners(
    workdir: Path, invoke: Invoke, database_url: str
) -> None:
    write_hr(workdir, *ROWS)
    result = invoke("sync")
    assert result.exit_code == 0, result.output
    assert "complete" in result.stdout
    people = json.loads(invoke("people", "--format", "json").stdout)
    assert [p["email"] for p in people] == ["ada@example.com", "grace@example.com",
                                            "linus@example.com"]
    assert count(database_url, schema.person_changes, schema.person_changes.c.kind == "joiner") \
        == 3
    sources = json.loads(invoke("sources", "--format", "json").stdout)
    assert sources[0]["name"] == "hr"
    assert sources[0]["last_run_status"] == "complete"
    assert sources[0]["last_success_at"].startswith("2026-11-25T12:00")


def test_second_import_records_movers_and_leavers(workdir: Path, invoke: Invoke) -> None:
    write_hr(workdir, *ROWS)
    assert invoke("sync").exit_code == 0
    write_hr(
        workdir,
        "ada@example.com,Ada Lovelace,E1,active,Research,Engineer,grace@example.com,2020-01-01,",
        "grace@example.com,Grace Hopper,E2,active,Engineering,VP,,2019-01-01,",
        "linus@example.com,Linus Torvalds,E3,terminated,Platform,SRE,grace@example.com,"
        "2021-05-01,2026-11-20",
    )
    result = invoke("sync", as_of="2026-11-26T09:00:00Z")
    assert result.exit_code == 0, result.output
    changes = json.loads(invoke("changes", "--format", "json").stdout)
    later = {(c["person_email"], c["kind"], c["field"], c["old_value"], c["new_value"])
             for c in changes if c["observed_at"].startswith("2026-11-26")}
    assert later == {
        ("ada@example.com", "mover", "department", "Engineering", "Research"),
        ("grace@example.com", "mover", "title", "Director", "VP"),
        ("linus@example.com", "leaver", "status", "active", "terminated"),
        ("linus@example.com", "updated", "end_date", None, "2026-11-20"),
    }
    leavers = json.loads(invoke("changes", "--kind", "leaver", "--format", "json").stdout)
    assert [c["person_email"] for c in leavers] == ["linus@example.com"]
    terminated = json.loads(invoke("people", "--status", "terminated", "-f", "json").stdout)
    assert [p["email"] for p in terminated] == ["linus@example.com"]


def test_person_missing_from_a_complete_file_is_removed_not_deleted(
    workdir: Path, invoke: Invoke
) -> None:
    write_hr(workdir, *ROWS)
    invoke("sync")
    write_hr(workdir, *ROWS[:2])
    assert invoke("sync").exit_code == 0
    current = json.loads(invoke("people", "-f", "json").stdout)
    assert "linus@example.com" not in [p["email"] for p in current]
    everyone = json.loads(invoke("people", "--include-removed", "-f", "json").stdout)
    linus = next(p for p in everyone if p["email"] == "linus@example.com")
    assert linus["removed"] is True
    removed = json.loads(invoke("changes", "--kind", "removed", "-f", "json").stdout)
    assert [c["person_email"] for c in removed] == ["linus@example.com"]


def test_malformed_file_is_rejected_whole_with_line_numbers(
    workdir: Path, invoke: Invoke, database_url: str
) -> None:
    write_hr(workdir, *ROWS)
    invoke("sync")
    before = count(database_url, schema.person_changes)
    write_hr(
        workdir,
        "ada@example.com,Ada Lovelace,E1,active,Research,Engineer,,2020-01-01,",
        "bad-email,Bob,E9,active,,,,2020-01-01,",
        "carol@example.com,Carol,E10,on-leave,,,,2020-01-01,",
        "grace@example.com,Grace Hopper,E2,active,Engineering,Director,,2019-01-01,",
    )
    result = invoke("sync")
    assert result.exit_code == 1
    assert "hr.csv:3: field 'email'" in result.stderr
    assert "hr.csv:4: field 'status'" in result.stderr
    assert "nothing was written" in result.stderr
    # Nothing changed: Ada still in Engineering, no new changes, Linus still present.
    people = {p["email"]: p for p in json.loads(invoke("people", "-f", "json").stdout)}
    assert people["ada@example.com"]["department"] == "Engineering"
    assert "linus@example.com" in people
    assert "carol@example.com" not in people
    assert count(database_url, schema.person_changes) == before
    sources = json.loads(invoke("sources", "-f", "json").stdout)
    assert sources[0]["last_run_status"] == "failed"


def test_skip_invalid_imports_the_rest_and_lists_bad_rows(
    workdir: Path, invoke: Invoke
) -> None:
    write_hr(workdir, *ROWS)
    invoke("sync")
    write_hr(workdir, ROWS[0], "bad-email,Bob,E9,active,,,,2020-01-01,", ROWS[1])
    result = invoke("sync", "--skip-invalid")
    assert result.exit_code == 0, result.output
    assert "1 invalid row(s) skipped" in result.stderr
    assert "hr.csv:3: field 'email'" in result.stderr
    assert "partial" in result.stdout
    # An import with skipped rows never retires anyone: Linus is still present.
    emails = [p["email"] for p in json.loads(invoke("people", "-f", "json").stdout)]
    assert "linus@example.com" in emails


def test_unknown_source_and_missing_file_fail_clearly(workdir: Path, invoke: Invoke) -> None:
    result = invoke("sync", "workday")
    assert result.exit_code == 2
    assert "no source named 'workday'" in result.stderr
    result = invoke("sync")
    assert result.exit_code == 1
    assert "cannot read HR file" in result.stderr
