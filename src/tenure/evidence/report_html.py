"""The package's human-readable report: one self-contained HTML file (inline CSS and SVG, no
script, no external URL), so it opens offline in any browser."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from tenure.evidence.package import (
    ChartSection,
    ManifestFile,
    PackageSpec,
    SummarySection,
    TableSection,
)

_ENV = Environment(
    loader=PackageLoader("tenure.evidence", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
)


def _cell(value: object) -> str:
    if value is None:
        return ""
    text = str(value)
    return text if len(text) <= 160 else text[:159] + "…"


def render_report(spec: PackageSpec, files: Sequence[ManifestFile], *, key_id: str) -> str:
    """The report HTML for a package (SVG from :mod:`tenure.evidence.svg` is trusted markup,
    everything else is escaped)."""
    summary: list[tuple[str, str]] = []
    for s in spec.sections:
        if isinstance(s, SummarySection):
            summary.extend(s.items)
    charts = [ChartSection(c.title, Markup(c.svg))  # noqa: S704 - built by svg.py, escaped there
              for c in spec.sections if isinstance(c, ChartSection)]
    tables = [t for t in spec.sections if isinstance(t, TableSection)]
    return _ENV.get_template("report.html.j2").render(
        spec=spec, summary=summary, charts=charts, tables=tables, files=files, key_id=key_id,
        created=spec.created_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
        cell=_cell, utc=UTC)
