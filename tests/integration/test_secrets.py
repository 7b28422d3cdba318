"""A planted canary key never appears in logs, errors, output or the store."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from tenure.cli import app as cli_app
from tenure.config import env_var_name
from tenure.store import schema
from tenure.store.db import make_engine

from .. import scripted

CANARY = "sk-ant-admin01-CANARYcanary0123456789abcdefXYZ"


def test_canary_key_never_leaks(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    scripted.register()
    monkeypatch.setenv("CANARY_KEY", CANARY)
    monkeypatch.delenv("TENURE_DATABASE_URL", raising=False)
    config = tmp_path / "tenure.toml"
    config.write_text(f'[database]\nurl = "{database_url}"\n[[sources]]\nname = "claude"\n'
                      'type = "scripted"\n', encoding="utf-8")
    scripted.SCRIPTS["claude"] = [
        RuntimeError(f"401 from https://api.anthropic.com with x-api-key {CANARY}")]
    runner = CliRunner()
    with caplog.at_level(logging.DEBUG):
        outputs = []
        for args in (["sync"], ["sync", "--format", "json"], ["sources", "--format", "json"],
                     ["sources"]):
            result = runner.invoke(cli_app, ["--config", str(config), "--log-level", "DEBUG",
                                             *args])
            outputs.append(result.stdout + result.stderr)
            logging.getLogger("tenure.test").warning("calling vendor with x-api-key: %s", CANARY)
    assert any("RuntimeError: 401" in o for o in outputs)
    for text in outputs:
        assert CANARY not in text
        assert "CANARYcanary" not in text
    for record in caplog.records:
        assert "CANARYcanary" not in record.getMessage()
    engine = make_engine(database_url)
    with engine.connect() as conn:
        dumped = json.dumps([
            [dict(r) for r in conn.execute(sa.select(table)).mappings()]
            for table in (schema.sync_runs, schema.ledger_entries, schema.gaps)
        ], default=str)
    engine.dispose()
    assert "RuntimeError: 401" in dumped
    assert "CANARYcanary" not in dumped


def test_config_refuses_a_secret_where_a_variable_name_belongs() -> None:
    with pytest.raises(ValueError, match="NAME of an environment variable"):
        env_var_name(CANARY)
    assert env_var_name("ANTHROPIC_ADMIN_KEY") == "ANTHROPIC_ADMIN_KEY"
