"""Rendering records as a Rich table, JSON or CSV (spreadsheet formulas neutralised)."""

from __future__ import annotations

import csv
import io
import json
import re
import sys
from collections.abc import Mapping, Sequence
from contextvars import ContextVar
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


# Per invocation (set by the root callback from ``--wide``), not process-wide state.
_WIDE: ContextVar[bool] = ContextVar("tenure_cli_wide", default=False)


def set_wide(flag: bool) -> None:
    """Show every table column for this invocation (``tenure --wide``)."""
    _WIDE.set(flag)


def _wide_requested() -> bool:
    return _WIDE.get()


def _is_id(column: str) -> bool:
    return column in ("id", "sha256", "hash") or column.endswith(("_id", "_hash"))


def render(
    rows: Sequence[Mapping[str, Any]], columns: Sequence[str], fmt: OutputFormat,
    *, title: str | None = None, empty: str = "nothing to show",
    wide: Sequence[str] = (), limit: int | None = None,
) -> None:
    """Print ``rows`` in ``fmt``; JSON and CSV carry every column, tables the listed ones.

    Tables fit 80 columns: ids are never truncated or wrapped (copy them whole), other
    cells wrap; the ``wide`` columns show only with ``tenure --wide``. With ``limit`` a
    table shows that many rows and says how many more ``--format json|csv`` would list."""
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
    everything = _wide_requested()
    shown = [c for c in columns if c not in wide or everything]
    listed = rows if limit is None else rows[:limit]
    longest = {c: max([len(_cell(r.get(c))) for r in listed] + [len(c)]) for c in shown}

    def need(column: str) -> int:
        whole = _is_id(column) or longest[column] <= 16
        return (longest[column] if whole else min(longest[column], 14)) + 3

    # Fit the terminal: drop trailing columns that are not ids (they stay in --wide, JSON
    # and CSV) rather than squeezing every cell to a few characters.
    while not everything and len(shown) > 2 and sum(map(need, shown)) > out.width:
        droppable = [c for c in shown[2:] if not _is_id(c)]
        if not droppable:
            break
        shown.remove(droppable[-1])
    table = Table(title=terminal_safe(title) if title else None, show_lines=False,
                  pad_edge=False, collapse_padding=True)
    for column in shown:
        if _is_id(column) or longest[column] <= 16:
            # Ids whole (to copy them), and short values (dates, statuses, counts) unbroken.
            table.add_column(column.replace("_", " "), no_wrap=True,
                             min_width=longest[column])
        else:
            table.add_column(column.replace("_", " "), overflow="fold",
                             min_width=min(longest[column], 14))
    for row in listed:
        # Text, not str: a value is shown as it is, never read as Rich markup.
        table.add_row(*(Text(terminal_safe(redact_text(_cell(row.get(c))))) for c in shown))
    out.print(table)
    if len(listed) < len(rows):
        out.print(f"[dim]… {len(rows) - len(listed)} more; --format json or csv lists all "
                  f"{len(rows)}[/dim]")
    hidden = [c for c in columns if c not in shown]
    if hidden:
        out.print(f"[dim]more columns with tenure --wide: {', '.join(hidden)}[/dim]")
