"""SCIM bearer tokens: created once (shown once), stored as a salted SHA-256, revocable.

A token reads ``tnr_scim_<id>_<secret>``: the id (16 hex) finds the row, the secret (256 bits
from ``secrets``) is checked in constant time against ``sha256(salt || secret)``. A fast hash
is enough for a 256-bit random secret (no dictionary to guess from) and keeps every SCIM
request cheap; the per-token salt means equal secrets never share a hash.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from tenure.connectors.scim import DEFAULT_SOURCE, SOURCE_TYPE
from tenure.errors import ConfigError, NotFound, TenureError
from tenure.evidence import ledger
from tenure.services.context import App
from tenure.services.principal import require_role
from tenure.services.web_users import Role
from tenure.store import schema

T = schema.scim_tokens
TOKEN_PREFIX = "tnr_scim_"  # noqa: S105  (a format prefix, not a secret)
_TOKEN = re.compile(r"^tnr_scim_([0-9a-f]{16})_([A-Za-z0-9_\-]{20,128})$")


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """A token as listed: never its secret."""

    id: str
    source: str
    created_at: datetime
    created_by: str
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        """True until revoked."""
        return self.revoked_at is None


def _digest(salt: str, secret: str) -> str:
    return hashlib.sha256(bytes.fromhex(salt) + secret.encode("utf-8")).hexdigest()


def token_source(app: App, source: str | None) -> str:
    """The SCIM source a new token pushes into.

    An explicit name must be a configured ``type = "scim"`` source (or the implicit
    ``scim`` source when none is configured); without a name, the only configured SCIM
    source, else ``scim``.
    """
    configured = [s for s in app.settings.sources if s.type == SOURCE_TYPE]
    if source is None:
        if len(configured) > 1:
            names = ", ".join(s.name for s in configured)
            raise ConfigError(f"several SCIM sources are configured ({names}); "
                              "choose one with --source")
        return configured[0].name if configured else DEFAULT_SOURCE
    if source == DEFAULT_SOURCE and not configured:
        return source
    config = app.settings.source(source)
    if config.type != SOURCE_TYPE:
        raise ConfigError(f"source {source!r} is of type {config.type!r}, not {SOURCE_TYPE!r}")
    return source


def create_token(app: App, source: str | None = None) -> tuple[TokenInfo, str]:
    """Create a token (an authenticated admin only: a SCIM token lets an identity provider
    create and deactivate people); returns it with its plaintext, never stored or shown
    again."""
    require_role(app, Role.ADMIN, doing="creating a SCIM token")
    name = token_source(app, source)
    token_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    salt = secrets.token_hex(16)
    now = app.wall()
    with app.engine.begin() as conn:
        conn.execute(T.insert().values(id=token_id, source=name, salt=salt,
                                       token_hash=_digest(salt, secret), created_at=now,
                                       created_by=app.actor))
        ledger.append(conn, kind="scim.token.created", actor=app.actor, now=now,
                      subject=f"scim-token:{token_id}",
                      payload={"token_id": token_id, "source": name})
    info = TokenInfo(token_id, name, now, app.actor, None)
    return info, f"{TOKEN_PREFIX}{token_id}_{secret}"


def _info(row: sa.RowMapping) -> TokenInfo:
    return TokenInfo(row["id"], row["source"], row["created_at"], row["created_by"],
                     row["revoked_at"])


def list_tokens(app: App) -> list[TokenInfo]:
    """Every token, newest first (revoked ones included, marked)."""
    with app.engine.connect() as conn:
        rows = conn.execute(sa.select(T).order_by(T.c.created_at.desc(), T.c.id)).mappings()
        return [_info(r) for r in rows]


def revoke_token(app: App, token_id: str) -> TokenInfo:
    """Revoke a token (an authenticated admin only): the next request presenting it gets
    401."""
    require_role(app, Role.ADMIN, doing="revoking a SCIM token")
    now = app.wall()
    with app.engine.begin() as conn:
        row = conn.execute(sa.select(T).where(T.c.id == token_id)).mappings().first()
        if row is None:
            raise NotFound(f"no SCIM token with id {token_id!r} (see tenure scim token list)")
        if row["revoked_at"] is not None:
            raise TenureError(f"SCIM token {token_id} was already revoked")
        conn.execute(T.update().where(T.c.id == token_id)
                     .values(revoked_at=now, revoked_by=app.actor))
        ledger.append(conn, kind="scim.token.revoked", actor=app.actor, now=now,
                      subject=f"scim-token:{token_id}",
                      payload={"token_id": token_id, "source": row["source"]})
        return TokenInfo(row["id"], row["source"], row["created_at"], row["created_by"], now)


def authenticate(app: App, presented: str) -> TokenInfo | None:
    """The active token ``presented`` is, or None (malformed, unknown, wrong or revoked)."""
    match = _TOKEN.match(presented.strip())
    if match is None:
        return None
    token_id, secret = match.groups()
    with app.engine.connect() as conn:
        row = conn.execute(sa.select(T).where(T.c.id == token_id)).mappings().first()
    if row is None or row["revoked_at"] is not None:
        return None
    if not hmac.compare_digest(_digest(row["salt"], secret), row["token_hash"]):
        return None
    return _info(row)
