"""Small server-side SVG charts for the offline HTML report (no script, no external assets).

Every label is XML-escaped here; the template marks the result safe.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

_FONT = 'font-family="system-ui, sans-serif" font-size="11"'
_BAR = "#2f6fab"


def nice_ticks(value: float, *, at_least: float = 1.0, count: int = 4) -> list[float]:
    """Even axis ticks from 0 to a round top at or above ``value``: about ``count`` steps of
    1, 2 or 5 times a power of ten (0/10/20/30/40, never 0/12.5/25/37.5/50)."""
    value = max(value, at_least)
    raw = value / count
    magnitude = 10.0 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if raw <= m * magnitude)
    if at_least >= count and step < 1:
        step = 1.0
    steps = max(1, math.ceil(value / step - 1e-9))
    return [round(step * i, 10) for i in range(steps + 1)]


def column_chart(points: Sequence[tuple[str, float]], *, title: str, width: int = 720,
                 height: int = 220) -> str:
    """Vertical columns, one per point (e.g. events per day), with a y axis and sparse labels."""
    left, right, top, bottom = 48, 12, 24, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    ticks = nice_ticks(max((v for _, v in points), default=0.0), at_least=4.0)
    top_value = ticks[-1]
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}"><title>{escape(title)}</title>',
             f'<text x="{left}" y="14" {_FONT} font-weight="bold">{escape(title)}</text>']
    for value in ticks:
        y = top + plot_h - plot_h * value / top_value
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" '
                     'stroke="#ddd"/>')
        parts.append(f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" {_FONT}>'
                     f"{value:,.0f}</text>")
    if not points:
        parts.append(f'<text x="{left + plot_w / 2}" y="{top + plot_h / 2}" '
                     f'text-anchor="middle" {_FONT}>no data in this period</text>')
    slot = plot_w / max(len(points), 1)
    every = max(1, len(points) // 8)
    for i, (label, value) in enumerate(points):
        h = plot_h * value / top_value
        x = left + i * slot
        parts.append(f'<rect x="{x + slot * 0.1:.1f}" y="{top + plot_h - h:.1f}" '
                     f'width="{max(slot * 0.8, 0.5):.1f}" height="{h:.1f}" fill="{_BAR}">'
                     f"<title>{escape(label)}: {value:,.0f}</title></rect>")
        if i % every == 0:
            parts.append(f'<text x="{x + slot / 2:.1f}" y="{height - bottom + 14}" '
                         f'text-anchor="middle" {_FONT}>{escape(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(points: Sequence[tuple[str, float]], *, title: str, width: int = 720,
              bar_height: int = 18) -> str:
    """Horizontal bars with their labels and values (e.g. events by kind)."""
    label_w, top = 220, 24
    height = top + max(len(points), 1) * (bar_height + 6) + 8
    plot_w = width - label_w - 70
    top_value = max((v for _, v in points), default=0.0) or 1.0
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}"><title>{escape(title)}</title>',
             f'<text x="0" y="14" {_FONT} font-weight="bold">{escape(title)}</text>']
    if not points:
        parts.append(f'<text x="0" y="{top + 14}" {_FONT}>no data in this period</text>')
    for i, (label, value) in enumerate(points):
        y = top + i * (bar_height + 6)
        w = plot_w * value / top_value
        shown = label if len(label) <= 34 else label[:33] + "…"
        parts.append(f'<text x="{label_w - 6}" y="{y + bar_height - 5}" text-anchor="end" '
                     f"{_FONT}>{escape(shown)}</text>")
        parts.append(f'<rect x="{label_w}" y="{y}" width="{max(w, 1):.1f}" '
                     f'height="{bar_height}" fill="{_BAR}"><title>{escape(label)}: '
                     f"{value:,.0f}</title></rect>")
        parts.append(f'<text x="{label_w + w + 6:.1f}" y="{y + bar_height - 5}" {_FONT}>'
                     f"{value:,.0f}</text>")
    parts.append("</svg>")
    return "".join(parts)
