"""Who is asking: a session cookie (pages, browser API calls) or an API token (Bearer), and
what their role lets them do. Authorization is decided here and in the services' own
visibility rules (a reviewer's item query is filtered by reviewer), never in templates.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, replace

from fastapi import HTTPException, Request

from tenure.services import web_sessions, web_users
from tenure.services.context import App
from tenure.services.web_users import Role, WebUser
from tenure.web import csrf

READ_ALL = (Role.ADMIN, Role.AUDITOR)
DECIDERS = (Role.ADMIN, Role.REVIEWER)
ADMIN_ONLY = (Role.ADMIN,)
EVERYONE = (Role.ADMIN, Role.REVIEWER, Role.AUDITOR)


@dataclass(frozen=True, slots=True)
class Principal:
    """A signed-in user and how they proved it."""

    user: WebUser
    via: str  # "session" or "token"

    @property
    def email(self) -> str:
        """The user's email."""
        return self.user.email

    @property
    def role(self) -> Role:
        """The user's role."""
        return self.user.role

    @property
    def reviewer_scope(self) -> str | None:
        """The reviewer whose items this user is limited to (None: sees every item)."""
        return self.email if self.role is Role.REVIEWER else None


class LoginRequired(Exception):
    """A page was asked for without a session: the handler redirects to /login."""


def tenure_app(request: Request) -> App:
    """The App this server was built with."""
    app = request.app.state.tenure
    assert isinstance(app, App)
    return app


def acting(request: Request, principal: Principal) -> App:
    """The App with the signed-in user as the actor recorded in the ledger."""
    app = tenure_app(request)
    _ = app.engine  # share the one engine with the copy
    return replace(app, actor=f"web:{principal.email}", user=principal.user)


def client_address(request: Request) -> str:
    """The client's IP address for this request (see ``resolve_client``)."""
    return resolve_client(request.client.host if request.client else "?",
                          request.headers.getlist("x-forwarded-for"),
                          tenure_app(request).settings.web.trusted_proxies)


def resolve_client(peer: str, forwarded: list[str], trusted_proxies: tuple[str, ...]) -> str:
    """The TCP ``peer``, unless it is one of ``trusted_proxies`` — then ``X-Forwarded-For``
    is read from the right, skipping trusted proxies. A header from anyone else is ignored,
    so a client cannot choose its own address."""
    trusted = [ipaddress.ip_network(n, strict=False) for n in trusted_proxies]

    def is_trusted(address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in net for net in trusted)

    if not is_trusted(peer):
        return peer
    hops = [h.strip() for h in ",".join(forwarded).split(",")]
    for hop in reversed([h for h in hops if h]):
        if not is_trusted(hop):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return peer  # a garbled hop: the proxy itself is the best we know
    return peer


def identify(request: Request) -> Principal | None:
    """The principal behind this request, or None (anonymous)."""
    app = tenure_app(request)
    header = request.headers.get("authorization", "")
    if header[:7].lower() == "bearer ":
        user = web_users.authenticate_token(app, header[7:])
        if user is None:
            raise HTTPException(401, "invalid or revoked API token",
                                headers={"WWW-Authenticate": "Bearer"})
        return Principal(user, "token")
    session_id = request.session.get("sid")
    if isinstance(session_id, str):
        user = web_sessions.user_of(app, session_id)
        if user is not None:
            return Principal(user, "session")
        # Signed out, password changed, user disabled or expired: the session is over.
        request.session.clear()
    return None


def require_api(request: Request, roles: tuple[Role, ...]) -> Principal:
    """An API caller with one of ``roles``; browser (cookie) writes must pass CSRF."""
    principal = identify(request)
    if principal is None:
        raise HTTPException(401, "sign in or send an API token (Authorization: Bearer …)",
                            headers={"WWW-Authenticate": "Bearer"})
    if principal.via == "session" and request.method not in csrf.SAFE_METHODS:
        csrf.verify(request, request.headers.get(csrf.CSRF_HEADER))
    if principal.role not in roles:
        raise HTTPException(403, f"the {principal.role} role cannot do this")
    return principal


def require_page(request: Request, roles: tuple[Role, ...]) -> Principal:
    """A signed-in page visitor with one of ``roles`` (anonymous: redirect to sign in)."""
    principal = identify(request)
    if principal is None:
        raise LoginRequired()
    if principal.role not in roles:
        raise HTTPException(403, f"the {principal.role} role cannot open this page")
    return principal


async def require_form(request: Request, roles: tuple[Role, ...]) -> Principal:
    """A form submission: signed in, allowed, same origin, with this session's CSRF token."""
    principal = identify(request)
    if principal is None:
        raise LoginRequired()
    form = await request.form()
    presented = form.get(csrf.CSRF_FIELD)
    csrf.verify(request, presented if isinstance(presented, str) else None)
    if principal.role not in roles:
        raise HTTPException(403, f"the {principal.role} role cannot do this")
    return principal
