"""Rendering records as a Rich table, JSON or CSV (spreadsheet formulas neutralised)."""

from __future__ import annotations

import csv
import io
import json
import re
import sys
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

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


# Characters that drive a terminal (ESC starts CSI/OSC sequences: clear screen, OSC 8 links,
# title changes), C1 controls, lone surrogates (unprintable) and bidirectional overrides (text
# that reads differently than it is). Tab and newline stay.
_TERMINAL_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")
# CSV quotes a cell holding a carriage return, so it stays data there (RFC 4180).
_CSV_UNSAFE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    return match.group().encode("unicode_escape", "backslashreplace").decode("ascii")


def csv_safe(text: str) -> str:
    """``terminal_safe`` for a CSV cell: a carriage return stays (the cell is quoted)."""
    return _CSV_UNSAFE.sub(_escape, text)


def terminal_safe(text: str) -> str:
    """``text`` with every terminal-controlling character shown as an escape (``\\x1b``), so
    data from a vendor, an IdP or a file can never move the cursor, clear the screen or plant
    a link."""
    return _TERMINAL_UNSAFE.sub(_escape, text)


class SafeConsole(Console):
    """A Rich console whose ``print`` shows terminal controls in strings as escapes (Rich's
    own styling, added after, is unaffected)."""

    def print(self, *objects: Any, **kwargs: Any) -> None:
        """Print like Rich, with every string argument made ``terminal_safe``."""
        super().print(*(terminal_safe(o) if isinstance(o, str) else o for o in objects),
                      **kwargs)


def _csv_cell(value: Any) -> str:
    # Structured values (evidence, lists) are JSON in CSV, never Python's repr.
    if isinstance(value, Mapping) or (isinstance(value, list | tuple) and any(
            isinstance(v, Mapping | list | tuple) for v in value)):
        return json.dumps(value, default=lambda v: v.isoformat() if isinstance(v, date) else str(v),
                          sort_keys=True, ensure_ascii=False)
    return _cell(value)


def console(stderr: bool = False) -> Console:
    """A console that does not wrap JSON/CSV, stays plain when not a terminal and never passes
    a terminal control from data through."""
    return SafeConsole(stderr=stderr, soft_wrap=True, highlight=False)


def render(
    rows: Sequence[Mapping[str, Any]], columns: Sequence[str], fmt: OutputFormat,
    *, title: str | None = None, empty: str = "nothing to show",
) -> None:
    """Print ``rows`` in ``fmt``; JSON and CSV carry every column, tables the listed ones."""
    if fmt is OutputFormat.JSON:
        text = json.dumps([{k: _plain(v) for k, v in r.items()} for r in rows], indent=2,
                          default=str)
        # json.dumps escapes every control character and lone surrogate (ensure_ascii).
        sys.stdout.write(redact_text(text) + "\n")
        return
    if fmt is OutputFormat.CSV:
        keys = list(rows[0].keys()) if rows else list(columns)
        buffer = io.StringIO()
        # RFC 4180 line ends: a bare CR inside a cell is then quoted instead of splitting the row.
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(keys)
        for row in rows:
            writer.writerow([neutralize_cell(redact_text(csv_safe(_csv_cell(row.get(k)))))
                             for k in keys])
        sys.stdout.write(buffer.getvalue())
        return
    out = console()
    if not rows:
        out.print(f"[dim]{empty}[/dim]")
        return
    table = Table(title=terminal_safe(title) if title else None, show_lines=False)
    for column in columns:
        table.add_column(column.replace("_", " "))
    for row in rows:
        # Text, not str: a value is shown as it is, never read as Rich markup.
        table.add_row(*(Text(terminal_safe(redact_text(_cell(row.get(c))))) for c in columns))
    out.print(table)
