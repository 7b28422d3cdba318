"""Reading the managed-agent plane: per workspace, with its own credential, fanned out.

Managed agents, environments, deployments, vaults and credentials are workspace-scoped
(vendor-apis-nhi.md §4): each configured workspace is read with its own API key. A workspace
the org lists but the config gives no credential for, a credential that is not set, or a 401,
403 or 404 on a listing is a ``Gap`` for the record types it would have fed — never an empty
listing — so those types are not retired this run and their checks say ``manual``.

Reads run in two rounds of bounded fan-out (``connectors.fanout``, ``fanout_concurrency`` at
once): the four listings of every workspace, then every vault's credentials and every live
deployment's newest runs. Each client honours 429 and ``retry-after`` (``connectors.http``).
Records are yielded in a fixed order (workspace by workspace) whatever order reads finished in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from typing import Any

from tenure.connectors import pages
from tenure.connectors.anthropic import agents, deployments, vaults
from tenure.connectors.anthropic.agent_shapes import Notes
from tenure.connectors.anthropic.agents_fetch import (
    NoWorkspaceCredential,
    WorkspaceReader,
    client_for,
    raw_page,
)
from tenure.connectors.anthropic.config import AnthropicConfig
from tenure.connectors.anthropic.fetch import HttpOptions
from tenure.connectors.anthropic.oauth import ExchangeRefused, NoCredential
from tenure.connectors.base import Batch, Note, StreamComplete, SyncContext, SyncItem
from tenure.connectors.fanout import fan_out
from tenure.connectors.http import ApiError, HttpClient, Page, RetriesExhausted
from tenure.model import Gap

AGENT_TYPES = ("agent", "agent_environment", "agent_deployment", "vault", "vault_credential")
GAP_STATUSES = frozenset({401, 403, 404})
MAX_LISTED_NOTES = 100
_FEEDS = {"agents": ("agent",), "environments": ("agent_environment",),
          "deployments": ("agent_deployment",), "vaults": ("vault", "vault_credential"),
          "credentials": ("vault_credential",)}


@dataclass
class _Listing:
    """Every page of one listing of one workspace, or why it could not be read."""

    reader: WorkspaceReader
    kind: str
    subject: str = ""
    pages: list[Page] = field(default_factory=list)
    reason: str | None = None
    detail: str = ""
    truncated: bool = False


def _collect(reader: WorkspaceReader, kind: str, read: Callable[[], Iterator[Page]],
             subject: str = "", max_pages: int | None = None) -> _Listing:
    listing = _Listing(reader, kind, subject)
    try:
        for page in read():
            listing.pages.append(page)
            if max_pages is not None and len(listing.pages) >= max_pages and page.next_cursor:
                listing.truncated = True
                break
    except ApiError as exc:
        if exc.status not in GAP_STATUSES:
            raise
        listing.reason, listing.detail = f"{exc.error_type} (HTTP {exc.status})", str(exc)
    except RetriesExhausted as exc:
        listing.reason, listing.detail = "unavailable after retries", str(exc)
    except (ExchangeRefused, NoCredential) as exc:
        listing.reason, listing.detail = "workload identity exchange failed", str(exc)
    return listing


def _call(job: Callable[[], _Listing]) -> _Listing:
    return job()


def _ids(listing: _Listing, live_only: bool = False) -> list[str]:
    out = []
    for page in listing.pages:
        for item in page.items:
            if isinstance(item, Mapping) and isinstance(item.get("id"), str) and item["id"] \
                    and not (live_only and item.get("archived_at")):
                out.append(item["id"])
    return out


class _Run:
    """One sync of the managed-agent plane: what it read, the gaps and the notes."""

    def __init__(self, config: AnthropicConfig, ctx: SyncContext) -> None:
        self.config = config
        self.now = ctx.clock.now()
        self.gapped: set[str] = set()
        self.notes = Notes()

    def gap(self, record_types: Sequence[str], reason: str, detail: str) -> Iterator[SyncItem]:
        for record_type in record_types:
            self.gapped.add(record_type)
            yield Gap(record_type, reason, detail)

    def listing_gap(self, listing: _Listing) -> Iterator[SyncItem]:
        if listing.reason is None:
            return
        what = f"{listing.kind} {listing.subject}".strip()
        yield from self.gap(_FEEDS[listing.kind], listing.reason,
                            f"workspace {listing.reader.workspace_id}, {what}: {listing.detail}")

    def batches(self, listing: _Listing, stream: str, record_type: str,
                fn: Callable[..., Any], *args: Any) -> Iterator[SyncItem]:
        for page in listing.pages:
            records, bad = pages.quarantine_page(page, fn, *args,
                                                 record_types=(record_type,))
            yield Batch(stream, records, raw=raw_page(listing.reader.client, page))
            yield from bad


def managed_agents(config: AnthropicConfig, http: HttpOptions, ctx: SyncContext,
                   workspaces: Sequence[str] | None, clients: list[HttpClient], *,
                   organization_id: str = "") -> Iterator[SyncItem]:
    """The agent record types of every configured workspace (see the module docstring).

    ``workspaces``: the org's active workspaces, or None when they could not be listed.
    ``organization_id`` is sent with federated token exchanges. Every client built is appended
    to ``clients`` (for the run's retry notes)."""
    run = _Run(config, ctx)
    configured = {w.workspace_id: w for w in config.agent_workspaces}
    if not configured:
        yield from run.gap(AGENT_TYPES, "no workspace credential",
                           "managed agents are workspace-scoped and no workspace is configured "
                           "(agent_workspaces)")
        return
    if workspaces is None:
        yield from run.gap(AGENT_TYPES, "workspaces unreadable",
                           "the organization's workspaces could not be listed, so whether a "
                           "workspace without a configured credential exists is unknown")
    else:
        missing = [w for w in workspaces if w not in configured]
        if missing:
            yield from run.gap(AGENT_TYPES, "no workspace credential",
                               f"no credential is configured for {len(missing)} workspace(s) "
                               f"(agent_workspaces): {', '.join(missing[:20])}")
    readers: list[WorkspaceReader] = []
    opened: list[HttpClient] = []
    for ws in configured.values():
        try:
            client = client_for(config, ws, ctx.env, http, organization_id=organization_id,
                                opened=opened)
        except NoWorkspaceCredential as exc:
            yield from run.gap(AGENT_TYPES, "workspace credential not set",
                               f"workspace {ws.workspace_id}: {exc}")
            continue
        readers.append(WorkspaceReader(ws.workspace_id, client))
    clients.extend(opened)
    try:
        yield from _read(run, readers)
    finally:
        for client in opened:
            client.close()
    if run.notes:
        yield Note("managed_agent_unknown_shapes", run.notes[:MAX_LISTED_NOTES])
        yield Note("managed_agent_unknown_shape_count", len(run.notes))
    for record_type in AGENT_TYPES:
        if record_type not in run.gapped:
            yield StreamComplete(record_type)


FANOUT_BATCH_PAGES = 50


def _grouped(reader: WorkspaceReader, stream: str, records: list[Any], held: list[Page]
             ) -> Batch:
    return Batch(stream, records, raw=pages.combined_raw(reader.client, held, f"GET {stream}",
                                                         raw_page))


def _read(run: _Run, readers: list[WorkspaceReader]) -> Iterator[SyncItem]:
    cfg = run.config
    since = run.now - timedelta(days=cfg.agent_run_window_days)
    first = [r for _, r in fan_out(_call, [
        partial(_collect, r, kind, getattr(r, kind))
        for r in readers for kind in ("agents", "environments", "deployments", "vaults")],
        cfg.fanout_concurrency)]
    lists = {(x.reader.workspace_id, x.kind): x for x in first}
    jobs: list[Callable[[], _Listing]] = []
    for r in readers:
        ws = r.workspace_id
        jobs += [partial(_collect, r, "credentials", partial(r.credentials, vault_id),
                         vault_id) for vault_id in _ids(lists[(ws, "vaults")])]
        jobs += [partial(_collect, r, "runs",
                         partial(r.runs, dep, since, cfg.agent_run_page_size), dep,
                         cfg.agent_run_max_pages)
                 for dep in _ids(lists[(ws, "deployments")], live_only=True)]
    second = [r for _, r in fan_out(_call, jobs, cfg.fanout_concurrency)]
    unreadable_runs: list[str] = []
    truncated_runs: list[str] = []
    for r in readers:
        ws = r.workspace_id
        for kind, stream, record_type, fn in (
                ("agents", "agents", "agent", agents.agent),
                ("environments", "agent_environments", "agent_environment",
                 agents.environment),
                ("vaults", "vaults", "vault", None)):
            listing = lists[(ws, kind)]
            yield from run.listing_gap(listing)
            if fn is None:
                yield from run.batches(listing, stream, record_type, vaults.vault, ws)
            else:
                yield from run.batches(listing, stream, record_type, fn, ws, run.notes)
        newest: dict[str, deployments.RunSummary | None] = {}
        # The per-vault and per-deployment listings are one page each, hundreds of them:
        # they commit FANOUT_BATCH_PAGES to a transaction, every page kept in one raw document.
        credentials: list[Any] = []
        held_credentials: list[Page] = []
        held_runs: list[Page] = []
        for listing in second:
            if listing.reader is not r:
                continue
            if listing.kind == "credentials":
                yield from run.listing_gap(listing)
                for page in listing.pages:
                    records, bad = pages.quarantine_page(
                        page, vaults.credential, listing.subject, ws, run.now, run.notes,
                        record_types=("vault_credential",))
                    credentials += records
                    held_credentials.append(page)
                    yield from bad
                if len(held_credentials) >= FANOUT_BATCH_PAGES:
                    yield _grouped(r, "vault_credentials", credentials, held_credentials)
                    credentials, held_credentials = [], []
                continue
            if listing.reason is not None:
                unreadable_runs.append(f"{listing.subject}: {listing.reason}")
            if listing.truncated:
                truncated_runs.append(listing.subject)
            newest[listing.subject] = deployments.newest_run(
                item for page in listing.pages for item in page.items)
            held_runs += listing.pages
            if len(held_runs) >= FANOUT_BATCH_PAGES:
                yield _grouped(r, "deployment_runs", [], held_runs)
                held_runs = []
        if held_credentials:
            yield _grouped(r, "vault_credentials", credentials, held_credentials)
        if held_runs:
            yield _grouped(r, "deployment_runs", [], held_runs)
        listing = lists[(ws, "deployments")]
        yield from run.listing_gap(listing)
        yield from run.batches(listing, "agent_deployments", "agent_deployment",
                               deployments.listed_deployment, ws, newest, run.notes)
    if unreadable_runs:
        # Last-run facts come from schedule.last_run_at alone for these deployments.
        yield Note("deployment_runs_unreadable", unreadable_runs[:MAX_LISTED_NOTES])
    if truncated_runs:
        yield Note("deployment_runs_truncated", truncated_runs[:MAX_LISTED_NOTES])
