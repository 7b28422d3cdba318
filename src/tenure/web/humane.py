"""Dates and numbers as people read them: "3 days ago" with the exact time on hover, 15.8M."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape


def _parse(value: object) -> datetime | date | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def relative(then: datetime | date, now: datetime) -> str:
    """"3 days ago", "in 2 weeks", "today" for a date."""
    if isinstance(then, datetime):
        seconds = (now - then).total_seconds()
    else:
        seconds = (now.date() - then).days * 86400.0
        if seconds == 0:
            return "today"
    future, seconds = seconds < 0, abs(seconds)
    for size, unit in ((365 * 86400, "year"), (30 * 86400, "month"), (7 * 86400, "week"),
                       (86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size:
            n = int(seconds // size)
            text = f"{n} {unit}{'s' if n != 1 else ''}"
            return f"in {text}" if future else f"{text} ago"
    return "just now"


def exact(value: datetime | date) -> str:
    """The exact time, UTC."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return value.isoformat()


@pass_context
def ago(ctx: Context, value: object, never: str = "never") -> Markup:
    """A ``<time>`` reading "3 days ago" with the exact UTC time as its title."""
    when = _parse(value)
    if when is None:
        return escape(never)
    now: datetime = ctx.get("now") or datetime.now(UTC)
    iso = when.isoformat()
    return Markup('<time datetime="{}" title="{}">{}</time>').format(
        iso, exact(when), relative(when, now))


@pass_context
def recorded_ago(ctx: Context, value: object, never: str = "never") -> Markup:
    """Like ``ago`` for something Tenure recorded (ledger, checks runs): those carry the wall
    clock, so they are read against it, not against the ``--as-of`` evaluation clock."""
    return ago(ctx.derived({"now": ctx.get("wall") or datetime.now(UTC)}), value, never)


def compact(value: Any) -> str:
    """1234 → 1.2k, 15_800_000 → 15.8M (exact figures stay in tables and exports)."""
    try:
        n = float(value)
    except (TypeError, ValueError):
        return "—"
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(n) >= size:
            text = f"{n / size:.1f}".rstrip("0").rstrip(".")
            return f"{text}{suffix}"
    return f"{n:,.0f}"


DECISION_LABELS = {"keep": "Keep", "revoke": "Revoke", "reduce": "Reduce",
                   "dont_know": "Don't know"}


def decision_label(value: object) -> str:
    """A review decision as a reviewer reads it ("Don't know", not "dont know")."""
    text = str(value or "")
    return DECISION_LABELS.get(text, text.replace("_", " "))
