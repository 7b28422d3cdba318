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
from tenure.connectors.base import Batch, Note, StreamComplete, SyncContext, SyncItem
from tenure.connectors.incremental import Window, next_window, resume_pages
from tenure.model import Activity, Credential

STREAM_CLAUDE_CODE = "claude_code"
DAY = timedelta(days=1)


class KeyCollector:
    """Keeps the API keys a key listing yields, to resolve Claude Code key names with."""

    def __init__(self) -> None:
        self.keys: list[Credential] = []
        self.complete = False

    def watch(self, items: Iterator[SyncItem]) -> Iterator[SyncItem]:
        """Pass the listing's items through, keeping its keys and whether it completed."""
        for item in items:
            if isinstance(item, Batch):
                self.keys.extend(r for r in item.records if isinstance(r, Credential))
            elif isinstance(item, StreamComplete) and item.record_type == "credential":
                self.complete = True
            yield item

    def names(self) -> claude_code.KeyNames:
        """The active keys by name; unknown unless the listing was read to its end (a name
        missing from half a listing proves nothing)."""
        return claude_code.KeyNames.of(self.keys) if self.complete else claude_code.KeyNames(None)


def claude_code_usage(config: AnthropicConfig, reader: fetch.AdminReader, ctx: SyncContext,
                      keys: claude_code.KeyNames) -> Iterator[SyncItem]:
    """Claude Code analytics from the committed cursor (or the lookback) up to today.

    ``keys`` resolves API-key actors (named by key name) to key ids; names left unresolved
    are reported in the run's ``claude_code_unresolved_keys`` note."""
    unresolved: dict[str, str] = {}
    yield from _days(config, reader, ctx, keys, unresolved)
    if unresolved:
        yield Note("claude_code_unresolved_keys", {
            name or "(no name)": str(why) for name, why in sorted(unresolved.items())})


def _days(config: AnthropicConfig, reader: fetch.AdminReader, ctx: SyncContext,
          keys: claude_code.KeyNames, unresolved: dict[str, str]) -> Iterator[SyncItem]:
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
        day_reader = claude_code.DayReader(keys)
        for page in resume_pages(partial(reader.claude_code, day), token):
            seen: dict[str, Activity] = {}
            for act in pages.transform_page(page, day_reader.activity):
                if act is not None:
                    seen.setdefault(act.external_id, act)
            unresolved.update({k: str(v) for k, v in day_reader.unresolved.items()})
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
