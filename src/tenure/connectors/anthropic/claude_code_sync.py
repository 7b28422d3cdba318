"""Reading Claude Code analytics: one request sequence per UTC day, resumable inside a day.

The committed ``Window.page`` is ``DAY`` or ``DAY|token`` (the day being read and the vendor's
page token inside it).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from functools import partial

from tenure.connectors import pages
from tenure.connectors.anthropic import claude_code, fetch
from tenure.connectors.anthropic.config import AnthropicConfig
from tenure.connectors.anthropic.transform import day_start
from tenure.connectors.base import Batch, SyncContext, SyncItem
from tenure.connectors.incremental import Window, next_window, resume_pages
from tenure.model import Activity

STREAM_CLAUDE_CODE = "claude_code"
DAY = timedelta(days=1)


def claude_code_usage(config: AnthropicConfig, reader: fetch.AdminReader, ctx: SyncContext
                      ) -> Iterator[SyncItem]:
    """Claude Code analytics from the committed cursor (or the lookback) up to today."""
    tomorrow = day_start(ctx.clock.today()) + DAY
    state = Window() if ctx.options.full else Window.from_cursor(
        ctx.cursors.get(STREAM_CLAUDE_CODE))
    window = next_window(state, now=tomorrow, lookback=timedelta(days=config.lookback_days),
                         overlap=timedelta(days=1))
    if window is None:
        return
    start, _ = window.bounds()
    window = Window(window.high_water, day_start(start.date()), tomorrow, window.page)
    day, token = _day_token(window.page, start.date())
    done = window.finished(tomorrow - DAY)
    while day_start(day) < tomorrow:
        next_day = day + DAY
        for page in resume_pages(partial(reader.claude_code, day), token):
            seen: dict[str, Activity] = {}
            for act in pages.transform_page(page, claude_code.claude_code_activity):
                if act is not None:
                    seen.setdefault(act.external_id, act)
            if page.next_cursor:
                cursor = window.at_page(f"{day.isoformat()}|{page.next_cursor}")
            elif day_start(next_day) < tomorrow:
                cursor = window.at_page(next_day.isoformat())
            else:
                cursor = done
            if not seen and cursor is not done:
                # An empty day commits nothing: after a crash it is simply asked again,
                # which spares one transaction per idle day on a long first sync.
                continue
            yield Batch(STREAM_CLAUDE_CODE, list(seen.values()), cursor=cursor.to_cursor(),
                        raw=pages.raw_page(reader.client, page))
        day, token = next_day, None


def _day_token(page: str | None, default: date) -> tuple[date, str | None]:
    if not page:
        return default, None
    day_text, _, token = page.partition("|")
    return date.fromisoformat(day_text), token or None
