"""The one injectable clock: every "now" in Tenure comes from here (``--as-of``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time


@dataclass(frozen=True, slots=True)
class Clock:
    """A clock fixed at ``as_of`` when given, else the real UTC time."""

    as_of: datetime | None = None

    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        return self.as_of if self.as_of is not None else datetime.now(UTC)

    def today(self) -> date:
        """The current UTC date."""
        return self.now().date()


def parse_instant(text: str) -> datetime:
    """Parse an ISO date or date-time; naive values are taken as UTC.

    A bare date means the start of that day in UTC.
    """
    text = text.strip()
    if not text:
        raise ValueError("empty timestamp")
    if len(text) == 10:
        return datetime.combine(date.fromisoformat(text), time(0), tzinfo=UTC)
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return ensure_utc(value)


def utc_text(text: str) -> str:
    """An ISO/RFC 3339 instant as the canonical stored text ``YYYY-MM-DD HH:MM:SS.ffffff`` (UTC).

    The ingest hot path's timestamp form: validated like :func:`parse_instant` (a bad
    calendar value raises ``ValueError``), but several times cheaper than parsing to a datetime
    and formatting it with ``strftime``. Naive values are taken as UTC.
    """
    text = text.strip()
    if len(text) == 10:
        return f"{date.fromisoformat(text).isoformat()} 00:00:00.000000"
    return stored_text(datetime.fromisoformat(text))


def stored_text(value: datetime) -> str:
    """``value`` as the canonical stored text (see :func:`utc_text`); naive is taken as UTC."""
    if value.tzinfo is not None and value.utcoffset():
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None).isoformat(" ", "microseconds")


def from_utc_text(text: str) -> datetime:
    """The aware UTC datetime of a :func:`utc_text` string."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def ensure_utc(value: datetime) -> datetime:
    """Return ``value`` as timezone-aware UTC (naive values are taken as UTC)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def from_unix(seconds: float | int) -> datetime:
    """A Unix timestamp (seconds) as aware UTC."""
    return datetime.fromtimestamp(seconds, UTC)
