"""The store (SQLite file, WAL and SHM), plan files, checkpoint files and evidence packages are
owner-only (0600; folders Tenure creates 0700) whatever the umask (issue 19: "created
world-readable (0644 under the usual umask)")."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from tenure.cli import app as cli_app
from tenure.store.db import make_engine, migrate

from ..conftest import user_token
from .conftest import Org


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def open_umask() -> Iterator[None]:
    """The most permissive umask: nothing but Tenure's own modes can keep files private."""
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


def test_sqlite_store_wal_and_shm_are_owner_only(tmp_path: Path, open_umask: None) -> None:
    path = tmp_path / "new-folder" / "tenure.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    with engine.connect() as conn:  # hold a connection: the WAL and SHM files exist now
        conn.execute(sa.text("SELECT 1"))
        files = {p.name: mode(p) for p in path.parent.iterdir()}
        assert {"tenure.db", "tenure.db-wal", "tenure.db-shm"} <= set(files)
        assert all(m == 0o600 for m in files.values()), files
    assert mode(path.parent) == 0o700
    engine.dispose()
    # An existing store made world-readable is narrowed when Tenure opens it.
    os.chmod(path, 0o644)
    make_engine(f"sqlite:///{path}").dispose()
    assert mode(path) == 0o600


def test_plan_files_are_owner_only(org: Org, tmp_path: Path,
                                                          open_umask: None) -> None:
    token = user_token(org.app, "planner@corp.io")

    def run(*args: str) -> None:
        result = CliRunner().invoke(cli_app, ["--config", str(org.config), "--as-of",
                                              "2026-11-25T12:00:00Z", *args],
                                    env={"TENURE_TOKEN": token})
        assert result.exit_code == 0, result.output

    plan = tmp_path / "plans" / "plan.json"
    run("revoke", "plan", "--trigger", "leaver", "--out", str(plan))
    assert mode(plan) == 0o600
    assert mode(plan.parent) == 0o700
