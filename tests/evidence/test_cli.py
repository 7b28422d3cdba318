"""The `tenure evidence` commands end to end, with their exit codes."""

from __future__ import annotations

import os
import stat
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tenure.cli import app as cli_app
from tenure.store import schema
from tenure.store.db import make_engine

from .conftest import evidence_app
from .seed import seed
from .test_package import rewrite


class Run:
    """``tenure --config DIR/tenure.toml --as-of … ARGS`` in-process."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.runner = CliRunner(env={"COLUMNS": "240"})

    def __call__(self, *args: str) -> tuple[int, str]:
        result = self.runner.invoke(cli_app, ["--config", str(self.workdir / "tenure.toml"),
                                              "--as-of", "2026-11-25T12:00:00Z", *args],
                                    catch_exceptions=False)
        return result.exit_code, result.stdout + result.stderr


@pytest.fixture
def run(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Run:
    """A workdir whose tenure.toml names a (not yet created) signing key file."""
    monkeypatch.delenv("TENURE_DATABASE_URL", raising=False)
    monkeypatch.delenv("TENURE_CONFIG", raising=False)
    (tmp_path / "tenure.toml").write_text(
        f'[database]\nurl = "{database_url}"\n\n[evidence]\n'
        'signing_key_file = "keys/signing.pem"\n', encoding="utf-8")
    return Run(tmp_path)


def test_evidence_commands_end_to_end(run: Run, database_url: str) -> None:
    work = run.workdir
    code, out = run("evidence", "keygen", "--out", str(work / "keys" / "signing.pem"))
    assert code == 0, out
    assert "key id:" in out
    assert stat.S_IMODE(os.stat(work / "keys" / "signing.pem").st_mode) == 0o600
    app = evidence_app(database_url, work / "keys" / "signing.pem")
    seed(app)
    app.close()

    code, out = run("evidence", "checkpoint", "--out", str(work / "cp.json"))
    assert code == 0, out
    assert "checkpoint: 9 entries" in out
    code, out = run("evidence", "verify")
    assert code == 0, out
    assert "9/9 entries valid" in out
    assert "Result: VALID" in out

    code, out = run("evidence", "export", "--period", "2026-10-01..2026-10-31", "--out",
                    str(work / "out"))
    assert code == 0, out
    package = next((work / "out").glob("*.zip"))
    public = work / "public.pem"
    with zipfile.ZipFile(package) as archive:
        public.write_bytes(archive.read("public_key.pem"))
    code, out = run("evidence", "verify-package", str(package), "--key", str(public))
    assert code == 0, out
    assert "Result: VALID" in out

    edited = rewrite(package, work / "edited.zip", replace={"data/people.csv": b"x\n"})
    code, out = run("evidence", "verify-package", str(edited))
    assert code == 1
    assert "FAILED: data/people.csv: SHA-256" in out

    engine = make_engine(database_url)
    with engine.begin() as conn:
        conn.execute(schema.ledger_entries.update().where(schema.ledger_entries.c.seq == 3)
                     .values(payload='{"tampered":true}'))
    code, out = run("evidence", "verify")
    assert code == 1
    assert "First broken entry: seq 3 (changed)" in out
    with engine.begin() as conn:
        conn.execute(schema.ledger_entries.delete().where(schema.ledger_entries.c.seq > 5))
        conn.execute(schema.ledger_checkpoints.delete())
    engine.dispose()
    code, out = run("evidence", "verify", "--from-checkpoint", str(work / "cp.json"))
    assert code == 1
    assert "GAP: entries 6..9 missing" in out


def test_export_argument_errors(run: Run) -> None:
    code, out = run("evidence", "export", "--out", "x")
    assert code == 2
    assert "exactly one of --period or --campaign" in out
    code, out = run("evidence", "export", "--period", "2026-12-01..2026-01-01", "--out", "x")
    assert code == 2
    assert "ends before it starts" in out
    code, out = run("evidence", "export", "--campaign", "q4", "--out", "x")
    assert code == 2
    assert "no campaign 'q4'" in out


def test_missing_signing_key_is_a_clear_error(run: Run) -> None:
    code, out = run("evidence", "checkpoint")
    assert code == 2
    assert "signing.pem" in out
    assert "Traceback" not in out


def _corrupt_one_byte(package: Path, out: Path, member: str) -> Path:
    """A copy of ``package`` with one byte flipped inside ``member``'s compressed data."""
    data = bytearray(package.read_bytes())
    with zipfile.ZipFile(package) as archive:
        info = archive.getinfo(member)
    name_len = int.from_bytes(data[info.header_offset + 26:info.header_offset + 28], "little")
    extra_len = int.from_bytes(data[info.header_offset + 28:info.header_offset + 30], "little")
    start = info.header_offset + 30 + name_len + extra_len
    data[start + info.compress_size // 2] ^= 0xFF
    out.write_bytes(bytes(data))
    return out


@pytest.mark.parametrize("member", ["manifest.json", "data/people.csv", "ledger/entries.jsonl"])
def test_a_corrupt_package_zip_is_invalid_with_the_reason(run: Run, database_url: str,
                                                          member: str) -> None:
    work = run.workdir
    assert run("evidence", "keygen", "--out", str(work / "keys" / "signing.pem"))[0] == 0
    app = evidence_app(database_url, work / "keys" / "signing.pem")
    seed(app)
    app.close()
    code, out = run("evidence", "export", "--period", "2026-10-01..2026-10-31", "--out",
                    str(work / "out"))
    assert code == 0, out
    package = next((work / "out").glob("*.zip"))
    with zipfile.ZipFile(package) as archive:
        names = archive.namelist()
    if member not in names:
        pytest.skip(f"{member} is not in this package ({names})")
    corrupt = _corrupt_one_byte(package, work / "corrupt.zip", member)
    code, out = run("evidence", "verify-package", str(corrupt))
    assert code == 1, out
    assert "Traceback" not in out
    assert "FAILED" in out
    assert "corrupt" in out.lower() or "SHA-256" in out or "not valid JSON" in out
    assert "Result: FAILED" in out


def test_checkpoint_and_package_files_are_owner_only(run: Run, database_url: str) -> None:
    work = run.workdir
    assert run("evidence", "keygen", "--out", str(work / "keys" / "signing.pem"))[0] == 0
    app = evidence_app(database_url, work / "keys" / "signing.pem")
    seed(app)
    app.close()
    old = os.umask(0)  # the most permissive umask: only Tenure's own modes keep them private
    try:
        checkpoint = work / "cp" / "checkpoint.json"
        assert run("evidence", "checkpoint", "--out", str(checkpoint))[0] == 0
        code, out = run("evidence", "export", "--period", "2026-10-01..2026-10-31", "--out",
                        str(work / "packages"))
        assert code == 0, out
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(checkpoint).st_mode) == 0o600
    packages = list((work / "packages").glob("*.zip"))
    assert packages
    assert [stat.S_IMODE(os.stat(p).st_mode) for p in packages] == [0o600] * len(packages)
    assert stat.S_IMODE(os.stat(work / "packages").st_mode) == 0o700
