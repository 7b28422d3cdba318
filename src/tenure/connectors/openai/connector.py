"""The OpenAI connector: fetch pages → transform → yield Batches, Gaps and completion.

Streams, in order: users (accounts, org-role grants, last key use), invites, projects, then per
project its users (grants), service accounts (accounts + grants) and API keys, then admin keys,
per-key daily usage and the audit logs (``audit_log_sync``). Groups, roles and role
assignments are read after the keys by ``rbac_sync``. Snapshot streams are re-listed each
run and a record type is marked complete only when *every* listing that feeds it was read to the
end (accounts come from users and from every project's service accounts; grants from users,
project users and service accounts; credentials from every project's keys and the admin keys).
Usage and audit logs are windowed and resume from the cursor committed with their last page.

Data this key may not read (403, 404, an outage that outlasted the retries) becomes a ``Gap``
for that record type and the other streams go on.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta

from tenure.connectors.base import (
    Batch,
    Note,
    Record,
    StreamComplete,
    SyncContext,
    SyncItem,
    TenantInfo,
)
from tenure.connectors.http import ApiError, HttpClient, Page, RetriesExhausted
from tenure.connectors.incremental import Window, next_window
from tenure.connectors.openai import audit_log_sync, fetch, keys, transform
from tenure.connectors.openai.config import OpenAIConfig
from tenure.connectors.openai.rbac_fetch import RbacReader
from tenure.connectors.openai.rbac_sync import OrgView, RbacStreams
from tenure.connectors.pages import quarantine_page, raw_page, retry_notes, transform_page
from tenure.model import Gap

GAP_STATUSES = frozenset({403, 404})
DAY = timedelta(days=1)

STREAM_USAGE = "usage"

Listing = Generator[SyncItem, None, bool]
"""A guarded listing: yields items, returns True when it was read to the end."""


@dataclass
class _Org:
    """What later streams need from earlier ones (bounded by the org's size, not its events)."""

    org_id: str
    projects: list[str] = field(default_factory=list)
    archived: set[str] = field(default_factory=set)
    complete: dict[str, bool] = field(default_factory=lambda: {
        "account": True, "grant": True, "credential": True})
    key_filter: keys.AdminKeyFilter = field(default_factory=keys.AdminKeyFilter)
    view: OrgView = field(default_factory=OrgView)
    """Users and project members, for the groups/roles streams (``rbac_sync``)."""

    def lost(self, *record_types: str) -> None:
        for record_type in record_types:
            self.complete[record_type] = False


class OpenAIConnector:
    """Reads one OpenAI organization. ``http`` lets tests inject clocks or a transport."""

    def __init__(self, config: OpenAIConfig, http: fetch.HttpOptions | None = None) -> None:
        self.config = config
        self.http = http or fetch.HttpOptions()
        self._clients: list[HttpClient] = []
        self._audit = audit_log_sync.AuditLogStream(config)
        self._tenant_audit = audit_log_sync.AuditLogStream(config, tenant=True)

    def sync(self, ctx: SyncContext) -> Iterator[SyncItem]:
        """Yield everything this organization shows, stream by stream."""
        cfg = self.config
        key = fetch.admin_key(cfg, ctx.env)
        with fetch.make_client(cfg, key, options=self.http) as client:
            self._clients = [client]
            reader = fetch.AdminReader(client, cfg.page_size)
            org = _Org(org_id=cfg.tenant)
            yield TenantInfo(org.org_id)
            now = ctx.clock.now()
            if not (yield from self._guard(("account", "grant"), self._users(reader, org))):
                org.lost("account", "grant")
            yield from self._guard(("invite",), self._invites(reader, now))
            if not (yield from self._guard(("workspace",), self._projects(reader, org))):
                org.lost("account", "grant", "credential")
                for record_type in ("account", "grant", "credential"):
                    yield Gap(record_type, "projects unreadable",
                              "project roles, service accounts and project keys are unknown "
                              "because projects could not be listed")
            for project_id in org.projects:
                yield from self._project(reader, org, project_id)
            if cfg.admin_keys and not (yield from self._guard(
                    ("credential",), self._admin_keys(reader, org), what="admin API keys")):
                org.lost("credential")
            for record_type, complete in org.complete.items():
                if complete:
                    yield StreamComplete(record_type)
            if cfg.rbac:
                org.view.projects, org.view.archived = org.projects, org.archived
                yield from RbacStreams(RbacReader(client, cfg.page_size), self._guard,
                                       concurrency=cfg.fanout_concurrency).sync(org.view)
            if cfg.usage:
                yield from self._guard(("usage",), self._usage(reader, ctx))
            if cfg.audit_logs:
                yield from self._guard(("activity",), self._audit.sync(client, ctx),
                                       what="audit logs (is audit logging turned on?)")
                if cfg.tenant_audit_logs:
                    yield from self._guard(("activity",), self._tenant_audit.sync(client, ctx),
                                           what="tenant-scoped audit logs (tenant_only=true)")
        yield from retry_notes(self._clients)

    # -- helpers ---------------------------------------------------------------------------

    def _guard(self, record_types: Sequence[str], items: Iterator[SyncItem],
               what: str = "") -> Listing:
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
            return False
        except RetriesExhausted as exc:
            for record_type in record_types:
                yield Gap(record_type, "unavailable after retries", f"{prefix}{exc}")
            return False
        return True

    def _batch(self, stream: str, records: Sequence[Record], client: HttpClient, page: Page,
               cursor: Window | None = None) -> Batch:
        return Batch(stream, list(records), cursor=cursor.to_cursor() if cursor else None,
                     raw=raw_page(client, page))

    # -- snapshot streams ------------------------------------------------------------------

    def _users(self, reader: fetch.AdminReader, org: _Org) -> Iterator[SyncItem]:
        for page in reader.users():
            records: list[Record] = []
            read, bad = quarantine_page(page, transform.user_records, org.org_id,
                                        record_types=("account", "grant"))
            for account, grant, used in read:
                records += [account, grant]
                org.view.users.append(account.external_id)
                if used is not None:
                    records.append(used)
            yield self._batch("users", records, reader.client, page)
            yield from bad

    def _invites(self, reader: fetch.AdminReader, now: datetime) -> Iterator[SyncItem]:
        for page in reader.invites():
            read, bad = quarantine_page(page, transform.invite, now, record_types=("invite",))
            yield self._batch("invites", [i for i in read if i is not None], reader.client,
                              page)
            yield from bad
        yield StreamComplete("invite")

    def _projects(self, reader: fetch.AdminReader, org: _Org) -> Iterator[SyncItem]:
        for page in reader.projects():
            projects, bad = quarantine_page(page, transform.project,
                                            record_types=("workspace",))
            yield from bad
            for proj in projects:
                org.projects.append(proj.external_id)
                if proj.archived_at is not None:
                    org.archived.add(proj.external_id)
            yield self._batch("projects", projects, reader.client, page)
        yield StreamComplete("workspace")

    def _project(self, reader: fetch.AdminReader, org: _Org, project_id: str
                 ) -> Iterator[SyncItem]:
        """Members, service accounts and keys of one project, each listing guarded."""
        what = f"project {project_id}"
        listings = (
            (("grant",), self._project_users(reader, org, project_id)),
            (("account", "grant"), self._service_accounts(reader, project_id)),
            (("credential",), self._project_keys(reader, org, project_id)),
        )
        for record_types, listing in listings:
            ok = yield from self._guard(record_types, self._tolerate_archived(
                listing, org, project_id), what=what)
            if not ok:
                org.lost(*record_types)

    @staticmethod
    def _tolerate_archived(items: Iterator[SyncItem], org: _Org, project_id: str
                           ) -> Iterator[SyncItem]:
        # An archived project may no longer list its members or keys (unverified): a 404
        # there means nothing is left in it; for an active project it is a Gap.
        try:
            yield from items
        except ApiError as exc:
            if exc.status != 404 or project_id not in org.archived:
                raise

    def _project_users(self, reader: fetch.AdminReader, org: _Org, project_id: str
                       ) -> Iterator[SyncItem]:
        for page in reader.project_users(project_id):
            grants, bad = quarantine_page(page, transform.project_user_grant, project_id,
                                          record_types=("grant",))
            org.view.members.setdefault(project_id, []).extend(g.account_id for g in grants)
            yield self._batch("project_users", grants, reader.client, page)
            yield from bad

    def _service_accounts(self, reader: fetch.AdminReader, project_id: str
                          ) -> Iterator[SyncItem]:
        for page in reader.service_accounts(project_id):
            records: list[Record] = []
            read, bad = quarantine_page(page, transform.service_account_records, project_id,
                                        record_types=("account", "grant"))
            for account, grant in read:
                records.append(account)
                if grant is not None:
                    records.append(grant)
            yield self._batch("service_accounts", records, reader.client, page)
            yield from bad

    def _project_keys(self, reader: fetch.AdminReader, org: _Org, project_id: str
                      ) -> Iterator[SyncItem]:
        for page in reader.api_keys(project_id):
            read, bad = quarantine_page(page, keys.project_api_key, project_id,
                                        record_types=("credential",))
            org.key_filter.saw_project_keys(read)
            yield self._batch("api_keys", read, reader.client, page)
            yield from bad
        if project_id in reader.narrowed:
            # No silent narrowing: the fallback listing cannot show keys whose owner lost
            # project access, so those keys are unknown and none may be retired.
            org.lost("credential")
            yield Gap("credential", "narrower key listing",
                      f"project {project_id}: the server refused owner_project_access=any, "
                      "so its keys were listed in the default form, which does not show keys "
                      "whose owner lost project access (the orphaned-key signal)")

    def _admin_keys(self, reader: fetch.AdminReader, org: _Org) -> Iterator[SyncItem]:
        for page in reader.admin_keys():
            read, bad = quarantine_page(page, keys.admin_api_key, record_types=("credential",))
            yield self._batch("admin_api_keys", org.key_filter.admin_keys(read), reader.client,
                              page)
            yield from bad
        overlap = org.key_filter.note()
        if overlap is not None:
            yield Note("admin_key_listing_overlap", overlap)

    # -- windowed streams ------------------------------------------------------------------

    def _state(self, ctx: SyncContext, stream: str) -> Window:
        if ctx.options.full:
            return Window()
        return Window.from_cursor(ctx.cursors.get(stream))

    def _usage(self, reader: fetch.AdminReader, ctx: SyncContext) -> Iterator[SyncItem]:
        """Per-key daily usage; the last day read stays open (today grows) and is re-read."""
        cfg = self.config
        tomorrow = _midnight(ctx.clock.now()) + DAY
        state = self._state(ctx, STREAM_USAGE)
        for _ in range(2):  # an unfinished window from an earlier run, then the new one
            window = next_window(state, now=tomorrow, lookback=timedelta(days=cfg.lookback_days),
                                 overlap=timedelta(days=cfg.usage_overlap_days))
            if window is None:
                return
            start, end = window.bounds()
            window = Window(window.high_water, _midnight(start), end, window.page)
            done = window.finished(end - DAY)
            for page in reader.usage(_midnight(start), end, window.page):
                usage = [u for bucket in transform_page(page, transform.usage_bucket)
                         for u in bucket]
                cursor = window.at_page(page.next_cursor) if page.next_cursor else done
                yield self._batch(STREAM_USAGE, usage, reader.client, page, cursor)
            if not state.open:
                return
            state = done  # a resumed window is done: now read from its end to today


def _midnight(value: datetime) -> datetime:
    return datetime.combine(value.astimezone(UTC).date(), time(0), tzinfo=UTC)
