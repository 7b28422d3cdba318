"""Helpers for driving the real CLI in-process against a real store."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from tenure.cli import app as cli_app

from .cli_helpers import CliResult, Invoke


@pytest.fixture
def workdir(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder with a tenure.toml pointing at the test store and an HR source."""
    monkeypatch.delenv("TENURE_DATABASE_URL", raising=False)
    monkeypatch.delenv("TENURE_CONFIG", raising=False)
    (tmp_path / "tenure.toml").write_text(
        f'[database]\nurl = "{database_url}"\n\n'
        '[[sources]]\nname = "hr"\ntype = "hr-csv"\npath = "hr.csv"\n', encoding="utf-8")
    return tmp_path


@pytest.fixture
def invoke(workdir: Path) -> Invoke:
    """Run ``tenure --config workdir/tenure.toml ARGS…`` in-process."""
    runner = CliRunner()

    def run(*args: str, as_of: str | None = "2026-11-25T12:00:00Z") -> CliResult:
        prefix = ["--config", str(workdir / "tenure.toml")]
        if as_of:
            prefix += ["--as-of", as_of]
        result = runner.invoke(cli_app, [*prefix, *args], catch_exceptions=False)
        return CliResult(result.exit_code, result.stdout, result.stderr)

    return run


