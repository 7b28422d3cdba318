"""Rendering records as a Rich table, JSON or CSV (spreadsheet formulas neutralised)."""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from rich.console import Console
from rich.table import Table

from tenure.evidence.tabular import neutralize_cell
from tenure.redact import redact_text


class OutputFormat(StrEnum):
    """Formats for commands that print records."""

    TABLE = "table"
    JSON = "json"
    CSV = "csv"


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(_cell(v) for v in value)
    return str(_plain(value))


def console(stderr: bool = False) -> Console:
    """A console that does not wrap JSON/CSV and stays plain when not a terminal."""
    return Console(stderr=stderr, soft_wrap=True, highlight=False)


def render(
    rows: Sequence[Mapping[str, Any]], columns: Sequence[str], fmt: OutputFormat,
    *, title: str | None = None, empty: str = "nothing to show",
) -> None:
    """Print ``rows`` in ``fmt``; JSON and CSV carry every column, tables the listed ones."""
    if fmt is OutputFormat.JSON:
        text = json.dumps([{k: _plain(v) for k, v in r.items()} for r in rows], indent=2,
                          default=str)
        sys.stdout.write(redact_text(text) + "\n")
        return
    if fmt is OutputFormat.CSV:
        keys = list(rows[0].keys()) if rows else list(columns)
        buffer = io.StringIO()
        # RFC 4180 line ends: a bare CR inside a cell is then quoted instead of splitting the row.
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(keys)
        for row in rows:
            writer.writerow([neutralize_cell(redact_text(_cell(row.get(k)))) for k in keys])
        sys.stdout.write(buffer.getvalue())
        return
    out = console()
    if not rows:
        out.print(f"[dim]{empty}[/dim]")
        return
    table = Table(title=title, show_lines=False)
    for column in columns:
        table.add_column(column.replace("_", " "))
    for row in rows:
        table.add_row(*(redact_text(_cell(row.get(c))) for c in columns))
    out.print(table)
