"""The OAuth credential of the service-account and federation plane (vendor-apis-nhi.md §1.1,
§3.4): a supplied bearer token, or a token Tenure mints for itself through workload identity
federation (the RFC 7523 jwt-bearer grant).

The exchange is a small client over our own HTTP layer rather than an OAuth library: the body
is JSON (not the form encoding RFC 7523 libraries send) with vendor fields
(``federation_rule_id``, ``organization_id``, ``service_account_id``, ``workspace_id``), two
beta values are required, and no refresh token is issued, so what a library adds (form posts,
refresh grants, client authentication) is exactly what this endpoint does not use; going
through ``HttpClient`` keeps one retry, redaction and accounting path. See
``docs/architecture.md``.

Every API call with the token sends ``Authorization: Bearer`` and
``anthropic-beta: oauth-2025-04-20``. A minted token is re-exchanged 120 s before it expires
(advisory: if that fails the current token is used while it has more than 30 s left) and at
the latest 30 s before (mandatory: a failure then is an error).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tenure.config import secret_from_env
from tenure.connectors.anthropic.config import AnthropicConfig, FederationConfig
from tenure.connectors.http import ApiError, HttpClient, HttpError
from tenure.errors import ConfigError, SourceError
from tenure.redact import remember_secret

TOKEN_PATH = "/v1/oauth/token"  # noqa: S105  (an endpoint path, not a secret)
OAUTH_BETA = "oauth-2025-04-20"
FEDERATION_BETA = "oidc-federation-2026-04-01"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
ADVISORY_SECONDS = 120.0
MANDATORY_SECONDS = 30.0
MAX_ASSERTION_BYTES = 16 * 1024


class ExchangeRefused(SourceError):
    """The token endpoint refused the exchange (``invalid_grant`` and the like)."""

    def __init__(self, status: int, error: str, description: str) -> None:
        self.status = status
        self.error = error
        super().__init__(f"workload identity token exchange refused: HTTP {status} {error}"
                         + (f": {description}" if description else ""))


class NoCredential(SourceError):
    """No OAuth credential is configured (or its secret is not in the environment)."""


@dataclass(frozen=True, slots=True)
class Minted:
    """A token the exchange returned, with the monotonic time it expires."""

    access_token: str
    expires_at: float
    scope: str | None


class OAuthCredential:
    """Supplies the bearer headers of the OAuth plane; thread-safe (fan-out workers share it).

    ``exchange`` is the token endpoint client (None for a supplied token).
    """

    def __init__(self, *, token: str | None = None, federation: FederationConfig | None = None,
                 assertion: Callable[[], str] | None = None,
                 exchange: HttpClient | None = None, organization_id: str | None = None,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self._token = token
        self._federation = federation
        self._assertion = assertion
        self._exchange = exchange
        self._organization_id = organization_id
        self._monotonic = monotonic
        self._minted: Minted | None = None
        self._lock = threading.Lock()
        self.exchanges = 0

    @property
    def kind(self) -> str:
        """``bearer`` (supplied) or ``federation`` (minted by Tenure)."""
        return "bearer" if self._token is not None else "federation"

    def headers(self) -> Mapping[str, str]:
        """The headers of one API call: the current token and the OAuth beta."""
        return {"authorization": f"Bearer {self.access_token()}", "anthropic-beta": OAUTH_BETA}

    def access_token(self) -> str:
        """The token to send now, exchanging a new one when the current one is near expiry."""
        if self._token is not None:
            return self._token
        with self._lock:
            minted = self._minted
            left = minted.expires_at - self._monotonic() if minted else 0.0
            if minted is not None and left > ADVISORY_SECONDS:
                return minted.access_token
            try:
                self._minted = self._mint()
            except (HttpError, ExchangeRefused):
                if minted is not None and left > MANDATORY_SECONDS:
                    return minted.access_token  # advisory window: keep the current one
                raise
            return self._minted.access_token

    def _mint(self) -> Minted:
        assert self._federation is not None
        assert self._exchange is not None
        assert self._assertion is not None
        fed = self._federation
        body: dict[str, Any] = {"grant_type": JWT_BEARER, "assertion": self._assertion(),
                                "federation_rule_id": fed.rule_id,
                                "organization_id": fed.organization_id or self._organization_id}
        if fed.service_account_id:
            body["service_account_id"] = fed.service_account_id
        if fed.workspace_id:
            body["workspace_id"] = fed.workspace_id
        try:
            resp = self._exchange.request(
                "POST", TOKEN_PATH, json_body=body,
                headers={"anthropic-beta": f"{OAUTH_BETA},{FEDERATION_BETA}",
                         "content-type": "application/json"})
        except ApiError as exc:
            raise ExchangeRefused(exc.status, exc.error_type, exc.vendor_message) from None
        self.exchanges += 1
        return parse_token_response(resp.data, self._monotonic())


def parse_token_response(doc: Any, now: float) -> Minted:
    """A minted token from the endpoint's JSON (``access_token``, ``expires_in`` required;
    ``token_type`` must be Bearer when present)."""
    if not isinstance(doc, dict):
        raise ExchangeRefused(200, "malformed", "the token response is not a JSON object")
    token, expires_in = doc.get("access_token"), doc.get("expires_in")
    if not isinstance(token, str) or not token:
        raise ExchangeRefused(200, "malformed", "no access_token in the token response")
    if not isinstance(expires_in, int | float) or isinstance(expires_in, bool) \
            or expires_in <= 0:
        raise ExchangeRefused(200, "malformed", "no positive expires_in in the token response")
    kind = doc.get("token_type")
    if kind is not None and str(kind).lower() != "bearer":
        raise ExchangeRefused(200, "malformed", f"token_type {kind!r} is not Bearer")
    remember_secret(token)
    scope = doc.get("scope")
    return Minted(token, now + float(expires_in), scope if isinstance(scope, str) else None)


def assertion_reader(config: AnthropicConfig, fed: FederationConfig,
                     env: Mapping[str, str]) -> Callable[[], str]:
    """Reads the workload's OIDC token at each exchange (a file is re-read: it rotates)."""

    def read() -> str:
        if fed.identity_token_file is not None:
            path = config.resolve_path(Path(fed.identity_token_file))
            try:
                value = path.read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise NoCredential(f"identity token file {path}: {exc.strerror}") from None
        else:
            assert fed.identity_token_env is not None
            value = env.get(fed.identity_token_env, "").strip()
            if not value:
                raise NoCredential(f"environment variable {fed.identity_token_env} "
                                   "(identity token) is not set or empty")
        if len(value.encode()) > MAX_ASSERTION_BYTES:
            raise NoCredential("the identity token is larger than 16 KiB; refusing to send it")
        remember_secret(value)
        return value

    return read


def supplied_token(config: AnthropicConfig, env: Mapping[str, str]) -> str:
    """The supplied OAuth token (``oauth_token_env``)."""
    assert config.oauth_token_env is not None
    try:
        return secret_from_env(config, "oauth_token_env", config.oauth_token_env, env)
    except ConfigError as exc:
        raise NoCredential(str(exc)) from None
