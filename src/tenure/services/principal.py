"""Who is acting: the authenticated Tenure user behind a request or a CLI token.

A decision, approval, apply, delegation, mute, sponsor or user change is recorded under an
authenticated person — never under a typed email, an environment variable or the OS user. The
web layer authenticates by session or Bearer token; the CLI by a personal API token
(``tenure login`` or ``$TENURE_TOKEN``). Use cases that record a person call :func:`person`
or :func:`require_role`; what only the host does (syncs, check runs, scheduled jobs) is
recorded as ``host:<os user>`` and needs neither.
"""

from __future__ import annotations

from dataclasses import replace

from tenure.errors import NotAllowed, NotAuthenticated
from tenure.services.context import App
from tenure.services.web_users import SIGN_IN_HINT, Role, WebUser, authenticate_token

__all__ = ["NotAllowed", "NotAuthenticated", "as_user", "person", "require_role", "with_token"]


def with_token(app: App, token: str, *, via: str = "cli") -> App:
    """``app`` acting as the user ``token`` belongs to (``actor`` ``cli:EMAIL``); a token
    that is malformed, unknown, revoked or whose user is disabled leaves the app
    unauthenticated and remembers why, so the first command that needs a person says so."""
    user = authenticate_token(app, token)
    if user is None:
        return replace(app, user=None, auth_problem=(
            "the Tenure API token in use is invalid, revoked, or its user is disabled; "
            + SIGN_IN_HINT))
    return as_user(app, user, via=via)


def as_user(app: App, user: WebUser, *, via: str) -> App:
    """``app`` acting as ``user`` (authenticated by the caller: web session, token)."""
    _ = app.engine  # share the one engine with the copy
    return replace(app, user=user, actor=f"{via}:{user.email}", auth_problem=None)


def person(app: App) -> WebUser:
    """The authenticated user, or NotAuthenticated saying how to sign in."""
    if app.user is None:
        raise NotAuthenticated("this command records who did it; "
                               + (app.auth_problem or SIGN_IN_HINT))
    return app.user


def require_role(app: App, *roles: Role, doing: str) -> WebUser:
    """The authenticated user when their role is one of ``roles``; else NotAllowed."""
    user = person(app)
    if user.role not in roles:
        raise NotAllowed(f"{user.email} is {user.role}: {doing} needs the "
                         + " or ".join(str(r) for r in roles) + " role")
    return user

