"""The OAuth plane of the Anthropic connector: service accounts with their workspace
memberships, federation issuers and federation rules (vendor-apis-nhi.md §2-3).

Only an OAuth token with ``org:admin`` reaches these endpoints (``Authorization: Bearer`` +
``anthropic-beta: oauth-2025-04-20``; the Admin key is refused), so they are read with a client
of their own (``oauth``). No credential configured, a refused exchange, a 403 or a 404 is a
``Gap`` for the record types concerned — never an empty success — and the Admin-key streams are
unaffected. Every listing is pagination family B (``page`` ← ``next_page``; stop on
``next_page`` alone). The per-object reads (each live service account's workspaces, each live
rule's workspaces) run ``fanout_concurrency`` at a time over the one thread-safe client.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack
from typing import Any

from tenure.connectors.anthropic import federation, fetch, service_accounts
from tenure.connectors.anthropic.config import ANTHROPIC_VERSION, AnthropicConfig
from tenure.connectors.anthropic.oauth import (
    ExchangeRefused,
    NoCredential,
    OAuthCredential,
    assertion_reader,
    supplied_token,
)
from tenure.connectors.base import Batch, Record, StreamComplete, SyncContext, SyncItem
from tenure.connectors.fanout import fan_out
from tenure.connectors.http import (
    ApiError,
    HttpClient,
    Page,
    RetriesExhausted,
    page_cursor_pages,
)
from tenure.connectors.pages import combined_raw, quarantine_page, raw_page
from tenure.model import SERVICE_ACCOUNT_TYPE, FederationRule, Gap

SERVICE_ACCOUNTS = "/v1/organizations/service_accounts"
FEDERATION_ISSUERS = "/v1/organizations/federation_issuers"
FEDERATION_RULES = "/v1/organizations/federation_rules"
ISSUER_TYPE = "federation_issuer"
RULE_TYPE = "federation_rule"
GAP_STATUSES = frozenset({401, 403, 404})
VANISHED_CURSOR_RESTARTS = 3
FANOUT_BATCH_PAGES = 50
"""Fan-out pages committed per transaction (one raw document holds them all)."""

NO_CREDENTIAL = ("service accounts and workload identity federation are read only with an "
                 "OAuth token that has org:admin (the Admin API key is not accepted): set "
                 "oauth_token_env, or a [federation] table so Tenure authenticates as a "
                 "service account")


def record_types(cfg: AnthropicConfig) -> list[str]:
    """The record types this plane reads under ``cfg``."""
    return ([SERVICE_ACCOUNT_TYPE] if cfg.service_accounts else []) + (
        [ISSUER_TYPE, RULE_TYPE] if cfg.workload_identity else [])


def oauth_configured(cfg: AnthropicConfig) -> bool:
    """True when the source names an OAuth credential (a token or federation)."""
    return cfg.oauth_token_env is not None or cfg.federation is not None


def credential(cfg: AnthropicConfig, env: Mapping[str, str], org_id: str,
               http: fetch.HttpOptions, clients: list[HttpClient]) -> OAuthCredential:
    """The configured OAuth credential (raises ``NoCredential`` when there is none)."""
    if cfg.oauth_token_env is not None:
        return OAuthCredential(token=supplied_token(cfg, env))
    if cfg.federation is None:
        raise NoCredential(NO_CREDENTIAL)
    exchange = _client(cfg, http, auth=None, connections=1)
    clients.append(exchange)
    return OAuthCredential(federation=cfg.federation,
                           assertion=assertion_reader(cfg, cfg.federation, env),
                           exchange=exchange, organization_id=org_id,
                           monotonic=http.monotonic or time.monotonic)


def oauth_client(cfg: AnthropicConfig, http: fetch.HttpOptions, cred: OAuthCredential,
                 connections: int = 1) -> HttpClient:
    """A client of the OAuth plane authenticated by ``cred`` (bearer + OAuth beta)."""
    return _client(cfg, http, auth=cred, connections=connections)


def _client(cfg: AnthropicConfig, http: fetch.HttpOptions, *, auth: OAuthCredential | None,
            connections: int) -> HttpClient:
    kwargs: dict[str, Any] = {}
    for name in ("sleep", "monotonic", "wall_clock"):
        if getattr(http, name) is not None:
            kwargs[name] = getattr(http, name)
    return HttpClient(cfg.base_url, headers={"anthropic-version": ANTHROPIC_VERSION,
                                             "accept": "application/json",
                                             "user-agent": "tenure-connector"},
                      timeout=cfg.timeout_seconds, policy=cfg.retry_policy(),
                      transport=http.transport, auth=auth.headers if auth else None,
                      max_connections=connections, **kwargs)


class OAuthReader:
    """Reads the family-B listings of the OAuth plane."""

    def __init__(self, client: HttpClient, page_size: int) -> None:
        self.client = client
        self.page_size = page_size

    def service_accounts(self) -> Iterator[Page]:
        """Every service account, archived ones included (newest first)."""
        return page_cursor_pages(self.client, SERVICE_ACCOUNTS,
                                 [("include_archived", "true"), ("limit", self.page_size)])

    def service_account_workspaces(self, sa_id: str) -> list[Page]:
        """One service account's memberships, the implicit default row included. A cursor
        whose membership vanished mid-listing answers 400: the listing starts over."""
        path = f"{SERVICE_ACCOUNTS}/{sa_id}/workspaces"
        for attempt in range(VANISHED_CURSOR_RESTARTS + 1):
            got: list[Page] = []
            try:
                for page in page_cursor_pages(self.client, path, [("limit", self.page_size)]):
                    got.append(page)
                return got
            except ApiError as exc:
                if exc.status != 400 or not got or attempt == VANISHED_CURSOR_RESTARTS:
                    raise
        raise AssertionError("unreachable")

    def issuers(self) -> Iterator[Page]:
        """Every federation issuer, archived ones included."""
        return page_cursor_pages(self.client, FEDERATION_ISSUERS,
                                 [("include_archived", "true"), ("limit", self.page_size)])

    def rules(self) -> Iterator[Page]:
        """Every federation rule, archived ones included."""
        return page_cursor_pages(self.client, FEDERATION_RULES,
                                 [("include_archived", "true"), ("limit", self.page_size)])

    def rule_workspaces(self, rule_id: str) -> list[Page]:
        """A rule's explicit workspace enablements (the vendor answers one page)."""
        return list(page_cursor_pages(self.client, f"{FEDERATION_RULES}/{rule_id}/workspaces"))


