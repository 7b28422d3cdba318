"""Server-side SVG charts for the web pages: stacked weekly columns by category, a line of
counts over time. Responsive (viewBox, width 100%), labelled for screen readers (a title and a
description with the figures), every label XML-escaped; the template marks the result safe."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from html import escape

from tenure.evidence.svg import nice_ticks
from tenure.web.humane import compact

_FONT = 'font-family="system-ui, sans-serif" font-size="11" fill="#1b1f24"'
# Distinct at 3:1 against white and against each other (WCAG 1.4.11 non-text contrast).
PALETTE = {"admin": "#a4262c", "api": "#2f6fab", "usage": "#2f6fab", "chat": "#1d6b35",
           "code": "#7a5300", "login": "#6b3fa0", "critical": "#7d1a1f", "high": "#a4262c",
           "medium": "#9a5b00", "low": "#2f6fab", "info": "#5a6472"}
_FALLBACK = ("#2f6fab", "#1d6b35", "#7a5300", "#6b3fa0", "#a4262c", "#00677f", "#5a6472")


def colour(name: str, index: int) -> str:
    """The colour of a series (fixed for known categories and severities)."""
    return PALETTE.get(name, _FALLBACK[index % len(_FALLBACK)])


def stacked_columns(labels: Sequence[str], series: Mapping[str, Sequence[float]], *,
                    title: str, width: int = 720, height: int = 230) -> str:
    """One column per label, stacked by series, with a legend and compact y-axis figures."""
    left, right, top, bottom = 44, 8, 40, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    totals = [sum(values[i] for values in series.values()) for i in range(len(labels))]
    # even steps (0/10/20/30), whole numbers however small the figures
    ticks = nice_ticks(max(totals, default=0.0), at_least=4.0)
    top_value = ticks[-1]
    key = "c" + hashlib.sha1(title.encode(), usedforsecurity=False).hexdigest()[:8]
    described = "; ".join(f"{name}: {compact(sum(values))}" for name, values in series.items())
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" '
             f'aria-labelledby="{key}t {key}d" viewBox="0 0 {width} {height}" '
             'preserveAspectRatio="xMinYMin meet">'
             f'<title id="{key}t">{escape(title)}</title>'
             f'<desc id="{key}d">{escape(described or "no activity")}</desc>',
             f'<text x="0" y="13" {_FONT} font-weight="bold">{escape(title)}</text>']
    x = 0.0
    for index, name in enumerate(series):
        parts.append(f'<rect x="{x:.0f}" y="21" width="10" height="10" '
                     f'fill="{colour(name, index)}"/>')
        parts.append(f'<text x="{x + 14:.0f}" y="30" {_FONT}>{escape(name)}</text>')
        x += 22 + 7 * len(name)
    for tick in ticks:
        y = top + plot_h - plot_h * tick / top_value
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" '
                     'stroke="#d6dbe1"/>')
        parts.append(f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" {_FONT}>'
                     f"{compact(tick)}</text>")
    if not any(totals):
        parts.append(f'<text x="{left + plot_w / 2}" y="{top + plot_h / 2}" '
                     f'text-anchor="middle" {_FONT}>no activity in these weeks</text>')
    slot = plot_w / max(len(labels), 1)
    every = max(1, len(labels) // 6)
    for i, label in enumerate(labels):
        base = float(top + plot_h)
        for index, (name, values) in enumerate(series.items()):
            value = values[i]
            if value <= 0:
                continue
            h = plot_h * value / top_value
            base -= h
            parts.append(f'<rect x="{left + i * slot + slot * 0.12:.1f}" y="{base:.1f}" '
                         f'width="{slot * 0.76:.1f}" height="{h:.1f}" '
                         f'fill="{colour(name, index)}"><title>{escape(label)} {escape(name)}: '
                         f"{value:,.0f}</title></rect>")
        if i % every == 0:
            parts.append(f'<text x="{left + i * slot + slot / 2:.1f}" y="{height - 10}" '
                         f'text-anchor="middle" {_FONT}>{escape(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def columns(labels: Sequence[str], values: Sequence[float], *, title: str, name: str,
            width: int = 720, height: int = 200) -> str:
    """One series of columns (e.g. tokens per week)."""
    return stacked_columns(labels, {name: list(values)}, title=title, width=width,
                           height=height)
