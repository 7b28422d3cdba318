"""OpenID Connect single sign-on (authlib): authorization code flow with state and nonce,
ID token signature, issuer, audience and expiry checked by authlib against the issuer's
published keys. Only users already added (``tenure users add EMAIL --role ...``) can sign
in this way: the identity provider proves who someone is, Tenure decides their role.
"""

from __future__ import annotations

import logging
import os
from typing import Any

import httpx
from authlib.integrations.starlette_client import OAuth, OAuthError
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from tenure.config import OidcConfig
from tenure.services import web_users
from tenure.web.auth import tenure_app
from tenure.web.csrf import expected_origin
from tenure.web.pages.login import safe_next, start_session

router = APIRouter(include_in_schema=False)
PROVIDER = "sso"
_log = logging.getLogger("tenure.web.oidc")


def _client(request: Request) -> Any:
    config: OidcConfig | None = tenure_app(request).settings.web.oidc
    if config is None:
        raise HTTPException(404, "single sign-on is not configured ([web.oidc])")
    oauth: OAuth | None = getattr(request.app.state, "oauth", None)
    if oauth is None:
        secret = os.environ.get(config.client_secret_env, "")
        if not secret:
            raise HTTPException(503, f"environment variable {config.client_secret_env} "
                                "is not set")
        oauth = OAuth()
        oauth.register(PROVIDER, client_id=config.client_id, client_secret=secret,
                       server_metadata_url=config.issuer.rstrip("/")
                       + "/.well-known/openid-configuration",
                       client_kwargs={"scope": config.scopes})
        request.app.state.oauth = oauth
    return oauth.create_client(PROVIDER)


@router.get("/login/oidc")
async def oidc_start(request: Request, next: str = "/") -> Response:
    """Redirect to the identity provider."""
    client = _client(request)
    request.session["oidc_next"] = safe_next(next)
    try:
        response: Response = await client.authorize_redirect(
            request, expected_origin(request) + "/login/oidc/callback")
    except httpx.HTTPError:
        raise HTTPException(502, "the identity provider could not be reached") from None
    return response


@router.get("/login/oidc/callback")
async def oidc_callback(request: Request) -> Response:
    """Back from the identity provider: check the ID token, then sign in a known user."""
    client = _client(request)
    try:
        token = await client.authorize_access_token(request)
    except OAuthError as exc:
        raise HTTPException(401, f"single sign-on failed: {exc.error}") from None
    except httpx.HTTPError:
        raise HTTPException(502, "the identity provider could not be reached") from None
    except Exception as exc:  # a bad ID token (signature, claims, nonce) from the JOSE layer
        _log.warning("OIDC sign-in refused: %s", type(exc).__name__)
        raise HTTPException(401, "single sign-on failed: the ID token was not valid") from None
    claims = token.get("userinfo") or {}
    email = str(claims.get("email") or "").strip().lower()
    if not email or claims.get("email_verified") is False:
        raise HTTPException(401, "the identity provider gave no verified email")
    user = web_users.get_user(tenure_app(request), email)
    if user is None:
        raise HTTPException(403, f"{email} has no Tenure role (an admin runs "
                            "`tenure users add EMAIL --role ...`)")
    target = safe_next(request.session.get("oidc_next"))
    start_session(request, user.email)
    return RedirectResponse(target, status_code=303)
