"""Resumable, time-windowed reading of event feeds and reports (platform-neutral).

A feed is read one bounded window ``[start, end)`` at a time. The committed cursor holds

- ``high_water``: every event before it is stored (the window boundary of the last *finished*
  window),
- ``start``/``end``: the window being read, when one is unfinished,
- ``page``: the vendor's page cursor inside that window (None = from its first page).

Each page of a window is committed with the cursor that resumes right after it, so a crash at
any point re-reads at most one page, and the stored events dedup by vendor id. The high-water
mark only moves when a window is read to its end, which is what makes this correct for feeds
that page *backwards* in time (Anthropic Compliance, OpenAI audit logs): an unfinished window
never lets a later window skip its older half. A new window starts a little before the
high-water mark (``overlap``) to catch events the vendor indexed late.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from tenure.clock import parse_instant
from tenure.connectors.http import ApiError, Page, PaginationError

log = logging.getLogger("tenure.connectors")


@dataclass(frozen=True, slots=True)
class Window:
    """The resume point of one windowed stream."""

    high_water: datetime | None = None
    start: datetime | None = None
    end: datetime | None = None
    page: str | None = None

    @property
    def open(self) -> bool:
        """True while a window is being read."""
        return self.start is not None and self.end is not None

    @classmethod
    def from_cursor(cls, cursor: Mapping[str, Any] | None) -> Window:
        """Parse a committed cursor; an unreadable cursor is an error, never a silent reset."""
        if not cursor:
            return cls()

        def when(key: str) -> datetime | None:
            value = cursor.get(key)
            return parse_instant(str(value)) if value else None

        page = cursor.get("page")
        return cls(high_water=when("high_water"), start=when("start"), end=when("end"),
                   page=str(page) if page else None)

    def to_cursor(self) -> dict[str, Any]:
        """The JSON form committed with a page."""
        def iso(value: datetime | None) -> str | None:
            return value.isoformat() if value else None

        return {"high_water": iso(self.high_water), "start": iso(self.start),
                "end": iso(self.end), "page": self.page}

    def bounds(self) -> tuple[datetime, datetime]:
        """(start, end) of an open window."""
        if self.start is None or self.end is None:
            raise ValueError("the window is not open")
        return self.start, self.end

    def at_page(self, page: str | None) -> Window:
        """Same window, resuming after a committed page."""
        return replace(self, page=page)

    def finished(self, high_water: datetime | None = None) -> Window:
        """The window was read to its end: advance the high-water mark and close it."""
        return Window(high_water=high_water or self.end)


def next_window(state: Window, *, now: datetime, lookback: timedelta,
                overlap: timedelta) -> Window | None:
    """The window to read next: the unfinished one, else ``[high_water - overlap, now)``.

    At ``now == high_water`` the overlap is still re-read (it may hold late-indexed events);
    None when the clock is behind the high-water mark.
    """
    if state.open:
        return state
    if state.high_water is None:
        start = now - lookback
    else:
        if state.high_water > now:  # the clock is behind the mark (--as-of in the past)
            return None
        # Lookback bounds the first sync only: after that, everything since the mark is read.
        start = state.high_water - overlap
    return Window(high_water=state.high_water, start=start, end=now, page=None)


class DescendingGuard:
    """Checks that a backwards-paged feed stays inside its window and never goes forward.

    A feed that returns events out of order or outside the requested window would make the
    high-water mark a lie, so it is an error rather than something to paper over.
    """

    def __init__(self, window: Window, label: str) -> None:
        self.window = window
        self.label = label
        self.last: datetime | None = None

    def check(self, event_id: str, occurred_at: datetime) -> None:
        """Raise ``PaginationError`` when ``occurred_at`` breaks the order or the window."""
        start, end = self.window.start, self.window.end
        if (start is not None and occurred_at < start) or (end is not None and occurred_at >= end):
            raise PaginationError(
                f"{self.label}: event {event_id} at {occurred_at.isoformat()} is outside the "
                f"requested window [{start}, {end})")
        if self.last is not None and occurred_at > self.last:
            raise PaginationError(
                f"{self.label}: event {event_id} at {occurred_at.isoformat()} is newer than the "
                f"event before it ({self.last.isoformat()}); the feed is out of order")
        self.last = occurred_at


def resume_pages(pages: Callable[[str | None], Iterator[Page]],
                 cursor: str | None) -> Iterator[Page]:
    """The pages of a window from a committed page cursor.

    Vendor cursors are opaque and may expire or be refused (a 400 for a cursor reused with
    other filters is documented for Anthropic's analytics). A cursor refused on the *first*
    request restarts the window from its first page: re-reading is safe (dedup by vendor id),
    being stuck on a dead cursor forever is not.
    """
    if cursor is None:
        yield from pages(None)
        return
    started = False
    try:
        for page in pages(cursor):
            started = True
            yield page
    except ApiError as exc:
        if started or exc.status != 400:
            raise
        log.warning("committed cursor refused (%s); re-reading the window from its start",
                    exc.vendor_message)
        yield from pages(None)
