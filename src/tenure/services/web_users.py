"""Web sign-in use cases: users with a role, argon2 passwords, API tokens shown once.

Passwords are argon2id hashes (argon2-cffi defaults). API tokens read
``tnr_api_<id>_<secret>``: the id (16 hex) finds the row and the 256-bit random secret is
checked in constant time against ``sha256(salt || secret)`` — a fast hash is enough for a
random secret of that size and keeps every API call cheap.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from tenure.errors import Forbidden, NotAllowed, NotAuthenticated, NotFound, TenureError
from tenure.evidence import ledger
from tenure.services.context import App
from tenure.store import schema

U, TK, S = schema.web_users, schema.web_tokens, schema.web_sessions
TOKEN_PREFIX = "tnr_api_"  # noqa: S105  (a format prefix, not a secret)
_TOKEN = re.compile(r"^tnr_api_([0-9a-f]{16})_([A-Za-z0-9_\-]{20,128})$")
_EMAIL = re.compile(r"^[^@\s]{1,200}@[^@\s]{1,118}$")
MIN_PASSWORD = 12
SIGN_IN_HINT = ("sign in first: `tenure login EMAIL` (asks for your Tenure password), or set "
                "TENURE_TOKEN to your personal API token")
_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """A hash to verify against for unknown emails, made on first use (not at import: it
    costs as much as a real password check)."""
    return _hasher.hash(secrets.token_urlsafe(16))


class Role(StrEnum):
    """What a signed-in user may do."""

    ADMIN = "admin"
    REVIEWER = "reviewer"
    AUDITOR = "auditor"


@dataclass(frozen=True, slots=True)
class WebUser:
    """A user as the web layer sees it (never the password hash)."""

    email: str
    role: Role
    has_password: bool
    created_at: datetime
    disabled: bool


@dataclass(frozen=True, slots=True)
class ApiToken:
    """An API token as listed: never its secret."""

    id: str
    user_email: str
    name: str
    created_at: datetime
    revoked_at: datetime | None


def normalize_email(email: str) -> str:
    """Lower-cased, trimmed; refused unless it looks like an address."""
    email = email.strip().lower()
    if not _EMAIL.match(email):
        raise TenureError(f"{email!r} is not an email address")
    return email


def _user(row: sa.RowMapping) -> WebUser:
    return WebUser(row["email"], Role(row["role"]), row["password_hash"] is not None,
                   row["created_at"], row["disabled_at"] is not None)


def enabled_admins(conn: sa.Connection) -> int:
    """How many enabled admins the store has (0 on a fresh install)."""
    return int(conn.execute(sa.select(sa.func.count()).select_from(U).where(
        U.c.role == str(Role.ADMIN), U.c.disabled_at.is_(None))).scalar_one())


def authorize_user_change(app: App, conn: sa.Connection, *, doing: str,
                          bootstrap: bool = False) -> bool:
    """Only an authenticated admin changes users. The one exception is the bootstrap: while
    the store has no enabled admin, the host may create the first admin (``bootstrap``).
    Returns True when this is the bootstrap; raises NotAuthenticated / NotAllowed."""
    if app.user is not None:
        if app.user.role is not Role.ADMIN:
            raise NotAllowed(f"{app.user.email} is {app.user.role}: {doing} needs an admin")
        return False
    if bootstrap and enabled_admins(conn) == 0:
        return True
    raise NotAuthenticated(f"{doing} is recorded under an authenticated admin; "
                           + SIGN_IN_HINT)


def _check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise TenureError(f"the password must be at least {MIN_PASSWORD} characters")
    return _hasher.hash(password)


def add_user(app: App, email: str, role: Role, password: str | None = None) -> WebUser:
    """Create a user (no password: single sign-on only); recorded in the ledger (never the
    password). An existing user is refused: ``add`` never replaces a password or a role
    (that is ``set_password``, which needs an admin and ends the user's sessions)."""
    email = normalize_email(email)
    hashed = _check_password(password) if password is not None else None
    now = app.wall()
    with app.engine.begin() as conn:
        bootstrap = authorize_user_change(app, conn, doing=f"adding {email}",
                                          bootstrap=role is Role.ADMIN)
        if conn.execute(sa.select(U.c.email).where(U.c.email == email)).first():
            raise TenureError(f"user {email} already exists: `tenure users add` never changes "
                              "an existing user (use `tenure users set-password` to change "
                              "the password)")
        try:
            conn.execute(U.insert().values(email=email, role=str(role), password_hash=hashed,
                                           created_at=now, created_by=app.actor))
        except sa.exc.IntegrityError:  # added at the same moment by another process
            raise TenureError(f"user {email} already exists") from None
        ledger.append(conn, kind="web.user.added", actor=app.actor, now=now,
                      subject=f"user:{email}",
                      payload={"email": email, "role": str(role),
                               "password_set": hashed is not None,
                               **({"bootstrap": True} if bootstrap else {})})
        row = conn.execute(sa.select(U).where(U.c.email == email)).mappings().one()
    return _user(row)


def require_admin(app: App, acting: WebUser | None) -> WebUser:
    """``acting`` as an enabled admin, re-read from the store (not trusted as passed)."""
    if acting is None:
        raise Forbidden("this needs an authenticated admin (sign in, or an admin's API token)")
    current = get_user(app, acting.email)
    if current is None or current.role is not Role.ADMIN:
        raise Forbidden(f"{acting.email} is not an enabled admin")
    return current


def set_password(app: App, acting: WebUser | None, email: str, password: str) -> int:
    """Change ``email``'s password (``acting`` must be an admin) and end every session of
    that user; returns how many sessions ended. Recorded in the ledger (never the password)."""
    admin = require_admin(app, acting)
    email = normalize_email(email)
    hashed = _check_password(password)
    now = app.wall()
    actor = app.actor if app.user is not None else f"web:{admin.email}"
    with app.engine.begin() as conn:
        if conn.execute(U.update().where(U.c.email == email)
                        .values(password_hash=hashed)).rowcount == 0:
            raise NotFound(f"no user {email!r} (see `tenure users add`)")
        ended = end_user_sessions(conn, email, now, "password-changed")
        ledger.append(conn, kind="web.user.password_changed", actor=actor, now=now,
                      subject=f"user:{email}",
                      payload={"email": email, "by": admin.email, "sessions_ended": ended})
    return ended


def end_user_sessions(conn: sa.Connection, email: str, now: datetime, reason: str) -> int:
    """End every open session of ``email`` (in the caller's transaction)."""
    return int(conn.execute(S.update().where(S.c.user_email == email, S.c.ended_at.is_(None))
                            .values(ended_at=now, end_reason=reason)).rowcount)


def disable_user(app: App, email: str) -> None:
    """Disable a user: sessions and tokens stop working at the next request."""
    email = normalize_email(email)
    with app.engine.begin() as conn:
        authorize_user_change(app, conn, doing=f"disabling {email}")
        if conn.execute(U.update().where(U.c.email == email)
                        .values(disabled_at=app.wall())).rowcount == 0:
            raise NotFound(f"no user {email!r}")
        end_user_sessions(conn, email, app.wall(), "disabled")
        ledger.append(conn, kind="web.user.disabled", actor=app.actor,
                      subject=f"user:{email}", payload={"email": email})


def list_users(app: App) -> list[WebUser]:
    """Every user, by email."""
    with app.engine.connect() as conn:
        return [_user(r) for r in conn.execute(sa.select(U).order_by(U.c.email)).mappings()]


def get_user(app: App, email: str) -> WebUser | None:
    """The enabled user ``email``, or None."""
    with app.engine.connect() as conn:
        row = conn.execute(sa.select(U).where(U.c.email == email.strip().lower())
                           ).mappings().first()
    if row is None or row["disabled_at"] is not None:
        return None
    return _user(row)


def check_password(app: App, email: str, password: str) -> WebUser | None:
    """The user when ``password`` is theirs; None otherwise (same cost either way)."""
    with app.engine.connect() as conn:
        row = conn.execute(sa.select(U).where(U.c.email == email.strip().lower())
                           ).mappings().first()
    stored = row["password_hash"] if row is not None else None
    ok: bool
    try:
        ok = _hasher.verify(stored or _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok or row is None or stored is None or row["disabled_at"] is not None:
        return None
    return _user(row)


def _digest(salt: str, secret: str) -> str:
    return hashlib.sha256(bytes.fromhex(salt) + secret.encode("utf-8")).hexdigest()


def create_token(app: App, email: str, name: str = "automation") -> tuple[ApiToken, str]:
    """A personal API token for the authenticated user ``email``; the plaintext is returned
    once and never stored. Tokens are personal: nobody — not an admin, not the host — mints
    one that acts as someone else (see docs/security.md)."""
    if app.user is None:
        raise NotAuthenticated("an API token is made by the user it acts as; " + SIGN_IN_HINT)
    if app.user.email != email.strip().lower():
        raise NotAllowed(f"{app.user.email} cannot make an API token that acts as {email}: "
                         "tokens are personal (that user runs `tenure login`)")
    user = get_user(app, email)
    if user is None:
        raise NotFound(f"no enabled user {email!r} (see `tenure users add`)")
    token_id, secret, salt = secrets.token_hex(8), secrets.token_urlsafe(32), secrets.token_hex(16)
    now = app.wall()
    with app.engine.begin() as conn:
        conn.execute(TK.insert().values(id=token_id, user_email=user.email, name=name[:128],
                                        salt=salt, token_hash=_digest(salt, secret),
                                        created_at=now, created_by=app.actor))
        ledger.append(conn, kind="web.token.created", actor=app.actor, now=now,
                      subject=f"api-token:{token_id}",
                      payload={"token_id": token_id, "user": user.email, "name": name})
    return (ApiToken(token_id, user.email, name, now, None),
            f"{TOKEN_PREFIX}{token_id}_{secret}")


def list_tokens(app: App) -> list[ApiToken]:
    """Every API token, newest first (never a secret)."""
    with app.engine.connect() as conn:
        return [ApiToken(r["id"], r["user_email"], r["name"], r["created_at"], r["revoked_at"])
                for r in conn.execute(sa.select(TK).order_by(TK.c.created_at.desc(),
                                                              TK.c.id)).mappings()]


def revoke_token(app: App, token_id: str) -> None:
    """Revoke an API token: its next request gets 401. Admins revoke any token; other
    users only their own."""
    with app.engine.begin() as conn:
        owner = conn.execute(sa.select(TK.c.user_email).where(TK.c.id == token_id)
                             ).scalar_one_or_none()
        if app.user is None or (app.user.role is not Role.ADMIN and owner != app.user.email):
            authorize_user_change(app, conn, doing=f"revoking API token {token_id}")
        if conn.execute(TK.update().where(TK.c.id == token_id, TK.c.revoked_at.is_(None))
                        .values(revoked_at=app.wall())).rowcount == 0:
            raise NotFound(f"no active API token {token_id!r} (see `tenure tokens list`)")
        ledger.append(conn, kind="web.token.revoked", actor=app.actor,
                      subject=f"api-token:{token_id}", payload={"token_id": token_id})


def authenticate_token(app: App, presented: str) -> WebUser | None:
    """The enabled user a valid, unrevoked token belongs to, or None."""
    match = _TOKEN.match(presented.strip())
    if match is None:
        return None
    token_id, secret = match.groups()
    with app.engine.connect() as conn:
        row = conn.execute(sa.select(TK).where(TK.c.id == token_id)).mappings().first()
    if row is None or row["revoked_at"] is not None:
        return None
    if not hmac.compare_digest(_digest(row["salt"], secret), row["token_hash"]):
        return None
    return get_user(app, row["user_email"])
