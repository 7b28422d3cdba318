"""Configuration: ``tenure.toml`` plus environment. Secrets are never in the file — the file
names the environment variable that holds each one (``api_key_env = "ANTHROPIC_ADMIN_KEY"``).
"""

from __future__ import annotations

import ipaddress
import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from tenure.errors import ConfigError
from tenure.redact import remember_secret
from tenure.store.db import DEFAULT_DATABASE_URL

CONFIG_ENV = "TENURE_CONFIG"
DATABASE_URL_ENV = "TENURE_DATABASE_URL"
DEFAULT_CONFIG = "tenure.toml"
_ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")


class SourceConfig(BaseModel):
    """Fields every source has; each source type extends this with its own."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]{0,63}$")
    type: str
    base_dir: Path = Field(default=Path("."), exclude=True)

    def resolve_path(self, value: Path) -> Path:
        """A path from the config file, relative to the file's folder."""
        return value if value.is_absolute() else (self.base_dir / value)


def env_var_name(value: str) -> str:
    """Validate the *name* of an environment variable (the value stays in the environment)."""
    if not _ENV_NAME.match(value):
        raise ValueError(
            "must be the NAME of an environment variable (e.g. ANTHROPIC_ADMIN_KEY), "
            "never the secret itself"
        )
    return value


class DatabaseConfig(BaseModel):
    """Where the store lives; ``TENURE_DATABASE_URL`` overrides the file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str = DEFAULT_DATABASE_URL


class EvidenceConfig(BaseModel):
    """Where the evidence signing key lives (a file path or an env-var NAME, never the key)
    and which public keys a verifier trusts besides the signing key's own."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    signing_key_file: Path | None = None
    signing_key_env: str | None = None
    trusted_public_keys: tuple[str, ...] = ()
    # the signed record of the ledger's newest entry, outside the database (default: next to
    # the signing key file); verify detects entries deleted from the end against it
    head_file: Path | None = None
    # seconds between automatic checkpoints while `tenure serve` runs (0: none)
    checkpoint_interval_seconds: int = Field(default=3600, ge=0)

    @property
    def signing(self) -> bool:
        """True when a signing key is configured (file or environment variable)."""
        return self.signing_key_file is not None or bool(self.signing_key_env)

    @property
    def head_path(self) -> Path | None:
        """Where the ledger's head record is kept (None: no head record)."""
        if self.head_file is not None:
            return self.head_file
        if self.signing_key_file is not None:
            return self.signing_key_file.parent / "ledger-head.json"
        return None

    @field_validator("signing_key_env")
    @classmethod
    def _env_name(cls, value: str | None) -> str | None:
        return env_var_name(value) if value is not None else None


class SmtpConfig(BaseModel):
    """``[notifications.smtp]``: where reminder e-mail goes out."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    host: str
    port: int = 25
    sender: str
    starttls: bool = False
    username: str | None = None
    password_env: str | None = None

    @field_validator("password_env")
    @classmethod
    def _env(cls, value: str | None) -> str | None:
        return env_var_name(value) if value is not None else None


class WebhookConfig(BaseModel):
    """``[notifications.webhook]``: a JSON POST per reviewer, optionally HMAC-signed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str
    secret_env: str | None = None
    timeout_seconds: float = 10.0

    @field_validator("secret_env")
    @classmethod
    def _env(cls, value: str | None) -> str | None:
        return env_var_name(value) if value is not None else None


class NotificationsConfig(BaseModel):
    """``[notifications]``: channels and when reminders go out."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    smtp: SmtpConfig | None = None
    webhook: WebhookConfig | None = None
    reminder_days: tuple[int, ...] = (7, 3, 1)


class ReviewsConfig(BaseModel):
    """``[reviews]``: campaign defaults."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_source_age_hours: int = Field(default=48, ge=1)
    """A campaign refuses (or warns with --allow-stale) when a source synced longer ago."""
    idp_owners: dict[str, str] = Field(default_factory=dict)
    """SCIM source name (or ``*``) → the email of whoever owns that identity provider: the
    owner of a SCIM-managed platform group it pushes, when none is recorded in Tenure
    (reviewer rule ``group-owner``; docs/reviews.md)."""


