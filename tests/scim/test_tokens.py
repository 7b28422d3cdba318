"""`tenure scim token create|list|revoke` through the real CLI; tokens hashed at rest."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from tenure.cli import app as cli_app
from tenure.services.context import open_app
from tenure.store import schema
from tenure.store.db import make_engine
from tests.conftest import user_token


@pytest.fixture
def config(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A tenure.toml with two SCIM sources and an HR source."""
    monkeypatch.delenv("TENURE_DATABASE_URL", raising=False)
    monkeypatch.delenv("TENURE_CONFIG", raising=False)
    path = tmp_path / "tenure.toml"
    path.write_text(
        f'[database]\nurl = "{database_url}"\n\n'
        '[[sources]]\nname = "okta"\ntype = "scim"\n\n'
        '[[sources]]\nname = "entra"\ntype = "scim"\n\n'
        '[[sources]]\nname = "hr"\ntype = "hr-csv"\npath = "hr.csv"\n', encoding="utf-8")
    return path


def run(config: Path, *args: str, signed: bool = True) -> tuple[int, str, str]:
    """The CLI, signed in as an admin (``signed``) through a personal token."""
    env: dict[str, str | None] = {}
    if signed:
        app = open_app(str(config))
        try:
            env["TENURE_TOKEN"] = user_token(app, "admin@corp.io")
        finally:
            app.close()
    result = CliRunner().invoke(cli_app, ["--config", str(config), *args],
                                catch_exceptions=False, env=env)
    return result.exit_code, result.stdout, result.stderr


def _token_rows(database_url: str) -> list[dict[str, object]]:
    engine = make_engine(database_url)
    with engine.connect() as conn:
        out = [dict(r) for r in conn.execute(sa.select(schema.scim_tokens)).mappings()]
    engine.dispose()
    return out


def test_create_list_revoke(config: Path, database_url: str) -> None:
    code, out, err = run(config, "scim", "token", "create", "--source", "okta")
    assert code == 0, err
    token = out.strip()
    assert token.startswith("tnr_scim_")
    assert "Copy it now" in err
    token_id = token.split("_")[2]
    code, out, _ = run(config, "scim", "token", "list", "--format", "json")
    listed = json.loads(out)
    assert [(t["id"], t["source"], t["status"]) for t in listed] == [(token_id, "okta",
                                                                     "active")]
    assert token not in out
    secret = token.split("_", 3)[3]
    assert secret not in out
    # at rest: a salted SHA-256, never the token or its secret
    stored = _token_rows(database_url)
    dumped = json.dumps(stored, default=str)
    assert secret not in dumped
    assert token not in dumped
    (row,) = stored
    assert row["token_hash"] == hashlib.sha256(
        bytes.fromhex(str(row["salt"])) + secret.encode()).hexdigest()
    assert row["token_hash"] != hashlib.sha256(secret.encode()).hexdigest()
    code, out, _ = run(config, "scim", "token", "revoke", token_id)
    assert code == 0
    assert "revoked" in out
    code, out, _ = run(config, "scim", "token", "list", "--format", "json")
    assert json.loads(out)[0]["status"] == "revoked"
    code, _, err = run(config, "scim", "token", "revoke", token_id)
    assert code == 2
    assert "already revoked" in err


def test_two_tokens_with_equal_secrets_never_share_a_hash(config: Path,
                                                          database_url: str) -> None:
    run(config, "scim", "token", "create", "--source", "okta")
    run(config, "scim", "token", "create", "--source", "okta")
    salts = {r["salt"] for r in _token_rows(database_url)}
    assert len(salts) == 2


def test_source_must_be_a_configured_scim_source(config: Path) -> None:
    code, _, err = run(config, "scim", "token", "create")
    assert code == 2
    assert "choose one with --source" in err
    code, _, err = run(config, "scim", "token", "create", "--source", "hr")
    assert code == 2
    assert "not 'scim'" in err
    code, _, err = run(config, "scim", "token", "create", "--source", "nope")
    assert code == 2
    assert "no source named 'nope'" in err
    code, _, err = run(config, "scim", "token", "revoke", "0123456789abcdef")
    assert code == 2
    assert "no SCIM token" in err


def test_sync_of_a_push_source_writes_and_retires_nothing(config: Path) -> None:
    code, out, err = run(config, "sync", "okta", "--format", "json")
    assert code == 0, err
    (result,) = json.loads(out)
    assert result["status"] == "complete"
    assert result["written"] == {}
    assert result["retired"] == {}
    code, out, _ = run(config, "sources", "--format", "json")
    assert {s["name"]: s["type"] for s in json.loads(out)} == {
        "okta": "scim", "entra": "scim", "hr": "hr-csv"}