def streams(cfg: AnthropicConfig, http: fetch.HttpOptions, ctx: SyncContext, org_id: str,
            clients: list[HttpClient]) -> Iterator[SyncItem]:
    """Everything of the OAuth plane, or a Gap per record type it cannot read."""
    wanted = record_types(cfg)
    if not wanted:
        return
    with ExitStack() as stack:
        mine: list[HttpClient] = []
        stack.callback(_close_all, mine)
        try:
            cred = credential(cfg, ctx.env, org_id, http, mine)
            cred.access_token()  # mint once up front: a refused exchange is one Gap per type
        except (NoCredential, ExchangeRefused, RetriesExhausted) as exc:
            reason = ("no OAuth org:admin credential" if isinstance(exc, NoCredential)
                      else "OAuth credential refused")
            for record_type in wanted:
                yield Gap(record_type, reason, str(exc))
            return
        finally:
            clients.extend(mine)  # retry notes count the token endpoint's retries too
        yield from _read(cfg, http, cred, org_id, clients)


def _close_all(clients: list[HttpClient]) -> None:
    for client in clients:
        client.close()


def _read(cfg: AnthropicConfig, http: fetch.HttpOptions, cred: OAuthCredential, org_id: str,
          clients: list[HttpClient]) -> Iterator[SyncItem]:
    with _client(cfg, http, auth=cred, connections=cfg.fanout_concurrency) as client:
        clients.append(client)
        reader = OAuthReader(client, cfg.oauth_page_size)
        if cfg.service_accounts:
            yield from _guard((SERVICE_ACCOUNT_TYPE,),
                              _service_accounts(reader, org_id, cfg.fanout_concurrency))
        if cfg.workload_identity:
            yield from _guard((ISSUER_TYPE,), _issuers(reader))
            yield from _guard((RULE_TYPE,), _rules(reader, cfg.fanout_concurrency))


