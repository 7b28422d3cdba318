"""Sign in with a local account, sign out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from tenure.services import web_sessions, web_users
from tenure.web import csrf
from tenure.web.auth import client_address, identify, tenure_app
from tenure.web.render import render

router = APIRouter(include_in_schema=False)


def safe_next(target: str | None) -> str:
    """Only a path on this site (never ``//host`` or a URL): no open redirect."""
    if (not target or not target.startswith("/") or target.startswith("//")
            or "\\" in target):
        return "/"
    return target


def start_session(request: Request, email: str) -> None:
    """A fresh session for ``email`` (a new CSRF token; nothing kept from before sign-in)."""
    request.session.clear()
    app = tenure_app(request)
    request.session["sid"] = web_sessions.start(app, email, app.settings.web.session_hours)
    csrf.session_token(request)


@router.get("/login")
def login_page(request: Request, next: str = "/") -> Response:
    """The sign-in form."""
    if identify(request) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "login.html", None, next=safe_next(next))


@router.post("/login")
def login(request: Request, email: Annotated[str, Form(max_length=320)],
          password: Annotated[str, Form(max_length=1024)],
          csrf_token: Annotated[str, Form(max_length=256)] = "",
          next: Annotated[str, Form(max_length=2048)] = "/") -> Response:
    """Check the password (rate-limited per email and per client address)."""
    csrf.verify(request, csrf_token)
    email = email.strip().lower()
    limiter = request.app.state.login_limiter
    attempt = limiter.begin(email, client_address(request))
    if isinstance(attempt, int):
        response = render(request, "login.html", None, http_status=429, next=safe_next(next),
                          error=f"Too many failed sign-ins. Try again in {attempt} seconds.")
        response.headers["Retry-After"] = str(attempt)
        return response
    try:
        user = web_users.check_password(tenure_app(request), email, password)
    except BaseException:
        limiter.failed(attempt)
        raise
    if user is None:
        limiter.failed(attempt)
        return render(request, "login.html", None, http_status=401, next=safe_next(next),
                      error="Wrong email or password.", email=email)
    limiter.succeeded(attempt)
    start_session(request, user.email)
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request, csrf_token: Annotated[str, Form(max_length=256)] = "") -> Response:
    """End the session."""
    csrf.verify(request, csrf_token)
    if identify(request) is None:
        raise HTTPException(401, "not signed in")
    # Ended in the store, not only in this browser: a copy of the cookie stops working too.
    session_id = request.session.get("sid")
    if isinstance(session_id, str):
        web_sessions.end(tenure_app(request), session_id)
    request.session.clear()
    return RedirectResponse("/login", status_code=303)
