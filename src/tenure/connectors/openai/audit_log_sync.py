"""Reading the OpenAI audit logs: windows, cursors and the effective_at filter fallback.

The audit logs are read newest first, one bounded window at a time, each page committed with the
cursor that resumes after it (``connectors.incremental``).

Two streams, each with its own cursor: ``audit_logs`` (the organization's events) and
``audit_logs_tenant`` (tenant-scoped ``tenant.*`` events, which the API returns only when asked
with ``tenant_only=true`` and never mixed with the others in one request).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta

from tenure.connectors.base import Batch, Note, SyncContext, SyncItem
from tenure.connectors.http import ApiError, HttpClient, Page, openai_list_pages
from tenure.connectors.incremental import DescendingGuard, Window, next_window
from tenure.connectors.openai import audit_log
from tenure.connectors.openai.config import OpenAIConfig
from tenure.connectors.openai.fetch import AUDIT_LOGS, unix
from tenure.connectors.pages import raw_page, transform_page
from tenure.model import Activity, Gap

STREAM_AUDIT = "audit_logs"
STREAM_TENANT = "audit_logs_tenant"


def audit_log_pages(client: HttpClient, page_size: int, start: datetime | None,
                    end: datetime | None, after: str | None, *, tenant_only: bool = False
                    ) -> Iterator[Page]:
    """Audit logs, newest first, from ``after`` backwards; unfiltered when start is None.

    ``tenant_only``: the tenant-scoped events instead of the organization's."""
    params: list[tuple[str, str | int | bool]] = []
    if start is not None and end is not None:
        params = [("effective_at[gte]", unix(start)), ("effective_at[lt]", unix(end))]
    if tenant_only:
        params.append(("tenant_only", "true"))
    params.append(("limit", page_size))
    return openai_list_pages(client, AUDIT_LOGS, params, start=after)


class AuditLogStream:
    """One audit-log stream of one connector (remembers whether the time filter is honoured).

    ``tenant``: the tenant-scoped stream (``tenant_only=true``, its own cursor)."""

    def __init__(self, config: OpenAIConfig, *, tenant: bool = False) -> None:
        self.config = config
        self.tenant = tenant
        self.stream = STREAM_TENANT if tenant else STREAM_AUDIT
        self.filtered = True
        self.unknown_actors: set[str | None] = set()

    def sync(self, client: HttpClient, ctx: SyncContext) -> Iterator[SyncItem]:
        """Audit logs from the committed cursor (or the lookback) up to now."""
        if not self.tenant:
            yield from self._sync(client, ctx)
            return
        try:
            yield from self._sync(client, ctx)
        except ApiError as exc:
            if exc.status != 400:
                raise
            # Refusing tenant_only is not "no tenant events": what it hides is unknown.
            yield Gap("activity", f"tenant-scoped audit events refused (HTTP {exc.status})",
                      f"tenant_only=true: {exc}")

    def _sync(self, client: HttpClient, ctx: SyncContext) -> Iterator[SyncItem]:
        cfg = self.config
        now = ctx.clock.now()
        state = Window() if ctx.options.full else Window.from_cursor(
            ctx.cursors.get(self.stream))
        for _ in range(2):  # an unfinished window from an earlier run, then the new one
            window = next_window(state, now=now, lookback=timedelta(days=cfg.lookback_days),
                                 overlap=timedelta(minutes=cfg.audit_overlap_minutes))
            if window is None:
                return
            yield from self._window(client, window)
            if not state.open:
                return
            # A resumed window is done; its newest part may have gained late-indexed events
            # since it was read, so the overlap before its end is read again, up to now.
            state = window.finished()

    def _window(self, client: HttpClient, window: Window) -> Iterator[SyncItem]:
        """One window of the audit logs, newest first.

        The bracket form ``effective_at[gte]=`` is the documented serialisation of the filter
        but unverified: a 400 on the first page makes the connector read unfiltered instead,
        keeping events inside the window itself and stopping at the first older one.
        """
        start, end = window.bounds()
        guard = DescendingGuard(window, f"OpenAI {self.stream}")
        first = True
        try:
            pages = audit_log_pages(client, self.config.page_size,
                                    start if self.filtered else None, end, window.page,
                                    tenant_only=self.tenant)
            for page in pages:
                first = False
                new = {audit_log.unknown_actor_type(o) for o in page.items
                       if isinstance(o, Mapping)} - {None} - self.unknown_actors
                if new:  # kept as actor kind "unknown", and said on the run
                    self.unknown_actors |= new
                    yield Note(f"{self.stream}_unknown_actor_types",
                               sorted(k for k in self.unknown_actors if k))
                kept: list[Activity] = []
                past = False
                for event in transform_page(page, audit_log.audit_activity,
                                            self.config.admin_key_id):
                    if event.occurred_at >= end:
                        continue  # newer than the window: only an unhonoured filter sends it
                    if event.occurred_at < start:
                        past = True
                        break
                    guard.check(event.external_id, event.occurred_at)
                    kept.append(event)
                cursor = window.finished() if past or not page.next_cursor else (
                    window.at_page(page.next_cursor))
                yield Batch(self.stream, kept, cursor=cursor.to_cursor(),
                            raw=raw_page(client, page))
                if past:
                    return
        except ApiError as exc:
            # A resumed page cursor is an event id, valid in the unfiltered listing too.
            if not (first and exc.status == 400 and self.filtered):
                raise
            self.filtered = False
            yield Note(f"{self.stream}_filter", "effective_at[...] refused (HTTP 400); read "
                       "unfiltered and windowed client-side")
            yield from self._window(client, window)
