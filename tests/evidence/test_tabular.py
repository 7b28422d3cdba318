"""T12: every exported CSV cell that starts with = + - @ TAB CR or NUL is neutralised, and the
JSON twin keeps the exact value."""

from __future__ import annotations

import csv
import io
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from tenure.evidence.tabular import (
    FORMULA_START,
    Cell,
    Table,
    csv_bytes,
    json_bytes,
    neutralize_cell,
)

DANGEROUS = ("=", "+", "-", "@", "\t", "\x00")
cells = st.one_of(
    st.text(max_size=40),
    st.builds(lambda p, s: p + s, st.sampled_from((*DANGEROUS, "\r")), st.text(max_size=30)),
    st.none(), st.integers(), st.booleans(), st.floats(allow_nan=False, allow_infinity=False),
)


@settings(max_examples=1500, deadline=None)
@given(rows=st.lists(st.lists(cells, min_size=3, max_size=3), max_size=8),
       header=st.lists(st.text(max_size=10), min_size=3, max_size=3))
def test_no_csv_cell_can_start_a_formula(rows: list[list[Cell]], header: list[str]) -> None:
    table = Table(tuple(header), [tuple(r) for r in rows])
    parsed = list(csv.reader(io.StringIO(csv_bytes(table).decode("utf-8"), newline="")))
    assert len(parsed) == len(rows) + 1
    expected_rows: list[list[Cell]] = [list(header), *rows]
    for original_row, parsed_row in zip(expected_rows, parsed, strict=True):
        for original, cell in zip(original_row, parsed_row, strict=True):
            assert not cell.startswith(DANGEROUS), repr(cell)
            text = "" if original is None else (
                ("true" if original else "false") if isinstance(original, bool) else
                str(original))
            expected = "'" + text if text.startswith(FORMULA_START) else text
            assert cell == expected
    records = json.loads(json_bytes(table))
    assert [[rec[h] for h in dict.fromkeys(header)] for rec in records] == [
        [dict(zip(header, r, strict=True))[h] for h in dict.fromkeys(header)] for r in rows]


@given(st.text())
def test_neutralize_cell(value: str) -> None:
    out = neutralize_cell(value)
    if value[:1] in DANGEROUS or value.startswith("\r"):
        assert out == "'" + value
    else:
        assert out == value
