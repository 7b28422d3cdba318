"""OIDC single sign-on against a small OpenID provider on loopback: discovery, JWKS, an
authorization endpoint that consents at once, a token endpoint issuing RS256 ID tokens."""

from __future__ import annotations

import secrets
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
import uvicorn
from fastapi import FastAPI, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.testclient import TestClient
from joserfc import jwt
from joserfc.jwk import RSAKey

from tenure.api import create_app
from tenure.config import OidcConfig, WebConfig
from tenure.services import web_users
from tenure.services.web_users import Role
from tests.conftest import signed_in

from .conftest import ADMIN, Org

CLIENT_ID, SECRET_ENV = "tenure-test", "TEST_OIDC_SECRET"
CLIENT_SECRET = "s3cr3t-" + "x" * 24


@dataclass
class Provider:
    """What the provider will say next, and what it was asked."""

    base: str = ""
    email: str = "sso-user@corp.io"
    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048,
                                                                    parameters={"kid": "k1"}))
    sign_with: RSAKey | None = None
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)


def provider_app(p: Provider) -> FastAPI:
    app = FastAPI()

    @app.get("/.well-known/openid-configuration")
    def discovery() -> dict[str, Any]:
        return {"issuer": p.base, "authorization_endpoint": f"{p.base}/authorize",
                "token_endpoint": f"{p.base}/token", "jwks_uri": f"{p.base}/jwks",
                "response_types_supported": ["code"], "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic",
                                                          "client_secret_post"]}

    @app.get("/jwks")
    def jwks() -> dict[str, Any]:
        return {"keys": [p.key.as_dict(private=False)]}

    @app.get("/authorize")
    def authorize(client_id: str, redirect_uri: str, state: str, nonce: str = ""
                  ) -> RedirectResponse:
        assert client_id == CLIENT_ID
        code = secrets.token_urlsafe(16)
        p.codes[code] = {"nonce": nonce, "email": p.email, "redirect_uri": redirect_uri}
        return RedirectResponse(f"{redirect_uri}?{urlencode({'code': code, 'state': state})}")

    @app.post("/token")
    async def token(request: Request, code: str = Form(), redirect_uri: str = Form()
                    ) -> JSONResponse:
        grant = p.codes.pop(code, None)
        auth = httpx.BasicAuth(CLIENT_ID, CLIENT_SECRET)
        expected = next(auth.auth_flow(httpx.Request("POST", "http://x"))).headers[
            "Authorization"]
        if grant is None or request.headers.get("authorization") != expected \
                or redirect_uri != grant["redirect_uri"]:
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        now = int(time.time())
        claims = {"iss": p.base, "sub": grant["email"], "aud": CLIENT_ID, "iat": now,
                  "exp": now + 300, "nonce": grant["nonce"], "email": grant["email"],
                  "email_verified": True}
        signer = p.sign_with or p.key
        id_token = jwt.encode({"alg": "RS256", "kid": "k1"}, claims, signer)
        return JSONResponse({"access_token": secrets.token_urlsafe(16),
                             "token_type": "Bearer", "expires_in": 300, "id_token": id_token})

    return app


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    p = Provider(base=f"http://127.0.0.1:{port}")
    server = uvicorn.Server(uvicorn.Config(provider_app(p), host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield p
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def sso(served: Org, provider: Provider, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    if not served.app.settings.database.url.startswith("sqlite"):
        pytest.skip("sign-in plumbing does not depend on the database; SQLite is enough")
    monkeypatch.setenv(SECRET_ENV, CLIENT_SECRET)
    provider.email, provider.sign_with = "sso-user@corp.io", None
    served.app.settings = served.app.settings.model_copy(update={"web": WebConfig(
        oidc=OidcConfig(issuer=provider.base, client_id=CLIENT_ID,
                        client_secret_env=SECRET_ENV))})
    web_users.add_user(signed_in(served.app, ADMIN), "sso-user@corp.io", Role.REVIEWER)  # SSO
    return TestClient(create_app(served.app))


def _round_trip(client: TestClient) -> httpx.Response:
    start = client.get("/login/oidc?next=/queue", follow_redirects=False)
    assert start.status_code == 302
    at_provider = httpx.get(start.headers["location"], follow_redirects=False)
    back = urlsplit(at_provider.headers["location"])
    assert back.path == "/login/oidc/callback"
    return client.get(f"{back.path}?{back.query}", follow_redirects=False)


def test_sign_in_through_the_provider(sso: TestClient) -> None:
    with sso as client:
        assert "Sign in with single sign-on" in client.get("/login").text
        done = _round_trip(client)
        assert done.status_code == 303, done.text
        assert done.headers["location"] == "/queue"
        assert client.get("/api/me").json() == {"email": "sso-user@corp.io",
                                                 "role": "reviewer", "via": "session"}


def test_unknown_user_is_refused(sso: TestClient, provider: Provider) -> None:
    provider.email = "stranger@corp.io"
    with sso as client:
        assert _round_trip(client).status_code == 403
        assert client.get("/api/me").status_code == 401


def test_id_token_signed_by_another_key_is_refused(sso: TestClient,
                                                   provider: Provider) -> None:
    provider.sign_with = RSAKey.generate_key(2048, parameters={"kid": "k1"})
    with sso as client:
        assert _round_trip(client).status_code == 401
        assert client.get("/api/me").status_code == 401


def test_forged_state_is_refused(sso: TestClient) -> None:
    with sso as client:
        start = client.get("/login/oidc", follow_redirects=False)
        at_provider = httpx.get(start.headers["location"], follow_redirects=False)
        back = urlsplit(at_provider.headers["location"])
        query = parse_qs(back.query)
        forged = client.get(f"{back.path}?code={query['code'][0]}&state=forged",
                            follow_redirects=False)
        assert forged.status_code == 401
        assert client.get("/api/me").status_code == 401
