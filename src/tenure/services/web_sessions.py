"""Server-side web sessions: the signed cookie carries a random session id, the store keeps
its SHA-256 with the user, expiry and end. Every request re-reads the row, so sign-out, a
password change or disabling the user ends the session even when the cookie was copied
before (the cookie's signature alone proves only that this server issued it once).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa

from tenure.services.context import App
from tenure.services.web_users import WebUser, get_user
from tenure.store import schema

S = schema.web_sessions


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


def start(app: App, email: str, hours: int) -> str:
    """Open a session for ``email``; returns the id the cookie carries (never stored)."""
    session_id = secrets.token_urlsafe(32)
    now = app.now()
    with app.engine.begin() as conn:
        conn.execute(S.insert().values(id_sha256=_digest(session_id), user_email=email,
                                       created_at=now, expires_at=now + timedelta(hours=hours)))
        # Ended and expired rows are kept a day for the record, then dropped.
        conn.execute(S.delete().where(S.c.user_email == email,
                                      S.c.expires_at < now - timedelta(days=1)))
    return session_id


def user_of(app: App, session_id: str) -> WebUser | None:
    """The enabled user of an open, unexpired session, or None."""
    with app.engine.connect() as conn:
        row = conn.execute(sa.select(S.c.user_email).where(
            S.c.id_sha256 == _digest(session_id), S.c.ended_at.is_(None),
            S.c.expires_at > app.now())).first()
    return get_user(app, row.user_email) if row is not None else None


def end(app: App, session_id: str, reason: str = "signed-out") -> None:
    """End one session (sign-out)."""
    with app.engine.begin() as conn:
        conn.execute(S.update().where(S.c.id_sha256 == _digest(session_id),
                                      S.c.ended_at.is_(None))
                     .values(ended_at=app.now(), end_reason=reason))
