"""Configuration of an ``type = "anthropic"`` source."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from tenure.config import SourceConfig, env_var_name
from tenure.connectors.http import RetryPolicy

DEFAULT_BASE_URL = "https://api.anthropic.com"
ANTHROPIC_VERSION = "2023-06-01"


class FederationConfig(BaseModel):
    """Authenticate as a service account through workload identity federation (RFC 7523).

    Tenure posts the workload's OIDC token (from ``identity_token_file``, re-read at every
    exchange because platforms rotate it, or from the environment variable
    ``identity_token_env``) to ``POST /v1/oauth/token`` and uses the minted bearer token; it
    re-exchanges 120 s before expiry (30 s at the latest). The rule must mint ``org:admin``
    for the service-account and federation plane (vendor-apis-nhi.md §3.4).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    rule_id: str
    """The federation rule (``fdrl_…``) to exchange through."""
    organization_id: str | None = None
    """The organization's UUID; default: the id ``/v1/organizations/me`` answers."""
    service_account_id: str | None = None
    """The target service account (``svac_…``); sent when given."""
    workspace_id: str | None = None
    """The workspace to bind the token to (``wrkspc_…`` or ``default``); sent when given."""
    identity_token_file: str | None = None
    identity_token_env: str | None = None

    @field_validator("identity_token_env")
    @classmethod
    def _env_name(cls, value: str | None) -> str | None:
        return env_var_name(value) if value is not None else None

    @model_validator(mode="after")
    def _one_assertion(self) -> FederationConfig:
        if (self.identity_token_file is None) == (self.identity_token_env is None):
            raise ValueError("give exactly one of identity_token_file and identity_token_env")
        return self