class RevocationConfig(BaseModel):
    """``[revocation]``: the guards every apply checks before any vendor call."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_actions: int = Field(default=25, ge=0)
    max_percent: float = Field(default=10.0, ge=0, le=100)
    max_plan_age_hours: int = Field(default=24, ge=1)
    require_approval: bool = True
    """A second person (not the planner) must approve before apply."""
    task_owner: str = "security@localhost"
    """Owner of manual tasks where the platform's API cannot revoke."""
    task_days: int = Field(default=7, ge=1)
    anthropic_archive_keys: bool = False
    """Anthropic key revocation sets ``inactive`` (reversible); when true the plan adds a
    second step that archives the key (irreversible: an archived key never works again)."""
    reduce_roles: dict[str, str] = Field(default_factory=dict)
    """The role a ``reduce`` sets when the reviewer named none, per ``<platform>.<scope>``
    (``anthropic.organization``, ``anthropic.workspace``, ``openai.organization``,
    ``openai.workspace``); by default the least privileged role that keeps the seat."""


class LifecycleConfig(BaseModel):
    """``[lifecycle]``: when access ends with its reason."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    leaver_grace_days: int = Field(default=0, ge=0)
    mover_window_days: int = Field(default=14, ge=1)
    """Movers observed within this many days open a micro-review."""
    mover_grace_days: int = Field(default=7, ge=1)
    """The new manager's deadline; no response revokes."""
    mover_fallback_reviewer: str = "security@localhost"
    unused_days: int = Field(default=90, ge=1)
    unused_cold_start: str = Field(default="report", pattern="^(report|act)$")
    """First evaluation: ``report`` lists unused access without planning revocation."""
    mass_change_percent: float = Field(default=10.0, ge=0, le=100)
    """An HR import that would retire (remove or terminate) more than this share of the
    source's people, or a SCIM burst deactivating more than this share within
    ``scim_burst_window_minutes``, is refused (HR) or held for an admin (SCIM)."""
    mass_change_floor: int = Field(default=2, ge=0)
    """A change of at most this many people is never a mass change (a small company's single
    leaver is not a broken HR job)."""
    scim_burst_window_minutes: int = Field(default=60, ge=1)


class NhiConfig(BaseModel):
    """``[nhi]``: the convention by which a non-human identity names its own sponsor."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    owner_metadata_key: str = Field(default="owner", min_length=1, max_length=64)
    """Metadata key on an agent or deployment whose value is the sponsor's email."""
    description_tag: str = Field(default="owner:", min_length=1, max_length=64)
    """Tag in a service account's description followed by the sponsor's email
    (``owner:alice@example.com``)."""
    succession_review_days: int = Field(default=7, ge=1)
    """Days the new sponsor has to accept, reassign or revoke before no response revokes."""


class RetentionConfig(BaseModel):
    """``[retention]``: how long raw activity rows are kept (``tenure retention run``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    activity_months: int | None = Field(default=None, ge=1)
    """Keep raw activities of this many whole months before the current one; older months
    are removed. None (the default) keeps them forever. Daily rollups are always kept."""


class OidcConfig(BaseModel):
    """``[web.oidc]``: single sign-on through an OpenID Connect provider (Okta, Entra, ...)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    issuer: str
    """The issuer URL; discovery is read from ``{issuer}/.well-known/openid-configuration``."""
    client_id: str
    client_secret_env: str
    """NAME of the environment variable holding the client secret."""
    scopes: str = "openid email profile"
    label: str = "Sign in with single sign-on"

    @field_validator("client_secret_env")
    @classmethod
    def _env(cls, value: str) -> str:
        return env_var_name(value)


