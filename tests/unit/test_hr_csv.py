"""The HR CSV parser (pure): every bad row is reported with its line and field."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tenure.connectors.hr_csv import COLUMNS, parse_text, read_file
from tenure.errors import InputRejected
from tenure.model import PersonStatus

HEADER = ",".join(COLUMNS)


def doc(*rows: str) -> str:
    return "\n".join([HEADER, *rows]) + "\n"


def test_valid_rows_become_people_with_normalised_emails() -> None:
    parsed = parse_text(doc(
        "Ada@Example.COM ,Ada Lovelace,E1,active,Eng,Engineer,Grace@example.com,2020-01-02,",
        "grace@example.com,Grace Hopper,E2,Terminated,Eng,Director,,2019-01-01,2026-10-31",
    ), "hr.csv")
    assert parsed.problems == []
    ada, grace = parsed.people
    assert ada.email == "ada@example.com"
    assert ada.manager_email == "grace@example.com"
    assert ada.start_date == date(2020, 1, 2)
    assert ada.end_date is None
    assert grace.status is PersonStatus.TERMINATED
    assert grace.end_date == date(2026, 10, 31)


@pytest.mark.parametrize(("row", "field", "reason"), [
    (",Ada,E1,active,,,,,", "email", "is required"),
    ("not-an-email,Ada,E1,active,,,,,", "email", "not an email"),
    ("a@x.io,,E1,active,,,,,", "name", "is required"),
    ("a@x.io,Ada,,active,,,,,", "employee_id", "is required"),
    ("a@x.io,Ada,E1,retired,,,,,", "status", "must be 'active' or 'terminated'"),
    ("a@x.io,Ada,E1,active,,,,2020-13-01,", "start_date", "not an ISO date"),
    ("a@x.io,Ada,E1,terminated,,,,2020-01-01,", "end_date", "needs an end_date"),
    ("a@x.io,Ada,E1,terminated,,,,2020-01-01,2019-01-01", "end_date", "before start_date"),
    ("a@x.io,Ada,E1,active,,,a@x.io,,", "manager_email", "own manager"),
    ("a@x.io,Ada,E1,active,,,boss,,", "manager_email", "not an email"),
])
def test_each_bad_field_is_named_with_its_line(row: str, field: str, reason: str) -> None:
    parsed = parse_text(doc("ok@x.io,Ok,E0,active,,,,,", row), "hr.csv")
    assert [p.line for p in parsed.problems] == [3]
    assert parsed.problems[0].field == field
    assert reason in parsed.problems[0].reason
    assert str(parsed.problems[0]).startswith(f"hr.csv:3: field {field!r}:")
    assert [p.email for p in parsed.people] == ["ok@x.io"]


def test_duplicate_email_names_the_first_line() -> None:
    parsed = parse_text(doc("a@x.io,A,E1,active,,,,,", "b@x.io,B,E2,active,,,,,",
                            "A@X.IO,A2,E3,active,,,,,"), "hr.csv")
    assert len(parsed.problems) == 1
    assert parsed.problems[0].line == 4
    assert "first on line 2" in parsed.problems[0].reason


def test_missing_header_column_rejects_at_line_one() -> None:
    parsed = parse_text("email,name\na@x.io,A\n", "hr.csv")
    assert parsed.people == []
    assert parsed.problems[0].line == 1
    assert "employee_id" in parsed.problems[0].reason


def test_empty_file_and_extra_fields() -> None:
    assert "empty" in parse_text("", "hr.csv").problems[0].reason
    parsed = parse_text(doc("a@x.io,A,E1,active,,,,,,surplus"), "hr.csv")
    assert parsed.problems[0].line == 2
    assert "more fields" in parsed.problems[0].reason


def test_quoted_multiline_field_reports_the_line_where_the_row_ends() -> None:
    parsed = parse_text(doc('a@x.io,"A\nB",E1,active,,,,,', "b@x.io,B,E2,bogus,,,,,"), "hr.csv")
    assert parsed.people[0].name == "A\nB"
    assert parsed.problems[0].line == 4


def test_blank_lines_are_skipped() -> None:
    parsed = parse_text(doc("a@x.io,A,E1,active,,,,,", ",,,,,,,,"), "hr.csv")
    assert parsed.problems == []
    assert len(parsed.people) == 1


def test_utf8_bom_is_accepted_and_bad_encoding_names_the_line(tmp_path: Path) -> None:
    good = tmp_path / "bom.csv"
    good.write_bytes(b"\xef\xbb\xbf" + doc("a@x.io,Zoë,E1,active,,,,,").encode())
    assert read_file(good).people[0].name == "Zoë"
    bad = tmp_path / "latin1.csv"
    bad.write_bytes(doc("a@x.io,A,E1,active,,,,,").encode() + b"b@x.io,Zo\xeb,E2,active,,,,,\n")
    with pytest.raises(InputRejected) as info:
        read_file(bad)
    assert info.value.problems[0].line == 3
    assert "UTF-8" in str(info.value)


def test_nul_bytes_and_overlong_fields_are_rejected() -> None:
    parsed = parse_text(doc("a@x.io,A\x00,E1,active,,,,,", f"b@x.io,{'x' * 2000},E2,active,,,,,"),
                        "hr.csv")
    assert {(p.line, p.field) for p in parsed.problems} == {(2, "name"), (3, "name")}