class AgentWorkspace(BaseModel):
    """One workspace whose managed agents Tenure reads, and the credential that reaches it.

    Managed agents, environments, deployments and vaults are workspace-scoped
    (vendor-apis-nhi.md §4): no org-wide credential lists them. Give exactly one of
    ``api_key_env`` (the environment variable holding a standard API key of that workspace,
    ``sk-ant-api03-...``) or ``federation`` (a rule minting ``workspace:developer``: Tenure
    exchanges its workload token for a token bound to this workspace; the workspace id is sent
    with the exchange).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    workspace_id: str = Field(min_length=1)
    api_key_env: str | None = None
    federation: FederationConfig | None = None

    @field_validator("api_key_env")
    @classmethod
    def _env_name(cls, value: str | None) -> str | None:
        return env_var_name(value) if value is not None else None

    @model_validator(mode="after")
    def _one_credential(self) -> AgentWorkspace:
        if (self.api_key_env is None) == (self.federation is None):
            raise ValueError("give exactly one of api_key_env and federation")
        return self


class AnthropicConfig(SourceConfig):
    """An Anthropic organization read through the Admin, Usage and Compliance APIs.

    Secrets are environment-variable *names*: ``api_key_env`` holds the Admin API key,
    ``compliance_api_key_env`` (optional) the Compliance Access Key for the activity feed.
    """

    base_url: str = DEFAULT_BASE_URL
    api_key_env: str
    compliance_api_key_env: str | None = None
    activity_types: tuple[str, ...] = ()
    organization_ids: tuple[str, ...] = ()
    """Restrict the Compliance feed to these orgs (``org_...`` or UUID). A Compliance Access
    Key can read every org linked to its parent; empty = whatever the key returns. Note that
    login events carry no organization id and a filter may exclude them."""
    lookback_days: int = Field(default=90, ge=1, le=3650)
    admin_key_id: str | None = None
    """The id of the Admin API key Tenure itself uses (``apikey_…``, shown in Console). Feed
    events made through it (``admin_api_key_actor``) are filed as Tenure's own
    (``actor_kind = tenure``), so Tenure's revocations are never mistaken for an admin's."""

    # What to read (all on by default; each off switch is for orgs that lack the feature).
    usage: bool = True
    claude_code: bool = True
    activities: bool = True
    # Claude Enterprise access structure (off by default: Console orgs have none of it). Off,
    # each switch is a Gap for the record types it reads (their checks say manual); on,
    # anything the credentials cannot read is a Gap for its record type, never empty.
    rbac: bool = False
    """Claude Enterprise RBAC roles, groups and members (Admin key, beta header)."""
    directory: bool = False
    """The Compliance directory (orgs, users, roles, groups): needs the Compliance Access Key."""
    analytics_api_key_env: str | None = None
    """Environment variable holding the Enterprise Analytics key (``read:analytics``)."""
    analytics: bool = False
    """Read Enterprise Analytics users (a Gap when ``analytics_api_key_env`` is unset)."""
    analytics_days: int = Field(default=90, ge=1, le=366)
    """Window of the Analytics users read (``last_activity_date`` is the latest inside it)."""

    # Managed agents (workspace-scoped; see AgentWorkspace).
    managed_agents: bool = True
    agent_workspaces: tuple[AgentWorkspace, ...] = ()
    """The workspaces whose agents are read, each with its own credential. Every active
    workspace of the org not listed here is a Gap for the agent record types."""
    agent_run_window_days: int = Field(default=30, ge=1, le=365)
    """How far back a deployment's runs are read for its last run and error."""
    agent_run_page_size: int = Field(default=20, ge=1, le=1000)
    agent_run_max_pages: int = Field(default=3, ge=1, le=100)

    # Paging and incremental reading.
    page_size: int = Field(default=1000, ge=1, le=1000)
    activity_page_size: int = Field(default=1000, ge=1, le=5000)
    usage_days_per_page: int = Field(default=7, ge=1, le=31)
    """Daily buckets per usage-report page (the vendor allows 1-31). A page holds days x keys
    results: at 31 days an organization with 5,000 keys gets ~35 MB pages and the sync peaked
    above 600 MB; at 7 it stays under half that."""
    activity_overlap_minutes: int = Field(default=10, ge=0, le=24 * 60)
    usage_overlap_days: int = Field(default=2, ge=0, le=31)
    compliance_auth: Literal["auto", "x-api-key", "bearer"] = "auto"

    # The OAuth plane (service accounts, workload identity federation): only an OAuth token
    # with org:admin reaches it, never the Admin key. Either a supplied bearer token, or
    # Tenure authenticates itself as a service account through federation. Neither: those
    # record types are a Gap (their checks say manual).
    oauth_token_env: str | None = None
    """Environment variable holding an OAuth access token with ``org:admin`` (for example
    from ``ant auth login --scope org:admin``)."""
    federation: FederationConfig | None = None
    service_accounts: bool = True
    workload_identity: bool = True
    oauth_page_size: int = Field(default=100, ge=1, le=1000)
    """Page size of the family-B listings (service accounts, federation)."""
    fanout_concurrency: int = Field(default=8, ge=1, le=64)
    """Per-object reads (each service account's workspaces, each rule's workspaces) in
    flight at once; 429 ``retry-after`` holds all of them back."""

    # HTTP knobs.
    timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    max_retries: int = Field(default=6, ge=0, le=50)
    max_retry_seconds: float = Field(default=600.0, ge=0)
    backoff_initial_seconds: float = Field(default=1.0, ge=0)
    backoff_max_seconds: float = Field(default=60.0, ge=0)
    retry_after_max_seconds: float = Field(default=300.0, ge=0)

    @field_validator("api_key_env", "compliance_api_key_env", "oauth_token_env",
                     "analytics_api_key_env")
    @classmethod
    def _env_name(cls, value: str | None) -> str | None:
        return env_var_name(value) if value is not None else None

    @field_validator("base_url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")):
            raise ValueError("must be an http(s) URL")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _one_oauth_plane(self) -> AnthropicConfig:
        if self.oauth_token_env is not None and self.federation is not None:
            raise ValueError("give oauth_token_env or [federation], not both")
        return self

    def retry_policy(self) -> RetryPolicy:
        """The HTTP retry caps of this source."""
        return RetryPolicy(max_retries=self.max_retries,
                           max_total_retry_seconds=self.max_retry_seconds,
                           backoff_initial=self.backoff_initial_seconds,
                           backoff_max=self.backoff_max_seconds,
                           retry_after_max=self.retry_after_max_seconds)
