"""`tenure login` / `whoami` / `logout`: the CLI acts as a Tenure user through a personal API
token kept owner-only, never as a typed email or an environment variable."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tenure.cli import app as cli
from tenure.services import web_users

from .conftest import ADMIN, PASSWORD, Org


def test_login_whoami_logout(served: Org, monkeypatch: pytest.MonkeyPatch,
                             tmp_path: Path) -> None:
    monkeypatch.setenv("TENURE_DATABASE_URL", served.app.settings.database.url)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("PW", PASSWORD)
    runner = CliRunner()
    nobody = runner.invoke(cli, ["whoami"])
    assert nobody.exit_code == 1
    assert "host:" in nobody.output
    monkeypatch.setenv("WRONG", "not the password at all")
    wrong = runner.invoke(cli, ["login", ADMIN, "--password-env", "WRONG"])
    assert wrong.exit_code == 2
    assert "wrong email or password" in wrong.output
    signed = runner.invoke(cli, ["login", ADMIN, "--password-env", "PW"])
    assert signed.exit_code == 0, signed.output
    stored = tmp_path / "xdg" / "tenure" / "credentials.json"
    assert stat.S_IMODE(os.stat(stored).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(stored.parent).st_mode) == 0o700
    (token,) = json.loads(stored.read_text()).values()
    assert token.startswith("tnr_api_")
    me = runner.invoke(cli, ["whoami"])
    assert me.exit_code == 0
    assert me.stdout.strip() == f"{ADMIN} (admin)"
    # TENURE_ACTOR and $USER change nothing; a bad TENURE_TOKEN wins and is refused loudly
    spoofed = runner.invoke(cli, ["whoami"], env={"TENURE_ACTOR": "web:carol@corp.io",
                                                  "USER": "carol"})
    assert spoofed.stdout.strip() == f"{ADMIN} (admin)"
    bad = runner.invoke(cli, ["whoami"], env={"TENURE_TOKEN": "tnr_api_0123456789abcdef_"
                                                              + "x" * 43})
    assert bad.exit_code == 1
    assert "invalid, revoked" in bad.output
    out = runner.invoke(cli, ["logout"])
    assert out.exit_code == 0, out.output
    assert "revoked" in out.stdout
    assert json.loads(stored.read_text()) == {}
    assert web_users.authenticate_token(served.app, token) is None
    assert runner.invoke(cli, ["whoami"]).exit_code == 1


def test_account_page_makes_personal_tokens_only(served: Org) -> None:
    from fastapi.testclient import TestClient

    from .conftest import ORIGIN, REVIEWER, sign_in

    with TestClient(served.api) as client:
        csrf = sign_in(client, REVIEWER)
        page = client.get("/account/tokens")
        assert page.status_code == 200
        assert "Your API tokens" in page.text
        made = client.post("/account/tokens", headers={"Origin": ORIGIN},
                           data={"csrf_token": csrf, "name": "laptop CLI"})
        assert made.status_code == 200, made.text
        assert made.headers["cache-control"] == "no-store"
        token = made.text.split('<code id="token-value">')[1].split("<")[0]
        user = web_users.authenticate_token(served.app, token)
        assert user is not None
        assert user.email == REVIEWER  # acts as the signed-in person, nobody else
        token_id = token.split("_")[2]
        # someone else's token cannot be revoked from here
        admin_token = served.tokens[ADMIN].split("_")[2]
        other = client.post(f"/account/tokens/{admin_token}/revoke",
                            headers={"Origin": ORIGIN}, data={"csrf_token": csrf})
        assert other.status_code == 404
        assert web_users.authenticate_token(served.app, served.tokens[ADMIN]) is not None
        revoked = client.post(f"/account/tokens/{token_id}/revoke", headers={"Origin": ORIGIN},
                              data={"csrf_token": csrf}, follow_redirects=False)
        assert revoked.status_code == 303
        assert web_users.authenticate_token(served.app, token) is None
        # without the session's CSRF token nothing is made
        assert client.post("/account/tokens", headers={"Origin": ORIGIN},
                           data={"name": "x"}).status_code in (400, 403)
