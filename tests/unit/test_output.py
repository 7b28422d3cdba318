"""CLI CSV output: one record per row whatever the cells hold, formulas neutralised."""

from __future__ import annotations

import csv
import io

import pytest

from tenure.cli.output import OutputFormat, render


def test_csv_rows_survive_newlines_and_formulas(capsys: pytest.CaptureFixture[str]) -> None:
    rows = [{"email": "=cmd|' /C calc'!A0", "note": "line\rbreak"},
            {"email": "@SUM(1)", "note": "multi\nline"},
            {"email": "plain@x.io", "note": "-1"}]
    render(rows, ["email", "note"], OutputFormat.CSV)
    parsed = list(csv.reader(io.StringIO(capsys.readouterr().out, newline="")))
    assert parsed[0] == ["email", "note"]
    assert len(parsed) == 4
    assert parsed[1] == ["'=cmd|' /C calc'!A0", "line\rbreak"]
    assert parsed[2] == ["'@SUM(1)", "multi\nline"]
    assert parsed[3] == ["plain@x.io", "'-1"]