class WebConfig(BaseModel):
    """``[web]``: sign-in, sessions and cookies of ``tenure serve``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    session_secret_env: str | None = None
    """NAME of the env var holding the cookie-signing secret; unset: a random secret per
    process (sessions end when the server restarts)."""
    session_hours: int = Field(default=12, ge=1, le=24 * 30)
    cookie_secure: bool = False
    """Set true behind HTTPS: cookies are then never sent over plain HTTP."""
    cookie_samesite: str = Field(default="lax", pattern="^(lax|strict)$")
    public_url: str | None = None
    """The URL users reach the app at (Origin check, OIDC redirect); default: the Host header."""
    login_max_failures: int = Field(default=5, ge=1)
    """Failed sign-ins per email (and 4x that per client address) within the window."""
    login_window_seconds: int = Field(default=900, ge=1)
    trusted_proxies: tuple[str, ...] = ()
    """Addresses or networks (CIDR) of reverse proxies in front of ``tenure serve``. Only a
    request arriving from one of them has its ``X-Forwarded-For`` read (right to left, the
    first address that is not itself a trusted proxy is the client). Empty (the default):
    ``X-Forwarded-For`` is ignored and the TCP peer is the client."""
    oidc: OidcConfig | None = None

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for item in value:
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(f"{item!r} is not an IP address or network") from None
        return value

    @field_validator("session_secret_env")
    @classmethod
    def _env(cls, value: str | None) -> str | None:
        return env_var_name(value) if value is not None else None


class Settings(BaseModel):
    """The whole configuration, validated."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: Path | None = Field(default=None, exclude=True)
    database: DatabaseConfig = DatabaseConfig()
    evidence: EvidenceConfig = EvidenceConfig()
    sources: tuple[SourceConfig, ...] = ()
    log_level: str = "WARNING"
    reviews: ReviewsConfig = ReviewsConfig()
    revocation: RevocationConfig = RevocationConfig()
    lifecycle: LifecycleConfig = LifecycleConfig()
    nhi: NhiConfig = NhiConfig()
    retention: RetentionConfig = RetentionConfig()
    notifications: NotificationsConfig = NotificationsConfig()
    web: WebConfig = WebConfig()
    checks: dict[str, dict[str, int | float | str | list[str]]] = Field(default_factory=dict)
    """Check parameter overrides: ``[checks.dormant-account] window_days = 45``."""
    policies_dir: Path | None = None
    """Folder of custom YAML policies (relative to the configuration file)."""

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        if value.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("must be DEBUG, INFO, WARNING or ERROR")
        return value.upper()

    def resolved_policies_dir(self) -> Path | None:
        """``policies_dir`` resolved against the configuration file's folder."""
        if self.policies_dir is None or self.policies_dir.is_absolute():
            return self.policies_dir
        return (self.path.parent if self.path else Path(".")) / self.policies_dir

    def source(self, name: str) -> SourceConfig:
        """The configured source called ``name``."""
        for source in self.sources:
            if source.name == name:
                return source
        known = ", ".join(s.name for s in self.sources) or "none configured"
        raise ConfigError(f"no source named {name!r} (known: {known})",
                          path=str(self.path) if self.path else None)


def secret_from_env(
    source: SourceConfig, field: str, env_name: str, env: Mapping[str, str] | None = None
) -> str:
    """Read the secret a source's config names; a clear error when it is not set."""
    value = (env if env is not None else os.environ).get(env_name, "")
    if not value:
        raise ConfigError(
            f"environment variable {env_name} is not set or empty", source=source.name,
            field=field,
        )
    remember_secret(value)
    return value


