"""The only I/O of the managed-agent streams: one client per workspace, and its listings.

Every call carries ``anthropic-beta: managed-agents-2026-04-01`` (merged with any other beta
the credential needs, vendor-apis-nhi.md §1.3) and pages with family B (``page`` ←
``next_page``, stop on ``next_page`` alone). ``mcp_oauth_validate`` is never called: it probes
a third party.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from tenure.connectors.anthropic.config import ANTHROPIC_VERSION, AgentWorkspace, AnthropicConfig
from tenure.connectors.anthropic.fetch import HttpOptions
from tenure.connectors.anthropic.oauth import OAuthCredential, assertion_reader
from tenure.connectors.anthropic.vaults import WRITE_ONLY_FIELDS
from tenure.connectors.base import RawPage
from tenure.connectors.http import HttpClient, Page, Params, page_cursor_pages
from tenure.redact import REDACTED, remember_secret

MANAGED_AGENTS_BETA = "managed-agents-2026-04-01"
AGENTS = "/v1/agents"
ENVIRONMENTS = "/v1/environments"
DEPLOYMENTS = "/v1/deployments"
DEPLOYMENT_RUNS = "/v1/deployment_runs"
VAULTS = "/v1/vaults"
LIST_LIMIT = 100  # the documented maximum for agents, deployments, vaults and credentials


def merge_betas(*values: str | None) -> str:
    """One ``anthropic-beta`` value from several comma lists, each beta once, in order."""
    seen: list[str] = []
    for value in values:
        for beta in (value or "").split(","):
            beta = beta.strip()
            if beta and beta not in seen:
                seen.append(beta)
    return ",".join(seen)


def workspace_client(config: AnthropicConfig, key: str, options: HttpOptions,
                     extra_betas: str | None = None) -> HttpClient:
    """A client for one workspace's managed agents, authenticated with its API key."""
    headers = {"anthropic-version": ANTHROPIC_VERSION, "accept": "application/json",
               "user-agent": "tenure-connector", "x-api-key": key,
               "anthropic-beta": merge_betas(extra_betas, MANAGED_AGENTS_BETA)}
    kwargs: dict[str, Any] = {}
    for name in ("sleep", "monotonic", "wall_clock"):
        if getattr(options, name) is not None:
            kwargs[name] = getattr(options, name)
    return HttpClient(config.base_url, headers=headers, secrets=[key],
                      timeout=config.timeout_seconds, policy=config.retry_policy(),
                      transport=options.transport, **kwargs)


class NoWorkspaceCredential(Exception):
    """The workspace's credential is not available (its variable is unset)."""


def _plain_headers() -> dict[str, str]:
    return {"anthropic-version": ANTHROPIC_VERSION, "accept": "application/json",
            "user-agent": "tenure-connector"}


def _clock_kwargs(options: HttpOptions) -> dict[str, Any]:
    return {name: getattr(options, name) for name in ("sleep", "monotonic", "wall_clock")
            if getattr(options, name) is not None}


def client_for(config: AnthropicConfig, workspace: AgentWorkspace, env: Mapping[str, str],
               options: HttpOptions, *, organization_id: str,
               opened: list[HttpClient]) -> HttpClient:
    """The client of one workspace's managed agents: its API key, or a token minted for that
    workspace through workload identity federation (re-exchanged before it expires; every
    call then sends ``anthropic-beta: oauth-2025-04-20,managed-agents-2026-04-01``).

    Every client opened (the token endpoint's too) is appended to ``opened``. Raises
    :class:`NoWorkspaceCredential` when the key's variable is unset."""
    if workspace.api_key_env is not None:
        key = env.get(workspace.api_key_env, "")
        if not key:
            raise NoWorkspaceCredential(f"environment variable {workspace.api_key_env} is not "
                                        "set or empty")
        remember_secret(key)
        client = workspace_client(config, key, options)
        opened.append(client)
        return client
    assert workspace.federation is not None
    fed = workspace.federation.model_copy(update={"workspace_id": workspace.workspace_id})
    exchange = HttpClient(config.base_url, headers=_plain_headers(),
                          timeout=config.timeout_seconds, policy=config.retry_policy(),
                          transport=options.transport, max_connections=1,
                          **_clock_kwargs(options))
    opened.append(exchange)
    cred = OAuthCredential(federation=fed, assertion=assertion_reader(config, fed, env),
                           exchange=exchange, organization_id=organization_id,
                           monotonic=options.monotonic or time.monotonic)

    def headers() -> Mapping[str, str]:
        sent = dict(cred.headers())
        sent["anthropic-beta"] = merge_betas(sent.get("anthropic-beta"), MANAGED_AGENTS_BETA)
        return sent

    client = HttpClient(config.base_url, headers=_plain_headers(),
                        timeout=config.timeout_seconds, policy=config.retry_policy(),
                        transport=options.transport, auth=headers, **_clock_kwargs(options))
    opened.append(client)
    return client


def _without_write_only(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: (REDACTED if k in WRITE_ONLY_FIELDS and v is not None
                    else _without_write_only(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_write_only(v) for v in value]
    return value


def raw_page(client: HttpClient, page: Page) -> RawPage:
    """The page as kept: write-only secret fields replaced (should the vendor ever echo one),
    then the client's secrets and anything secret-shaped scrubbed."""
    body = json.dumps(_without_write_only(page.response.data), separators=(",", ":"),
                      ensure_ascii=False)
    return RawPage(page.response.locator, client.scrub(body).encode())


class WorkspaceReader:
    """The listings of one workspace (each a lazy sequence of pages)."""

    def __init__(self, workspace_id: str, client: HttpClient) -> None:
        self.workspace_id = workspace_id
        self.client = client

    def _pages(self, path: str, params: Params = ()) -> Iterator[Page]:
        return page_cursor_pages(self.client, path, [*params, ("limit", LIST_LIMIT)])

    def agents(self) -> Iterator[Page]:
        """Agents, archived included (their deployments may still reference them)."""
        return self._pages(AGENTS, [("include_archived", "true")])

    def environments(self) -> Iterator[Page]:
        """Environments, archived included."""
        return self._pages(ENVIRONMENTS, [("include_archived", "true")])

    def deployments(self) -> Iterator[Page]:
        """Deployments, archived included."""
        return self._pages(DEPLOYMENTS, [("include_archived", "true")])

    def vaults(self) -> Iterator[Page]:
        """Vaults, archived included."""
        return self._pages(VAULTS, [("include_archived", "true")])

    def credentials(self, vault_id: str) -> Iterator[Page]:
        """One vault's credentials, archived included (metadata only; no secret is returned)."""
        return self._pages(f"{VAULTS}/{vault_id}/credentials", [("include_archived", "true")])

    def runs(self, deployment_id: str, since: datetime, limit: int) -> Iterator[Page]:
        """One deployment's runs created since ``since``."""
        params: Params = [("deployment_id", deployment_id),
                          ("created_at_gte", since.isoformat().replace("+00:00", "Z")),
                          ("limit", limit)]
        return page_cursor_pages(self.client, DEPLOYMENT_RUNS, params)
