"""The package's human-readable report: one self-contained HTML file (inline CSS and SVG, no
script, no external URL), so it opens offline in any browser."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from tenure.evidence.package import (
    ChartSection,
    ManifestFile,
    PackageSpec,
    StreamSection,
    SummarySection,
    TableSection,
)
from tenure.evidence.tabular import Cell, Table

_ENV = Environment(
    loader=PackageLoader("tenure.evidence", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
)


def _cell(value: object) -> str:
    if value is None:
        return ""
    text = str(value)
    return text if len(text) <= 160 else text[:159] + "…"


@dataclass(frozen=True, slots=True)
class _TableView:
    """What the report shows of a table section (the files always hold all of it)."""

    title: str
    description: str
    query: str
    as_of: datetime | None
    files: tuple[str, str]
    total: int
    columns: tuple[str, ...]
    rows: list[tuple[Cell, ...]]
    hidden: tuple[str, ...]
    vertical: bool
    pairs: list[tuple[str, Cell]]


Previews = dict[str, tuple[list[tuple[Cell, ...]], int]]


def _view(t: TableSection | StreamSection, previews: Previews) -> _TableView:
    if isinstance(t, StreamSection):
        rows, total = previews.get(t.path, ([], 0))
        t = TableSection(t.path, t.title, t.description, Table(t.columns, rows), t.query,
                         t.as_of, t.report_rows, t.report_columns)
        files = (f"{t.path}.jsonl", f"{t.path}.csv")
    else:
        total = len(t.table.rows)
        files = (f"{t.path}.json", f"{t.path}.csv")
    table = t.table
    shown = t.report_columns or table.columns
    index = [table.columns.index(c) for c in shown]
    rows = [tuple(r[i] for i in index) for r in table.rows[:t.report_rows]]
    vertical = len(table.rows) == 1 and len(table.columns) > 6
    pairs = list(zip(table.columns, table.rows[0], strict=True)) if vertical else []
    hidden = tuple(c for c in table.columns if c not in shown)
    return _TableView(t.title, t.description, t.query, t.as_of, files, total,
                      tuple(shown), rows, () if vertical else hidden, vertical, pairs)


def render_report(spec: PackageSpec, files: Sequence[ManifestFile], *, key_id: str,
                  previews: Previews | None = None) -> str:
    """The report HTML for a package (SVG from :mod:`tenure.evidence.svg` is trusted markup,
    everything else is escaped)."""
    summary: list[tuple[str, str]] = []
    for s in spec.sections:
        if isinstance(s, SummarySection):
            summary.extend(s.items)
    charts = [ChartSection(c.title, Markup(c.svg))  # noqa: S704 - built by svg.py, escaped there
              for c in spec.sections if isinstance(c, ChartSection)]
    tables = [_view(t, previews or {}) for t in spec.sections
              if isinstance(t, TableSection | StreamSection)]
    return _ENV.get_template("report.html.j2").render(
        spec=spec, summary=summary, charts=charts, tables=tables, files=files, key_id=key_id,
        created=spec.created_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
        cell=_cell, utc=UTC)
