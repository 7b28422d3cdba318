"""Reading the Compliance activity feed: its key, its auth header, its windows and cursors.

The feed has its own credential (a Compliance Access Key, else the Admin key when it carries
``read:compliance_activities``) and is read newest first, one bounded window at a time, each
page committed with the cursor that resumes after it (``connectors.incremental``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from functools import partial

from tenure.connectors import pages
from tenure.connectors.anthropic import feed, fetch
from tenure.connectors.anthropic.config import AnthropicConfig
from tenure.connectors.base import Batch, Note, SyncContext, SyncItem
from tenure.connectors.http import ApiError, HttpClient, Page, RetriesExhausted, feed_pages
from tenure.connectors.incremental import DescendingGuard, Window, next_window, resume_pages
from tenure.model import Gap

ACTIVITIES = "/v1/compliance/activities"
STREAM_ACTIVITIES = "activities"
GAP_STATUSES = frozenset({401, 403, 404})


def activity_pages(
    client: HttpClient, start: datetime, end: datetime, after_id: str | None, *,
    limit: int, activity_types: tuple[str, ...], organization_ids: tuple[str, ...] = (),
) -> Iterator[Page]:
    """The Compliance feed for ``[start, end)``, newest first, from ``after_id`` backwards."""
    params: list[tuple[str, str | int | bool]] = [
        ("created_at.gte", _rfc3339(start)), ("created_at.lt", _rfc3339(end)), ("limit", limit)]
    params += [("activity_types[]", t) for t in activity_types]
    params += [("organization_ids[]", o) for o in organization_ids]
    return feed_pages(client, ACTIVITIES, params, start=after_id)


def activities(config: AnthropicConfig, http: fetch.HttpOptions, ctx: SyncContext,
               clients: list[HttpClient]) -> Iterator[SyncItem]:
    """The Compliance feed, with its own key and auth header when configured.

    Every client built is appended to ``clients`` (for the run's retry notes)."""
    key = fetch.compliance_key(config, ctx.env)
    # The reference page shows "Authorization: Bearer", the guide shows "x-api-key" (both
    # vendor material): in "auto" mode try x-api-key and fall back to Bearer on a 401.
    schemes = {"auto": (False, True), "x-api-key": (False,), "bearer": (True,)}[
        config.compliance_auth]
    for index, bearer in enumerate(schemes):
        client = fetch.make_client(config, key, bearer=bearer, options=http)
        clients.append(client)
        started = False
        try:
            for item in _windows(config, client, ctx):
                started = True
                yield item
            return
        except ApiError as exc:
            if exc.status == 401 and not started and index + 1 < len(schemes):
                continue
            if exc.status not in GAP_STATUSES:
                raise
            hint = " (is the Compliance API enabled for this organization, and does the " \
                   "key carry read:compliance_activities?)"
            yield Gap("activity", f"{exc.error_type} (HTTP {exc.status})", f"{exc}{hint}")
            return
        except RetriesExhausted as exc:
            yield Gap("activity", "unavailable after retries", str(exc))
            return
        finally:
            client.close()


def _windows(config: AnthropicConfig, client: HttpClient, ctx: SyncContext
             ) -> Iterator[SyncItem]:
    now = ctx.clock.now()
    state = Window() if ctx.options.full else Window.from_cursor(
        ctx.cursors.get(STREAM_ACTIVITIES))
    filters = {"activity_types": sorted(config.activity_types),
               "organization_ids": sorted(config.organization_ids)}
    committed = ctx.cursors.get(STREAM_ACTIVITIES) or {}
    if committed and any(list(committed.get(k) or []) != v for k, v in filters.items()):
        # A filter changed: the high-water mark says nothing about the events now
        # wanted, so read the lookback again (stored events dedup).
        state = Window()
    unknown: set[str | None] = set()
    for _ in range(2):  # an unfinished window from an earlier run, then the new one
        window = next_window(state, now=now, lookback=timedelta(days=config.lookback_days),
                             overlap=timedelta(minutes=config.activity_overlap_minutes))
        if window is None:
            return
        start, end = window.bounds()
        guard = DescendingGuard(window, "compliance activity feed")
        read = partial(activity_pages, client, start, end, limit=config.activity_page_size,
                       activity_types=config.activity_types,
                       organization_ids=config.organization_ids)
        for page in resume_pages(read, window.page):
            events = pages.transform_page(page, feed.compliance_activity,
                                          config.admin_key_id)
            new = {feed.unknown_actor_type(o) for o in page.items
                   if isinstance(o, Mapping)} - {None} - unknown
            if new:  # kept as actor kind "unknown", and said on the run
                unknown |= new
                yield Note("activity_unknown_actor_types", sorted(k for k in unknown if k))
            for event in events:
                guard.check(event.external_id, event.occurred_at)
            cursor = window.at_page(page.next_cursor) if page.next_cursor else (
                window.finished())
            yield Batch(STREAM_ACTIVITIES, events, cursor={**cursor.to_cursor(), **filters},
                        raw=pages.raw_page(client, page))
        if not state.open:
            return
        # A resumed window is done; its newest part may have gained late-indexed events
        # since it was read, so the overlap before its end is read again, up to now.
        state = window.finished()


def _rfc3339(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")
