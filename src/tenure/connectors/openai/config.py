"""Configuration of a ``type = "openai"`` source."""

from __future__ import annotations

from pydantic import Field, field_validator

from tenure.config import SourceConfig, env_var_name
from tenure.connectors.http import RetryPolicy

DEFAULT_BASE_URL = "https://api.openai.com"


class OpenAIConfig(SourceConfig):
    """An OpenAI organization read through the Admin API (users, invites, projects, project
    users, service accounts, project and admin keys), the audit logs and the usage API.

    ``api_key_env`` names the environment variable holding the Admin API key (``sk-admin-…``),
    sent as ``Authorization: Bearer``. ``organization_id`` (optional) is the tenant Tenure files
    the records under; without it the source name is used (the Admin API has no "who am I").
    """

    base_url: str = DEFAULT_BASE_URL
    api_key_env: str
    organization_id: str | None = None
    lookback_days: int = Field(default=90, ge=1, le=3650)
    admin_key_id: str | None = None
    """The id of the Admin API key Tenure itself uses (``key_…``, as listed by
    ``/organization/admin_api_keys`` and named by audit-log actors). Audit events made with it
    are filed as Tenure's own (``actor_kind = tenure``), not as its owner's."""

    # What to read (each off switch is for orgs that lack the feature or the scope).
    usage: bool = True
    audit_logs: bool = True
    tenant_audit_logs: bool = True
    """Also read the tenant-scoped audit events (``tenant.*``, only returned with
    ``tenant_only=true``) as a second stream with its own cursor."""
    admin_keys: bool = True
    rbac: bool = True
    """Read groups, group users, custom org and project roles, role assignments and project
    groups (``rbac_sync``); an org without RBAC answers 403/404, which is a Gap."""
    fanout_concurrency: int = Field(default=8, ge=1, le=64)
    """Per-object RBAC reads (each user's, group's and project member's roles) in flight at
    once; a 429 ``retry-after`` holds all of them back."""

    # Paging and incremental reading.
    page_size: int = Field(default=100, ge=1, le=100)
    audit_overlap_minutes: int = Field(default=10, ge=0, le=24 * 60)
    usage_overlap_days: int = Field(default=2, ge=0, le=31)

    # HTTP knobs.
    timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    max_retries: int = Field(default=6, ge=0, le=50)
    max_retry_seconds: float = Field(default=600.0, ge=0)
    backoff_initial_seconds: float = Field(default=1.0, ge=0)
    backoff_max_seconds: float = Field(default=60.0, ge=0)
    retry_after_max_seconds: float = Field(default=300.0, ge=0)

    @field_validator("api_key_env")
    @classmethod
    def _env_name(cls, value: str) -> str:
        return env_var_name(value)

    @field_validator("base_url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")):
            raise ValueError("must be an http(s) URL")
        return value.rstrip("/")

    @property
    def tenant(self) -> str:
        """The tenant id records are filed under."""
        return self.organization_id or self.name

    def retry_policy(self) -> RetryPolicy:
        """The HTTP retry caps of this source."""
        return RetryPolicy(max_retries=self.max_retries,
                           max_total_retry_seconds=self.max_retry_seconds,
                           backoff_initial=self.backoff_initial_seconds,
                           backoff_max=self.backoff_max_seconds,
                           retry_after_max=self.retry_after_max_seconds)
