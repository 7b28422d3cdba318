"""Configuration of an ``type = "anthropic"`` source."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from tenure.config import SourceConfig, env_var_name
from tenure.connectors.http import RetryPolicy

DEFAULT_BASE_URL = "https://api.anthropic.com"
ANTHROPIC_VERSION = "2023-06-01"


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

    # HTTP knobs.
    timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    max_retries: int = Field(default=6, ge=0, le=50)
    max_retry_seconds: float = Field(default=600.0, ge=0)
    backoff_initial_seconds: float = Field(default=1.0, ge=0)
    backoff_max_seconds: float = Field(default=60.0, ge=0)
    retry_after_max_seconds: float = Field(default=300.0, ge=0)

    @field_validator("api_key_env", "compliance_api_key_env")
    @classmethod
    def _env_name(cls, value: str | None) -> str | None:
        return env_var_name(value) if value is not None else None

    @field_validator("base_url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")):
            raise ValueError("must be an http(s) URL")
        return value.rstrip("/")

    def retry_policy(self) -> RetryPolicy:
        """The HTTP retry caps of this source."""
        return RetryPolicy(max_retries=self.max_retries,
                           max_total_retry_seconds=self.max_retry_seconds,
                           backoff_initial=self.backoff_initial_seconds,
                           backoff_max=self.backoff_max_seconds,
                           retry_after_max=self.retry_after_max_seconds)
