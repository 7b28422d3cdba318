"""Sign-in: argon2 hashes, signed HttpOnly SameSite cookies, rate-limited login, API tokens
hashed at rest and shown once, disabled users locked out at the next request."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from tenure.cli import app as cli
from tenure.services import web_users
from tenure.store import schema
from tenure.web.ratelimit import LoginLimiter
from tests.conftest import signed_in

from .conftest import ADMIN, ORIGIN, PASSWORD, REVIEWER, Org, csrf_of, sign_in


def test_sign_in_sets_a_signed_httponly_samesite_cookie(served: Org) -> None:
    with TestClient(served.api) as client:
        assert client.get("/queue", follow_redirects=False).headers["location"].startswith(
            "/login")
        token = csrf_of(client.get("/login").text)
        response = client.post("/login", data={"email": REVIEWER, "password": PASSWORD,
                                               "csrf_token": token},
                               headers={"Origin": ORIGIN}, follow_redirects=False)
        assert response.status_code == 303
        cookie = response.headers["set-cookie"].lower()
        assert "httponly" in cookie
        assert "samesite=lax" in cookie
        page = client.get("/queue")
        assert page.status_code == 200
        assert REVIEWER in page.text
        assert "default-src 'self'" in page.headers["content-security-policy"]
        assert client.get("/api/me").json() == {"email": REVIEWER, "role": "reviewer",
                                                 "via": "session"}
        # A tampered cookie is not a session.
        value = client.cookies.get("tenure_session")
        assert value
        client.cookies.set("tenure_session", value[:-3] + "AAA")
        assert client.get("/api/me").status_code == 401


def test_wrong_password_and_rate_limit(served: Org) -> None:
    with TestClient(served.api) as client:
        token = csrf_of(client.get("/login").text)
        statuses = [client.post("/login", data={"email": ADMIN, "password": "wrong-password!",
                                                "csrf_token": token},
                                headers={"Origin": ORIGIN}).status_code for _ in range(7)]
        assert statuses[:5] == [401] * 5
        assert statuses[5:] == [429, 429]
        # Even the right password waits once the limit is reached (no oracle).
        limited = client.post("/login", data={"email": ADMIN, "password": PASSWORD,
                                              "csrf_token": token}, headers={"Origin": ORIGIN})
        assert limited.status_code == 429
        assert int(limited.headers["retry-after"]) > 0
        # Another account from the same address is not locked by these failures.
        sign_in(client, REVIEWER)


def test_limiter_window_slides() -> None:
    now = [0.0]
    limiter = LoginLimiter(3, 60, clock=lambda: now[0])
    for _ in range(3):
        attempt = limiter.begin("a@x.io", "1.2.3.4")
        assert not isinstance(attempt, int)
        limiter.failed(attempt)
    assert limiter.begin("a@x.io", "1.2.3.4") == 61
    now[0] = 61
    assert not isinstance(limiter.begin("a@x.io", "1.2.3.4"), int)


def test_limiter_counts_attempts_in_flight() -> None:
    limiter = LoginLimiter(3, 60, clock=lambda: 0.0)
    reserved = [limiter.begin("a@x.io", "1.2.3.4") for _ in range(5)]
    assert [isinstance(r, int) for r in reserved] == [False, False, False, True, True]
    first = reserved[0]
    assert not isinstance(first, int)
    limiter.succeeded(first)  # a success frees its place and forgets the email's failures
    assert not isinstance(limiter.begin("a@x.io", "1.2.3.4"), int)


def test_passwords_are_argon2_and_tokens_hashed_at_rest(served: Org) -> None:
    with served.app.engine.connect() as conn:
        hashes = conn.execute(sa.select(schema.web_users.c.password_hash)).scalars().all()
        stored = conn.execute(sa.select(schema.web_tokens)).mappings().all()
    assert hashes
    assert all(h.startswith("$argon2id$") for h in hashes)
    assert all(PASSWORD not in h for h in hashes)
    dump = repr([dict(r) for r in stored])
    for token in served.tokens.values():
        # tnr_api_<id>_<secret>: the secret itself may contain "_", so split only three times
        secret = token.split("_", 3)[3]
        assert len(secret) >= 20
        assert secret not in dump  # the secret is never stored
    with TestClient(served.api) as client:
        token = served.tokens[ADMIN]
        assert client.get("/api/me", headers={"Authorization": f"Bearer {token}"}).json()[
            "via"] == "token"
        wrong = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
        assert client.get("/api/me", headers={"Authorization": f"Bearer {wrong}"}
                          ).status_code == 401
        token_id = token.split("_")[2]
        web_users.revoke_token(signed_in(served.app, ADMIN), token_id)
        assert client.get("/api/me", headers={"Authorization": f"Bearer {token}"}
                          ).status_code == 401


def test_disabled_user_loses_session_and_tokens(served: Org) -> None:
    with TestClient(served.api) as client:
        sign_in(client, REVIEWER)
        web_users.disable_user(signed_in(served.app, ADMIN), REVIEWER)
        assert client.get("/api/me").status_code == 401
        assert client.get("/api/me", headers={
            "Authorization": f"Bearer {served.tokens[REVIEWER]}"}).status_code == 401


def test_open_redirect_refused(served: Org) -> None:
    with TestClient(served.api) as client:
        token = csrf_of(client.get("/login").text)
        response = client.post("/login", data={"email": ADMIN, "password": PASSWORD,
                                               "csrf_token": token,
                                               "next": "//evil.example/x"},
                               headers={"Origin": ORIGIN}, follow_redirects=False)
        assert response.headers["location"] == "/"


def test_cli_users_and_tokens(served: Org, monkeypatch: object) -> None:
    import pytest

    assert isinstance(monkeypatch, pytest.MonkeyPatch)
    monkeypatch.setenv("TENURE_DATABASE_URL", served.app.settings.database.url)
    monkeypatch.setenv("NEW_PW", "a long enough password")
    runner = CliRunner()
    anonymous = runner.invoke(cli, ["users", "add", "new@corp.io", "--role", "auditor",
                                    "--password-env", "NEW_PW"])
    assert anonymous.exit_code == 2  # an admin exists: only an authenticated admin adds users
    assert "authenticated admin" in anonymous.output
    monkeypatch.setenv("TENURE_TOKEN", served.tokens[ADMIN])
    added = runner.invoke(cli, ["users", "add", "new@corp.io", "--role", "auditor",
                                "--password-env", "NEW_PW"])
    assert added.exit_code == 0, added.output
    # tokens are personal: not even an admin mints one that acts as someone else
    forged = runner.invoke(cli, ["tokens", "create", "--user", "new@corp.io"])
    assert forged.exit_code == 2
    assert "tokens are personal" in forged.output
    monkeypatch.delenv("TENURE_TOKEN")
    signed = runner.invoke(cli, ["login", "new@corp.io", "--password-env", "NEW_PW"])
    assert signed.exit_code == 0, signed.output
    assert "signed in as new@corp.io (auditor)" in signed.stdout
    created = runner.invoke(cli, ["tokens", "create"])
    assert created.exit_code == 0, created.output
    token = created.stdout.strip().splitlines()[-1]
    assert token.startswith("tnr_api_")
    listed = runner.invoke(cli, ["tokens", "list", "--format", "json"])
    assert token not in listed.output
    assert token.split("_")[2] in listed.output
    short = runner.invoke(cli, ["users", "add", "x@corp.io", "--role", "admin",
                                "--password-env", "NOPE_UNSET"])
    assert short.exit_code == 2
    with TestClient(served.api) as client:
        assert client.get("/api/me", headers={"Authorization": f"Bearer {token}"}
                          ).json()["role"] == "auditor"
