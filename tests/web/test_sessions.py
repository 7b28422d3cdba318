"""Sessions end server-side (sign-out, password change, disable), `users add` never replaces
an existing user, and `users set-password` needs an admin."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from tenure.cli import app as cli
from tenure.errors import Forbidden, TenureError
from tenure.services import web_users
from tenure.services.web_users import Role
from tenure.store import schema
from tests.conftest import signed_in

from .conftest import ADMIN, ADMIN2, AUDITOR, ORIGIN, PASSWORD, REVIEWER, Org, csrf_of, sign_in

NEW_PASSWORD = "another long password"


def _copy_cookie(client: TestClient) -> str:
    value = client.cookies.get("tenure_session")
    assert value
    return value


def test_cookie_copied_before_sign_out_no_longer_works(served: Org) -> None:
    with TestClient(served.api) as client, TestClient(served.api) as thief:
        csrf = sign_in(client, REVIEWER)
        thief.cookies.set("tenure_session", _copy_cookie(client))
        assert thief.get("/api/me").json()["email"] == REVIEWER
        out = client.post("/logout", data={"csrf_token": csrf}, headers={"Origin": ORIGIN},
                          follow_redirects=False)
        assert out.status_code == 303
        assert thief.get("/api/me").status_code == 401
        assert thief.get("/queue", follow_redirects=False).status_code == 303
    with served.app.engine.connect() as conn:
        reasons = conn.execute(sa.select(schema.web_sessions.c.end_reason)).scalars().all()
    assert reasons == ["signed-out"]


def test_password_change_ends_every_session_of_that_user(served: Org) -> None:
    admin = web_users.get_user(served.app, ADMIN)
    with TestClient(served.api) as laptop, TestClient(served.api) as phone, \
            TestClient(served.api) as other:
        sign_in(laptop, REVIEWER)
        sign_in(phone, REVIEWER)
        sign_in(other, AUDITOR)
        assert web_users.set_password(served.app, admin, REVIEWER, NEW_PASSWORD) == 2
        assert laptop.get("/api/me").status_code == 401
        assert phone.get("/api/me").status_code == 401
        assert other.get("/api/me").json()["email"] == AUDITOR  # someone else's stays
    with TestClient(served.api) as client:
        token = csrf_of(client.get("/login").text)
        old = client.post("/login", data={"email": REVIEWER, "password": PASSWORD,
                                          "csrf_token": token}, headers={"Origin": ORIGIN})
        assert old.status_code == 401
        sign_in(client, REVIEWER, NEW_PASSWORD)


def test_set_password_needs_an_enabled_admin(served: Org) -> None:
    for who in (None, web_users.get_user(served.app, AUDITOR),
                web_users.get_user(served.app, REVIEWER)):
        with pytest.raises(Forbidden):
            web_users.set_password(served.app, who, ADMIN, NEW_PASSWORD)
    admin = web_users.get_user(served.app, ADMIN)
    assert admin is not None
    web_users.disable_user(signed_in(served.app, ADMIN2), ADMIN)
    with pytest.raises(Forbidden, match="not an enabled admin"):  # re-read, not trusted
        web_users.set_password(served.app, admin, REVIEWER, NEW_PASSWORD)
    assert web_users.check_password(served.app, ADMIN, PASSWORD) is None


def test_disable_ends_sessions_in_the_store(served: Org) -> None:
    with TestClient(served.api) as client:
        sign_in(client, REVIEWER)
        web_users.disable_user(signed_in(served.app, ADMIN), REVIEWER)
        assert client.get("/api/me").status_code == 401
    with served.app.engine.connect() as conn:
        assert conn.execute(sa.select(schema.web_sessions.c.end_reason)).scalars().all() == [
            "disabled"]


def test_users_add_refuses_an_existing_user(served: Org) -> None:
    with pytest.raises(TenureError, match="already exists"):
        web_users.add_user(signed_in(served.app, ADMIN2), ADMIN.upper(), Role.ADMIN,
                           "an attacker's password")
    assert web_users.check_password(served.app, ADMIN, PASSWORD) is not None
    assert web_users.check_password(served.app, ADMIN, "an attacker's password") is None


def test_cli_users_add_existing_and_set_password(served: Org,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TENURE_DATABASE_URL", served.app.settings.database.url)
    monkeypatch.setenv("X", "an attacker's password")
    monkeypatch.delenv("TENURE_TOKEN", raising=False)
    runner = CliRunner()
    anonymous_add = runner.invoke(cli, ["users", "add", ADMIN, "--role", "admin",
                                        "--password-env", "X"])
    assert anonymous_add.exit_code != 0
    assert "authenticated admin" in anonymous_add.output
    monkeypatch.setenv("TENURE_TOKEN", served.tokens[ADMIN])
    again = runner.invoke(cli, ["users", "add", ADMIN, "--role", "admin", "--password-env", "X"])
    assert again.exit_code != 0
    assert "already exists" in again.output
    monkeypatch.delenv("TENURE_TOKEN")
    assert web_users.check_password(served.app, ADMIN, PASSWORD) is not None
    anonymous = runner.invoke(cli, ["users", "set-password", ADMIN, "--password-env", "X"])
    assert anonymous.exit_code != 0
    assert "needs an admin" in anonymous.output
    monkeypatch.setenv("TENURE_TOKEN", served.tokens[REVIEWER])
    reviewer = runner.invoke(cli, ["users", "set-password", ADMIN, "--password-env", "X"])
    assert reviewer.exit_code != 0
    assert "not an enabled admin" in reviewer.output
    assert web_users.check_password(served.app, ADMIN, PASSWORD) is not None
    monkeypatch.setenv("TENURE_TOKEN", served.tokens[ADMIN])
    changed = runner.invoke(cli, ["users", "set-password", REVIEWER, "--password-env", "X"])
    assert changed.exit_code == 0, changed.output
    assert web_users.check_password(served.app, REVIEWER, "an attacker's password") is not None
