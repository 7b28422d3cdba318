"""Mount the web app and the REST API on the FastAPI application built by ``create_app``."""

from __future__ import annotations

import os
import secrets
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Literal, cast

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from tenure.errors import Conflict, Forbidden, NotFound, TenureError
from tenure.services.context import App
from tenure.web import oidc
from tenure.web.auth import LoginRequired, Principal, identify
from tenure.web.pages import (
    account,
    evidence_pages,
    governance,
    home,
    login,
    nhi,
    operations,
    reviews,
)
from tenure.web.ratelimit import LoginLimiter
from tenure.web.render import environment, render

STATIC = Path(__file__).parent / "static"
SESSION_COOKIE = "tenure_session"
_STATIC_TYPES = {".css": "text/css", ".js": "text/javascript", ".svg": "image/svg+xml"}
# No inline script or style anywhere, nothing from another origin.
_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
_DOCS_CSP = _CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")


def session_secret(app: App) -> str:
    """The cookie-signing secret from the environment variable ``[web]`` names, else a random
    one for this process only."""
    name = app.settings.web.session_secret_env
    value = os.environ.get(name, "") if name else ""
    return value if len(value) >= 32 else secrets.token_urlsafe(48)


def _is_api(request: Request) -> bool:
    return request.url.path.startswith(("/api/", "/scim/"))


def install_web(api: FastAPI, app: App) -> None:
    """Add sessions, security headers, error pages, the pages and the REST API."""
    from tenure.api.routers import governance as api_governance
    from tenure.api.routers import operations as api_operations
    from tenure.api.routers import reviews as api_reviews
    from tenure.api.scim.errors import _on_http

    web = app.settings.web
    api.state.web_templates = environment()
    api.state.login_limiter = LoginLimiter(web.login_max_failures, web.login_window_seconds)
    api.add_middleware(SessionMiddleware, secret_key=session_secret(app),
                       session_cookie=SESSION_COOKIE, max_age=web.session_hours * 3600,
                       same_site=cast(Literal["lax", "strict"], web.cookie_samesite),
                       https_only=web.cookie_secure)

    @api.middleware("http")
    async def security_headers(request: Request,
                               call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        # Every page is self-contained and gets the strict policy; Swagger UI (/api/docs,
        # served from this server) also sets style attributes from its scripts.
        if not request.url.path.startswith("/scim/"):
            response.headers.setdefault("Content-Security-Policy", _DOCS_CSP
                                        if request.url.path.startswith("/api/docs") else _CSP)
            response.headers.setdefault("X-Frame-Options", "DENY")
            response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        if not _is_api(request) and request.url.path != "/static":
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    async def on_login_required(request: Request, _exc: Exception) -> Response:
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)

    async def on_tenure_error(request: Request, exc: Exception) -> Response:
        status = (404 if isinstance(exc, NotFound) else 409 if isinstance(exc, Conflict)
                  else 403 if isinstance(exc, Forbidden) else 400)
        if _is_api(request):
            return JSONResponse({"detail": str(exc)}, status_code=status)
        return render(request, "error.html", _safe_identify(request), http_status=status,
                      message=str(exc))

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if _is_api(request) or exc.status_code in (405,):
            return await _on_http(request, exc)
        return render(request, "error.html", _safe_identify(request), http_status=exc.status_code,
                      message=str(exc.detail))

    async def on_bad_value(request: Request, exc: Exception) -> Response:
        # PostgreSQL refuses some text SQLite stores (a NUL character): bad input, not a fault.
        message = "a value in the request is not acceptable (e.g. a NUL character)"
        if _is_api(request):
            return JSONResponse({"detail": message}, status_code=400)
        return render(request, "error.html", _safe_identify(request), http_status=400,
                      message=message)

    api.add_exception_handler(DataError, on_bad_value)
    api.add_exception_handler(LoginRequired, on_login_required)
    api.add_exception_handler(TenureError, on_tenure_error)
    api.add_exception_handler(StarletteHTTPException, on_http)

    @api.get("/static/{name}", include_in_schema=False)
    def static(name: str) -> Response:
        path = STATIC / name
        if "/" in name or path.suffix not in _STATIC_TYPES or not path.is_file():
            return Response(status_code=404)
        return FileResponse(path, media_type=_STATIC_TYPES[path.suffix],
                            headers={"Cache-Control": "max-age=3600"})

    for module in (login, reviews, home, governance, operations, evidence_pages, account, nhi):
        api.include_router(module.router)
    api.include_router(oidc.router)
    for router_module in (api_reviews, api_governance, api_operations):
        api.include_router(router_module.router)


def _safe_identify(request: Request) -> Principal | None:
    try:
        return identify(request)
    except StarletteHTTPException:
        return None
