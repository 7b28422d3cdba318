"""Next fire times of a 5-field POSIX cron expression in an IANA time zone (the simulator's
``schedule.upcoming_runs_at``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_RANGES = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 6))


class CronError(ValueError):
    """An expression that is not a 5-field cron."""


def _field(text: str, low: int, high: int) -> frozenset[int]:
    out: set[int] = set()
    for part in text.split(","):
        step = 1
        if "/" in part:
            part, step_text = part.split("/", 1)
            step = int(step_text)
            if step < 1:
                raise CronError(f"bad step in {text!r}")
        if part == "*":
            start, end = low, high
        elif "-" in part:
            a, b = part.split("-", 1)
            start, end = int(a), int(b)
        else:
            start = end = int(part)
        if not (low <= start <= end <= high + (1 if high == 6 else 0)):
            raise CronError(f"{text!r} out of range {low}-{high}")
        out.update(v % 7 if high == 6 else v for v in range(start, end + 1, step))
    return frozenset(out)


def parse(expression: str) -> tuple[frozenset[int], ...]:
    """The five value sets (minute, hour, day of month, month, day of week; Sunday = 0)."""
    parts = expression.split()
    if len(parts) != 5:
        raise CronError("expected 5 fields: minute hour day-of-month month day-of-week")
    try:
        return tuple(_field(p, lo, hi) for p, (lo, hi) in zip(parts, _RANGES, strict=True))
    except ValueError as exc:
        raise CronError(str(exc)) from None


def zone(name: str) -> ZoneInfo:
    """An IANA zone or :class:`CronError`."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise CronError(f"unknown time zone {name!r}") from None


def upcoming(expression: str, timezone: str, after: datetime, count: int = 5) -> list[datetime]:
    """The next ``count`` fire times strictly after ``after`` (aware), as UTC."""
    minutes, hours, days, months, weekdays = parse(expression)
    tz = zone(timezone)
    any_day, any_weekday = len(days) == 31, len(weekdays) == 7
    t = after.astimezone(tz).replace(second=0, microsecond=0) + timedelta(minutes=1)
    out: list[datetime] = []
    limit = t + timedelta(days=366 * 5)
    while len(out) < count and t < limit:
        weekday = (t.weekday() + 1) % 7
        day_ok = True
        if not any_day and not any_weekday:
            day_ok = t.day in days or weekday in weekdays
        elif not any_day:
            day_ok = t.day in days
        elif not any_weekday:
            day_ok = weekday in weekdays
        if t.month not in months or not day_ok:
            t = (t + timedelta(days=1)).replace(hour=0, minute=0)
            continue
        if t.hour not in hours:
            t = (t + timedelta(hours=1)).replace(minute=0)
            continue
        if t.minute in minutes:
            out.append(t.astimezone(UTC))
        t += timedelta(minutes=1)
    return out
