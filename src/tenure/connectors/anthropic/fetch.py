"""The only I/O of the Anthropic connector: building clients and reading pages.

Endpoints, headers and paging rules follow vendor-apis.md §1-3 to the letter: ``x-api-key`` +
``anthropic-version``; ``after_id``/``last_id`` for Admin lists; ``page``/``next_page`` for usage
reports. The Compliance feed is read by ``feed_sync``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import httpx

from tenure.config import secret_from_env
from tenure.connectors.anthropic.config import ANTHROPIC_VERSION, AnthropicConfig
from tenure.connectors.http import (
    TOKEN_PAGING,
    ApiError,
    HttpClient,
    Page,
    Params,
    paginate,
)

USERS = "/v1/organizations/users"
INVITES = "/v1/organizations/invites"
WORKSPACES = "/v1/organizations/workspaces"
API_KEYS = "/v1/organizations/api_keys"
ORG = "/v1/organizations/me"
USAGE_MESSAGES = "/v1/organizations/usage_report/messages"
CLAUDE_CODE = "/v1/organizations/usage_report/claude_code"

LEGACY_MAX_LIMIT = 100  # older docs capped Admin list pages at 100 (vendor-apis.md §1.2)


@dataclass
class HttpOptions:
    """How clients are built; tests inject a fake sleep/clock or a transport here."""

    sleep: Callable[[float], None] | None = None
    monotonic: Callable[[], float] | None = None
    wall_clock: Callable[[], datetime] | None = None
    transport: httpx.BaseTransport | None = None


def make_client(config: AnthropicConfig, key: str, *, bearer: bool = False,
                options: HttpOptions | None = None,
                extra_headers: Mapping[str, str] | None = None) -> HttpClient:
    """A client authenticated with ``key`` (``x-api-key``, or ``Authorization: Bearer``);
    ``extra_headers`` go on every request (a beta header)."""
    opts = options or HttpOptions()
    headers = {"anthropic-version": ANTHROPIC_VERSION, "accept": "application/json",
               "user-agent": "tenure-connector", **(extra_headers or {})}
    headers.update({"authorization": f"Bearer {key}"} if bearer else {"x-api-key": key})
    kwargs: dict[str, Any] = {}
    for name in ("sleep", "monotonic", "wall_clock"):
        if getattr(opts, name) is not None:
            kwargs[name] = getattr(opts, name)
    return HttpClient(config.base_url, headers=headers, secrets=[key],
                      timeout=config.timeout_seconds, policy=config.retry_policy(),
                      transport=opts.transport, **kwargs)


def admin_key(config: AnthropicConfig, env: Mapping[str, str]) -> str:
    """The Admin API key from the environment variable the config names."""
    return secret_from_env(config, "api_key_env", config.api_key_env, env)


def compliance_key(config: AnthropicConfig, env: Mapping[str, str]) -> str:
    """The Compliance Access Key, else the Admin key (which may carry the feed scope)."""
    if config.compliance_api_key_env:
        return secret_from_env(config, "compliance_api_key_env", config.compliance_api_key_env,
                               env)
    return admin_key(config, env)


class AdminReader:
    """Reads Admin API listings, falling back to the legacy page-size cap when refused."""

    def __init__(self, client: HttpClient, page_size: int, usage_days_per_page: int) -> None:
        self.client = client
        self.page_size = page_size
        self.usage_days_per_page = usage_days_per_page

    def organization(self) -> dict[str, Any]:
        """``GET /v1/organizations/me``."""
        data = self.client.get_json(ORG).data
        if not isinstance(data, dict) or not data.get("id"):
            raise ApiError("GET", ORG, 200, "malformed", "organization without an id")
        return data

    def pages(self, path: str, params: Params = ()) -> Iterator[Page]:
        """Every page of an Admin list endpoint.

        The allowed ``limit`` range is 1..1000 in current docs and 1..100 in older ones
        (unverified which a given org gets): a 400 on the *first* page with a limit above
        100 is retried once at 100.
        """
        limit = self.page_size
        try:
            first = True
            for page in paginate(self.client, path, [*params, ("limit", limit)]):
                first = False
                yield page
        except ApiError as exc:
            if not (first and exc.status == 400 and limit > LEGACY_MAX_LIMIT):
                raise
            self.page_size = LEGACY_MAX_LIMIT
            yield from paginate(self.client, path, [*params, ("limit", LEGACY_MAX_LIMIT)])

    def users(self) -> Iterator[Page]:
        """Org members."""
        return self.pages(USERS)

    def invites(self) -> Iterator[Page]:
        """Invites (all statuses the endpoint returns)."""
        return self.pages(INVITES)

    def workspaces(self) -> Iterator[Page]:
        """Workspaces, archived ones and the organization's default workspace included
        (``include_default``: keys, service accounts and federation tokens point at it)."""
        return self.pages(WORKSPACES, [("include_archived", "true"),
                                       ("include_default", "true")])

    def members(self, workspace_id: str) -> Iterator[Page]:
        """Members of one workspace."""
        return self.pages(f"{WORKSPACES}/{workspace_id}/members")

    def api_keys(self) -> Iterator[Page]:
        """API keys of every status."""
        return self.pages(API_KEYS)

    def usage(self, start: datetime, end: datetime, page: str | None) -> Iterator[Page]:
        """Daily per-key message usage for ``[start, end)``, from page token ``page``."""
        params: Params = [("starting_at", _rfc3339(start)), ("ending_at", _rfc3339(end)),
                          ("bucket_width", "1d"), ("group_by[]", "api_key_id"),
                          ("limit", self.usage_days_per_page)]
        return paginate(self.client, USAGE_MESSAGES, params, paging=TOKEN_PAGING, start=page)

    def claude_code(self, day: date, page: str | None) -> Iterator[Page]:
        """Claude Code analytics records of one UTC day."""
        params: Params = [("starting_at", day.isoformat()), ("limit", 1000)]
        return paginate(self.client, CLAUDE_CODE, params, paging=TOKEN_PAGING, start=page)


def _rfc3339(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")