def remember_configured_secrets(settings: Settings, env: Mapping[str, str]) -> None:
    """Remember (for redaction everywhere) the value of every environment variable the
    configuration names as a secret: every ``*_env`` field, at any depth."""

    def walk(value: Any) -> None:
        if isinstance(value, BaseModel):
            for name in type(value).model_fields:
                item = getattr(value, name)
                if name.endswith("_env") and isinstance(item, str) and env.get(item):
                    remember_secret(env[item])
                else:
                    walk(item)
        elif isinstance(value, tuple | list):
            for item in value:
                walk(item)

    walk(settings)


def config_path(explicit: str | Path | None, env: Mapping[str, str] | None = None) -> Path:
    """``--config``, else ``$TENURE_CONFIG``, else ``./tenure.toml``."""
    env = env if env is not None else os.environ
    if explicit:
        return Path(explicit)
    if env.get(CONFIG_ENV):
        return Path(env[CONFIG_ENV])
    return Path(DEFAULT_CONFIG)


def _field_of(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(p) for p in loc) or "(root)"


def parse_settings(
    data: Mapping[str, Any], *, path: Path | None, env: Mapping[str, str] | None = None
) -> Settings:
    """Validate parsed TOML into Settings; every error names file, source and field."""
    from tenure.connectors.base import load_builtin_connectors

    types = load_builtin_connectors()
    env = env if env is not None else os.environ
    where = str(path) if path else "<config>"
    base_dir = path.parent if path else Path(".")
    raw_sources = data.get("sources", [])
    if not isinstance(raw_sources, list):
        raise ConfigError("must be an array of tables ([[sources]])", path=where, field="sources")
    sources: list[SourceConfig] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_sources):
        label = str(raw.get("name") or f"#{index + 1}") if isinstance(raw, dict) else f"#{index}"
        if not isinstance(raw, dict):
            raise ConfigError("must be a table", path=where, source=label)
        type_name = raw.get("type")
        if not type_name:
            raise ConfigError("is required", path=where, source=label, field="type")
        if type_name not in types:
            raise ConfigError(
                f"unknown source type {type_name!r} (known: {', '.join(types.names())})",
                path=where, source=label, field="type",
            )
        model = types.get(str(type_name)).config_model
        try:
            source = model.model_validate({**raw, "base_dir": base_dir})
        except ValidationError as exc:
            err = exc.errors()[0]
            raise ConfigError(err["msg"], path=where, source=label,
                              field=_field_of(err["loc"])) from None
        if source.name in seen:
            raise ConfigError("duplicate source name", path=where, source=label, field="name")
        seen.add(source.name)
        sources.append(source)
    rest = {k: v for k, v in data.items() if k != "sources"}
    try:
        settings = Settings.model_validate({**rest, "path": path})
    except ValidationError as exc:
        err = exc.errors()[0]
        raise ConfigError(err["msg"], path=where, field=_field_of(err["loc"])) from None
    database = settings.database
    if env.get(DATABASE_URL_ENV):
        database = DatabaseConfig(url=env[DATABASE_URL_ENV])
    evidence = settings.evidence
    key_file = evidence.signing_key_file
    if key_file is not None and not key_file.is_absolute():
        evidence = evidence.model_copy(update={"signing_key_file": base_dir / key_file})
    if evidence.head_file is not None and not evidence.head_file.is_absolute():
        evidence = evidence.model_copy(update={"head_file": base_dir / evidence.head_file})
    return settings.model_copy(update={"sources": tuple(sources), "database": database,
                                       "evidence": evidence})


def load_settings(
    explicit: str | Path | None = None, env: Mapping[str, str] | None = None,
    *, required: bool = False,
) -> Settings:
    """Load and validate the configuration file; without one, defaults (no sources)."""
    path = config_path(explicit, env)
    if not path.exists():
        if required or explicit:
            raise ConfigError("configuration file not found (run `tenure init`)", path=str(path))
        return parse_settings({}, path=None, env=env)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"invalid TOML: {exc}", path=str(path)) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"not UTF-8 text: {exc.reason}", path=str(path)) from None
    return parse_settings(data, path=path, env=env)
