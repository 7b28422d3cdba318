"""The Anthropic connector: fetch pages → transform → yield Batches, Gaps and completion.

Streams, in order: organization, users (accounts + org-role grants), invites, workspaces,
workspace members (explicit + inherited grants), API keys, per-key daily usage, Claude Code
analytics (``claude_code_sync``), service accounts and workload identity federation through
the OAuth plane (``nhi_sync``), and the Compliance activity feed (``feed_sync``). Snapshot
streams are re-listed each run (cheap, idempotent upserts) and marked complete only when listed
to the end; the three time-based streams are windowed and resume from the cursor committed with
their last page.

Data the organization does not have or this key may not read (403, 404, Compliance not enabled,
no workspaces, an outage that outlasted the retries) becomes a ``Gap`` for that record type, and
the other streams go on.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from tenure.connectors import pages
from tenure.connectors.anthropic import (
    agents_sync,
    claude_code_sync,
    enterprise_sync,
    feed_sync,
    fetch,
    keys,
    nhi_sync,
    transform,
)
from tenure.connectors.anthropic.config import AnthropicConfig
from tenure.connectors.base import (
    Batch,
    Note,
    RawPage,
    Record,
    StreamComplete,
    SyncContext,
    SyncItem,
    TenantInfo,
)
from tenure.connectors.http import (
    ApiError,
    HttpClient,
    Page,
    RetriesExhausted,
)
from tenure.connectors.incremental import Window, next_window, resume_pages
from tenure.model import Gap, Grant

GAP_STATUSES = frozenset({403, 404})
CHUNK = 5000
DAY = timedelta(days=1)

STREAM_USAGE = "usage"


@dataclass
class _Org:
    """What later streams need from earlier ones (bounded by the org's size, not its events)."""

    org_id: str
    roles: dict[str, str] = field(default_factory=dict)
    users_complete: bool = False
    active_workspaces: list[str] = field(default_factory=list)
    all_workspaces: list[str] = field(default_factory=list)
    workspaces_known: bool = False
    """True when the workspace listing is trustworthy (complete, or the org has none)."""
    default_workspace: str | None = None
    """The default workspace's real id, once a key reveals it (vendor-apis.md §1.9)."""


class AnthropicConnector:
    """Reads one Anthropic organization. ``http`` lets tests inject clocks or a transport."""

    def __init__(self, config: AnthropicConfig,
                 http: fetch.HttpOptions | None = None) -> None:
        self.config = config
        self.http = http or fetch.HttpOptions()
        self._clients: list[HttpClient] = []

    # -- entry point -----------------------------------------------------------------------

    def sync(self, ctx: SyncContext) -> Iterator[SyncItem]:
        """Yield everything this organization shows, stream by stream."""
        cfg = self.config
        key = fetch.admin_key(cfg, ctx.env)
        with fetch.make_client(cfg, key, options=self.http) as admin:
            self._clients = [admin]
            reader = fetch.AdminReader(admin, cfg.page_size, cfg.usage_days_per_page)
            org_doc = reader.organization()
            org = _Org(org_id=str(org_doc["id"]))
            yield TenantInfo(org.org_id, str(org_doc.get("name") or ""))
            now = ctx.clock.now()
            yield from self._guard(("account", "grant"), self._users(reader, org))
            yield from self._guard(("invite",), self._invites(reader, now))
            yield from self._guard(("workspace",), self._workspaces(reader, org))
            yield from self._guard(("grant",), self._members(reader, org))
            keys = claude_code_sync.KeyCollector()
            yield from self._guard(("credential",), keys.watch(self._api_keys(reader, org)))
            # Switched off, each Enterprise stream is still a Gap per type (never "no data").
            yield from enterprise_sync.enterprise(cfg, self.http, ctx, org.org_id,
                                                  self._clients)
            if cfg.usage:
                yield from self._guard(("usage",), self._usage(reader, ctx))
            if cfg.claude_code:
                yield from self._guard(("activity",),
                                       claude_code_sync.claude_code_usage(
                                           cfg, reader, ctx, keys.names()),
                                       what="Claude Code analytics")
            # Service accounts and federation: an OAuth org:admin plane of its own.
            yield from nhi_sync.streams(cfg, self.http, ctx, org.org_id, self._clients)
            if cfg.managed_agents:
                yield from agents_sync.managed_agents(
                    cfg, self.http, ctx,
                    org.active_workspaces if org.workspaces_known else None, self._clients,
                    organization_id=org.org_id)
        if cfg.activities:
            yield from feed_sync.activities(cfg, self.http, ctx, self._clients)
        yield from self._retry_notes()

    # -- helpers ---------------------------------------------------------------------------

    def _guard(self, record_types: Sequence[str], items: Iterator[SyncItem],
               what: str = "") -> Iterator[SyncItem]:
        """Turn "cannot read this" into Gaps for ``record_types``; anything else propagates."""
        prefix = f"{what}: " if what else ""
        try:
            yield from items
        except ApiError as exc:
            if exc.status not in GAP_STATUSES:
                raise
            reason = f"{exc.error_type} (HTTP {exc.status})"
            for record_type in record_types:
                yield Gap(record_type, reason, f"{prefix}{exc}")
        except RetriesExhausted as exc:
            for record_type in record_types:
                yield Gap(record_type, "unavailable after retries", f"{prefix}{exc}")
        yield from self._retry_notes()

    def _retry_notes(self) -> Iterator[SyncItem]:
        return pages.retry_notes(self._clients)

    @staticmethod
    def _raw(client: HttpClient, page: Page) -> RawPage:
        return pages.raw_page(client, page)

    @staticmethod
    def _transform(page: Page, fn: Any, *args: Any) -> list[Any]:
        return pages.transform_page(page, fn, *args)

    # -- snapshot streams ------------------------------------------------------------------

    def _users(self, reader: fetch.AdminReader, org: _Org) -> Iterator[SyncItem]:
        for page in reader.users():
            pairs, bad = pages.quarantine_page(page, transform.user_records, org.org_id,
                                               record_types=("account", "grant"))
            records: list[Record] = []
            for account, grant in pairs:
                org.roles[account.external_id] = account.role
                records += [account, grant]
            yield Batch("users", records, raw=self._raw(reader.client, page))
            yield from bad
        org.users_complete = True
        yield StreamComplete("account")

    def _invites(self, reader: fetch.AdminReader, now: datetime) -> Iterator[SyncItem]:
        for page in reader.invites():
            read, bad = pages.quarantine_page(page, transform.invite, now,
                                              record_types=("invite",))
            yield Batch("invites", [i for i in read if i is not None],
                        raw=self._raw(reader.client, page))
            yield from bad
        yield StreamComplete("invite")

    def _workspaces(self, reader: fetch.AdminReader, org: _Org) -> Iterator[SyncItem]:
        try:
            for page in reader.workspaces():
                spaces, bad = pages.quarantine_page(page, transform.workspace,
                                                    record_types=("workspace",))
                yield from bad
                for ws in spaces:
                    org.all_workspaces.append(ws.external_id)
                    if ws.archived_at is None:
                        org.active_workspaces.append(ws.external_id)
                yield Batch("workspaces", spaces, raw=self._raw(reader.client, page))
        except ApiError as exc:
            # 404: the org has no workspace feature (Claude Enterprise) — so it has no
            # workspace grants either, and grants can still be complete. 403 is unknown data.
            if exc.status == 404:
                org.workspaces_known = True
            raise
        org.workspaces_known = True
        if not org.all_workspaces:
            yield Gap("workspace", "no workspaces",
                      "the organization lists no workspaces (Claude Enterprise orgs have none)")
            return
        yield StreamComplete("workspace")

    def _members(self, reader: fetch.AdminReader, org: _Org) -> Iterator[SyncItem]:
        if not org.workspaces_known:
            yield Gap("grant", "workspaces unreadable",
                      "workspace role grants are unknown because workspaces could not be listed")
            return
        explicit: set[tuple[str, str, str]] = set()
        for ws in org.all_workspaces:
            try:
                for page in reader.members(ws):
                    grants: list[Grant] = []
                    read, bad = pages.quarantine_page(page, transform.member_grant, ws,
                                                      record_types=("grant",))
                    yield from bad
                    for grant in read:
                        ent = grant.entitlement
                        explicit.add((grant.account_id, ent.scope_id, ent.role))
                        grants.append(grant)
                    yield Batch("workspace_members", grants, raw=self._raw(reader.client, page))
            except ApiError as exc:
                # Workspaces are archived, never deleted, so a 404 here is unexpected for an
                # active one (a Gap via the guard); an archived one may simply not list members.
                if exc.status != 404 or ws in org.active_workspaces:
                    raise
        if not org.users_complete:
            return  # the users stream already recorded the grant Gap (org roles unknown)
        inherited = transform.inherited_grants(org.roles, org.active_workspaces, explicit)
        for start in range(0, len(inherited), CHUNK):
            yield Batch("workspace_members", inherited[start:start + CHUNK])
        yield StreamComplete("grant")

    def _api_keys(self, reader: fetch.AdminReader, org: _Org) -> Iterator[SyncItem]:
        owner_notes: list[str] = []
        for page in reader.api_keys():
            reads, bad = pages.quarantine_page(page, keys.api_key, org.default_workspace,
                                               record_types=("credential",))
            for read in reads:
                if read.default_workspace and org.default_workspace is None:
                    org.default_workspace = read.default_workspace
                if read.owner_note:
                    owner_notes.append(read.owner_note)
            yield Batch("api_keys", [r.credential for r in reads],
                        raw=self._raw(reader.client, page))
            yield from bad
        if owner_notes:
            # Never dropped silently: each key whose owner shape was not recognised is named.
            yield Note("unrecognised_key_owners", owner_notes[:100])
            yield Note("unrecognised_key_owner_count", len(owner_notes))
        yield StreamComplete("credential")

    # -- windowed streams ------------------------------------------------------------------

    def _state(self, ctx: SyncContext, stream: str) -> Window:
        if ctx.options.full:
            return Window()
        return Window.from_cursor(ctx.cursors.get(stream))

    def _usage(self, reader: fetch.AdminReader, ctx: SyncContext) -> Iterator[SyncItem]:
        """Per-key daily usage; the last day read stays open (today grows) and is re-read."""
        cfg = self.config
        tomorrow = transform.day_start(ctx.clock.today()) + DAY
        state = self._state(ctx, STREAM_USAGE)
        for _ in range(2):  # an unfinished window from an earlier run, then the new one
            window = next_window(state, now=tomorrow, lookback=timedelta(days=cfg.lookback_days),
                                 overlap=timedelta(days=cfg.usage_overlap_days))
            if window is None:
                return
            start, end = window.bounds()
            window = Window(window.high_water, _midnight(start), end, window.page)
            start = _midnight(start)
            done = window.finished(end - DAY)
            for page in resume_pages(partial(reader.usage, start, end), window.page):
                usage = [u for bucket in self._transform(page, transform.usage_bucket)
                         for u in bucket]
                cursor = window.at_page(page.next_cursor) if page.next_cursor else done
                yield Batch(STREAM_USAGE, usage, cursor=cursor.to_cursor(),
                            raw=self._raw(reader.client, page))
            if not state.open:
                return
            state = done  # a resumed window is done: now read from its end to today


def _midnight(value: datetime) -> datetime:
    return transform.day_start(value.date())
