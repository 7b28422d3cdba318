"""Tables as exported files: JSON (exact values) and CSV (spreadsheet-safe).

CSV cells that a spreadsheet would evaluate as a formula (OWASP "CSV injection", ASVS 1.2.10)
get a leading apostrophe; the JSON twin keeps the exact value, so nothing is lost.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from tenure.redact import redact_text

Cell = str | int | float | bool | None
"""A value a table may hold once made plain."""

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\x00")


def neutralize_cell(value: str) -> str:
    """Stop spreadsheets from evaluating a cell: prefix a quote when it starts like a formula."""
    return "'" + value if value.startswith(FORMULA_START) else value


def plain(value: object) -> Cell:
    """A database value as a JSON/CSV-ready scalar (timestamps as ISO 8601 UTC)."""
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bytes):
        return value.hex()
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def redacted(value: Cell) -> Cell:
    """``value`` with secret-looking substrings masked (defence in depth for exported data;
    never applied to hashed content such as ledger entries, snapshots or plans)."""
    return redact_text(value) if isinstance(value, str) else value


@dataclass(frozen=True, slots=True)
class Table:
    """Named columns and rows of plain cells."""

    columns: tuple[str, ...]
    rows: Sequence[tuple[Cell, ...]]


def _csv_text(values: Sequence[str]) -> str:
    buffer = io.StringIO()
    # CRLF (RFC 4180) also makes the writer quote any cell holding a bare CR, which would
    # otherwise split the row in a reader
    csv.writer(buffer, lineterminator="\r\n").writerow(values)
    return buffer.getvalue()


def csv_header(columns: Sequence[str]) -> bytes:
    """The CSV header line."""
    return _csv_text([neutralize_cell(c) for c in columns]).encode("utf-8")


def csv_line(row: Sequence[Cell]) -> bytes:
    """One neutralised CSV row."""
    return _csv_text([neutralize_cell(_text(v)) for v in row]).encode("utf-8")


def jsonl_line(columns: Sequence[str], row: Sequence[Cell]) -> bytes:
    """One JSON object per line (exact values)."""
    return (json.dumps(dict(zip(columns, row, strict=True)), ensure_ascii=False)
            + "\n").encode("utf-8")


def csv_bytes(table: Table) -> bytes:
    """The table as UTF-8 CSV with formula-like cells neutralised."""
    buffer = io.StringIO()
    # CRLF (RFC 4180) also makes the writer quote any cell holding a bare CR, which would
    # otherwise split the row in a reader
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralize_cell(c) for c in table.columns])
    for row in table.rows:
        writer.writerow([neutralize_cell(_text(v)) for v in row])
    return buffer.getvalue().encode("utf-8")


def _text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def json_bytes(table: Table) -> bytes:
    """The table as a JSON array of objects (exact values, keys in column order)."""
    records = [dict(zip(table.columns, row, strict=True)) for row in table.rows]
    return (json.dumps(records, indent=1, ensure_ascii=False) + "\n").encode("utf-8")
