"""CSRF protection: a per-session token plus an Origin check on every state-changing request
made with the session cookie (forms and browser API calls). Bearer-token API calls carry no
ambient credential, so they need neither.
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlsplit

from fastapi import HTTPException, Request

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def session_token(request: Request) -> str:
    """This session's CSRF token (created on first use)."""
    token = request.session.get("csrf")
    if not isinstance(token, str) or len(token) < 32:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def _origin_of(url: str) -> str | None:
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


def expected_origin(request: Request) -> str:
    """The origin this server answers as: ``[web] public_url``, else scheme://Host."""
    public = request.app.state.tenure.settings.web.public_url
    if public:
        return _origin_of(str(public)) or ""
    host = request.headers.get("host", "")
    return f"{request.url.scheme}://{host}".lower()


def check_origin(request: Request) -> None:
    """Refuse a request whose Origin (or, without one, Referer) is another site."""
    sent = request.headers.get("origin")
    if sent is None and request.headers.get("referer"):
        sent = _origin_of(request.headers["referer"]) or "null"
    if sent is not None and sent.lower() != expected_origin(request):
        raise HTTPException(403, "cross-site request refused (Origin does not match)")


def check_token(request: Request, presented: str | None) -> None:
    """Refuse unless ``presented`` is this session's CSRF token (constant-time compare)."""
    expected = request.session.get("csrf")
    if (not isinstance(expected, str) or not presented
            or not hmac.compare_digest(expected.encode(), presented.encode())):
        raise HTTPException(403, "missing or invalid CSRF token")


def verify(request: Request, presented: str | None) -> None:
    """Both checks, for one state-changing request."""
    check_origin(request)
    check_token(request, presented)