def _guard(types: Sequence[str], items: Iterator[SyncItem]) -> Iterator[SyncItem]:
    try:
        yield from items
    except ApiError as exc:
        if exc.status not in GAP_STATUSES:
            raise
        for record_type in types:
            yield Gap(record_type, f"{exc.error_type} (HTTP {exc.status})", str(exc))
    except RetriesExhausted as exc:
        for record_type in types:
            yield Gap(record_type, "unavailable after retries", str(exc))
    except (ExchangeRefused, NoCredential) as exc:
        for record_type in types:
            yield Gap(record_type, "OAuth credential refused", str(exc))


def _service_accounts(reader: OAuthReader, org_id: str, concurrency: int
                      ) -> Iterator[SyncItem]:
    live: list[str] = []
    for page in reader.service_accounts():
        read, bad = quarantine_page(page, service_accounts.service_account_records, org_id,
                                    record_types=(SERVICE_ACCOUNT_TYPE,))
        records: list[Record] = []
        for account, grant in read:
            records.append(account)
            if grant is not None:
                records.append(grant)
                live.append(account.external_id)  # an archived one lists no workspace
        yield Batch("service_accounts", records, raw=raw_page(reader.client, page))
        yield from bad
    grants: list[Record] = []
    held: list[Page] = []
    for sa_id, pages in fan_out(reader.service_account_workspaces, live, concurrency):
        for page in pages:
            read_grants, bad = quarantine_page(page, service_accounts.membership_grant, sa_id,
                                               record_types=(SERVICE_ACCOUNT_TYPE,))
            grants += read_grants
            held.append(page)
            yield from bad
        if len(held) >= FANOUT_BATCH_PAGES:
            yield _fanout_batch(reader.client, "service_account_workspaces", grants, held)
            grants, held = [], []
    if held:
        yield _fanout_batch(reader.client, "service_account_workspaces", grants, held)
    yield StreamComplete(SERVICE_ACCOUNT_TYPE)


def _fanout_batch(client: HttpClient, stream: str, records: list[Record], pages: list[Page]
                  ) -> Batch:
    return Batch(stream, records, raw=combined_raw(client, pages, f"GET {stream}"))


def _issuers(reader: OAuthReader) -> Iterator[SyncItem]:
    for page in reader.issuers():
        read, bad = quarantine_page(page, federation.issuer, record_types=(ISSUER_TYPE,))
        yield Batch("federation_issuers", read, raw=raw_page(reader.client, page))
        yield from bad
    yield StreamComplete(ISSUER_TYPE)


def _live_rule_id(obj: Any) -> str | None:
    if not isinstance(obj, dict) or obj.get("archived_at"):
        return None  # archiving a rule empties its workspace bindings
    rule_id = obj.get("id")
    return rule_id if isinstance(rule_id, str) and rule_id else None


def _read_rule(obj: Any, listed: dict[str, list[str]]) -> FederationRule:
    return federation.rule(obj, listed.get(str(obj.get("id")), ()))


def _rules(reader: OAuthReader, concurrency: int) -> Iterator[SyncItem]:
    for page in reader.rules():
        live = [r for r in map(_live_rule_id, page.items) if r is not None]
        listed: dict[str, list[str]] = {}
        held: list[Page] = []
        for rule_id, pages in fan_out(reader.rule_workspaces, live, concurrency):
            listed[rule_id] = [w for p in pages for w in federation.rule_workspace_ids(
                [i for i in p.items if isinstance(i, dict)])]
            held += pages
        if held:  # kept raw with the page of rules they complete
            yield _fanout_batch(reader.client, "federation_rule_workspaces", [], held)
        read, bad = quarantine_page(page, _read_rule, listed, record_types=(RULE_TYPE,))
        yield Batch("federation_rules", read, raw=raw_page(reader.client, page))
        yield from bad
    yield StreamComplete(RULE_TYPE)
