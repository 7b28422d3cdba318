"""The only I/O of the OpenAI connector: building the client and reading pages.

Endpoints, auth and paging follow vendor-apis.md §4 to the letter: ``Authorization: Bearer``
with an Admin key; ``limit`` (1..100) + ``after`` with ``last_id``/``has_more`` on every list;
``page``/``next_page`` on the usage API. The audit logs are read by ``audit_log_sync``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from tenure.config import secret_from_env
from tenure.connectors.http import (
    OPENAI_LIST_PAGING,
    TOKEN_PAGING,
    ApiError,
    HttpClient,
    Page,
    paginate,
)
from tenure.connectors.openai.config import OpenAIConfig

ORG = "/v1/organization"
USERS = f"{ORG}/users"
INVITES = f"{ORG}/invites"
PROJECTS = f"{ORG}/projects"
ADMIN_KEYS = f"{ORG}/admin_api_keys"
AUDIT_LOGS = f"{ORG}/audit_logs"
USAGE_COMPLETIONS = f"{ORG}/usage/completions"

LIST_PAGING = OPENAI_LIST_PAGING
"""OpenAI lists: ``after`` (an object id) ← ``last_id``, or the last item's id without it."""
USAGE_BUCKETS_PER_PAGE = 31  # the documented maximum for bucket_width=1d


@dataclass
class HttpOptions:
    """How the client is built; tests inject a fake sleep/clock or a transport here."""

    sleep: Callable[[float], None] | None = None
    monotonic: Callable[[], float] | None = None
    wall_clock: Callable[[], datetime] | None = None
    transport: httpx.BaseTransport | None = None


def admin_key(config: OpenAIConfig, env: Mapping[str, str]) -> str:
    """The Admin API key from the environment variable the config names."""
    return secret_from_env(config, "api_key_env", config.api_key_env, env)


def make_client(config: OpenAIConfig, key: str,
                options: HttpOptions | None = None) -> HttpClient:
    """A client authenticated with the Admin key (``Authorization: Bearer``)."""
    opts = options or HttpOptions()
    headers = {"authorization": f"Bearer {key}", "accept": "application/json",
               "user-agent": "tenure-connector"}
    kwargs: dict[str, Any] = {}
    for name in ("sleep", "monotonic", "wall_clock"):
        if getattr(opts, name) is not None:
            kwargs[name] = getattr(opts, name)
    return HttpClient(config.base_url, headers=headers, secrets=[key],
                      timeout=config.timeout_seconds, policy=config.retry_policy(),
                      transport=opts.transport, **kwargs)


def unix(value: datetime) -> int:
    """A datetime as Unix seconds."""
    return int(value.timestamp())


class AdminReader:
    """Reads the Admin API's listings of one organization."""

    def __init__(self, client: HttpClient, page_size: int) -> None:
        self.client = client
        self.page_size = page_size
        self.narrowed: list[str] = []
        """Projects whose keys were listed in the narrower fallback form (no
        ``owner_project_access=any``): the connector turns each into a Gap."""

    def pages(self, path: str, params: list[tuple[str, str | int | bool]] | None = None
              ) -> Iterator[Page]:
        """Every page of a list endpoint."""
        query = [*(params or []), ("limit", self.page_size)]
        return paginate(self.client, path, query, paging=LIST_PAGING)

    def users(self) -> Iterator[Page]:
        """Org members."""
        return self.pages(USERS)

    def invites(self) -> Iterator[Page]:
        """Invites of every status."""
        return self.pages(INVITES)

    def projects(self) -> Iterator[Page]:
        """Projects, archived ones included."""
        return self.pages(PROJECTS, [("include_archived", "true")])

    def project_users(self, project_id: str) -> Iterator[Page]:
        """Members of one project."""
        return self.pages(f"{PROJECTS}/{project_id}/users")

    def service_accounts(self, project_id: str) -> Iterator[Page]:
        """Service accounts of one project."""
        return self.pages(f"{PROJECTS}/{project_id}/service_accounts")

    def api_keys(self, project_id: str) -> Iterator[Page]:
        """Every key of one project, including those whose owner lost project access.

        ``owner_project_access=any`` is what lists the orphaned ones; the default of the
        parameter is not documented (unverified), so it is always sent. A server that refuses
        it (400 on the first page) is asked again without it.
        """
        path = f"{PROJECTS}/{project_id}/api_keys"
        first = True
        try:
            for page in self.pages(path, [("owner_project_access", "any")]):
                first = False
                yield page
        except ApiError as exc:
            if not (first and exc.status == 400):
                raise
            self.narrowed.append(project_id)
            yield from self.pages(path)

    def admin_keys(self) -> Iterator[Page]:
        """Admin API keys."""
        return self.pages(ADMIN_KEYS, [("order", "asc")])

    def usage(self, start: datetime, end: datetime, page: str | None) -> Iterator[Page]:
        """Daily per-key completions usage for ``[start, end)``, from page token ``page``."""
        params: list[tuple[str, str | int | bool]] = [
            ("start_time", unix(start)), ("end_time", unix(end)), ("bucket_width", "1d"),
            ("group_by[]", "api_key_id"), ("limit", USAGE_BUCKETS_PER_PAGE)]
        return paginate(self.client, USAGE_COMPLETIONS, params, paging=TOKEN_PAGING,
                        start=page)
