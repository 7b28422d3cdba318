"""Audit packages: export verifies offline; any edit after export fails naming file and reason."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tenure.evidence import keys
from tenure.evidence.package import MANIFEST, SIGNATURE
from tenure.services import evidence as svc
from tenure.services.context import App
from tenure.store import schema

from .conftest import evidence_app
from .seed import HOSTILE_NAME, SCRIPT_NAME, ledger_size, seed

PERIOD = "2026-10-01..2026-10-31"


def rewrite(src: Path, dst: Path, *, replace: dict[str, bytes] | None = None,
            add: dict[str, bytes] | None = None) -> Path:
    """Copy a zip, swapping or adding members (what someone editing a package does)."""
    replace, add = replace or {}, add or {}
    with zipfile.ZipFile(src) as old, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            new.writestr(info.filename, replace.get(info.filename, old.read(info.filename)))
        for name, data in add.items():
            new.writestr(name, data)
    return dst


@pytest.fixture
def exported(eapp: App, tmp_path: Path) -> Path:
    """A period package exported from a seeded store."""
    seed(eapp)
    result = svc.export_period(eapp, svc.parse_period(PERIOD), tmp_path / "out")
    return result.path


def test_export_verifies_and_is_recorded(eapp: App, exported: Path, key_file: Path) -> None:
    report = svc.check_package(exported, [key_file])
    assert report.ok, report.lines()
    text = "\n".join(report.lines())
    assert "Export recorded as ledger entry" in text
    assert "Result: VALID" in text
    with zipfile.ZipFile(exported) as archive:
        names = set(archive.namelist())
        manifest = json.loads(archive.read(MANIFEST))
        entries = archive.read("ledger/entries.jsonl").decode().splitlines()
    for required in ("manifest.json", "manifest.sig", "public_key.pem", "report.html",
                     "ledger/checkpoint.json", "ledger/proofs.json", "ledger/entries.csv",
                     "data/sync_runs.csv", "data/raw_pages.json", "data/people.csv",
                     "data/accounts.json", "data/credentials.csv",
                     "data/activity_per_day.json"):
        assert required in names
    assert manifest["scope"]["from"].startswith("2026-10-01")
    assert len(entries) == 9  # 4 runs x 2 entries + 1 finding, all inside October
    assert ledger_size(eapp) == 10  # plus the export's own entry
    after = svc.verify_ledger(eapp)
    assert after.ok, after.lines()
    assert after.checkpoints[-1].tree_size == 10


def test_package_csv_is_neutralised_and_json_exact(exported: Path) -> None:
    with zipfile.ZipFile(exported) as archive:
        people_csv = list(csv.DictReader(io.StringIO(archive.read("data/people.csv").decode())))
        people_json = json.loads(archive.read("data/people.json"))
        html = archive.read("report.html").decode()
        pages = json.loads(archive.read("data/raw_pages.json"))
    names = {row["name"] for row in people_csv}
    assert "'" + HOSTILE_NAME in names
    assert HOSTILE_NAME in {row["name"] for row in people_json}
    assert {row["department"] for row in people_csv} >= {"'-Sales"}
    assert all(not v.startswith(("=", "+", "-", "@")) for r in people_csv for v in r.values())
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert len(pages) == 4
    assert all(len(p["sha256"]) == 64 for p in pages)
    assert SCRIPT_NAME in {row["name"] for row in people_json}


def test_one_csv_cell_edited_fails_naming_file_and_reason(exported: Path,
                                                          tmp_path: Path) -> None:
    with zipfile.ZipFile(exported) as archive:
        original = archive.read("data/accounts.csv").decode()
    edited = original.replace("admin", "user", 1)
    assert edited != original
    bad = rewrite(exported, tmp_path / "edited.zip",
                  replace={"data/accounts.csv": edited.encode()})
    report = svc.check_package(bad)
    assert not report.ok
    assert [p.file for p in report.problems] == ["data/accounts.csv"]
    assert "changed after export" in report.problems[0].reason
    assert "FAILED: data/accounts.csv: SHA-256" in "\n".join(report.lines())


def test_manifest_edited_to_match_fails_on_signature(exported: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(exported) as archive:
        manifest = json.loads(archive.read(MANIFEST))
        csv_bytes = archive.read("data/accounts.csv").replace(b"admin", b"user", 1)
    for item in manifest["files"]:
        if item["path"] == "data/accounts.csv":
            item["sha256"] = hashlib.sha256(csv_bytes).hexdigest()
            item["bytes"] = len(csv_bytes)
    bad = rewrite(exported, tmp_path / "edited.zip", replace={
        "data/accounts.csv": csv_bytes,
        MANIFEST: (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode()})
    report = svc.check_package(bad)
    assert [p.file for p in report.problems] == [SIGNATURE]
    assert "signature is not valid" in report.problems[0].reason


def test_added_file_and_wrong_key_are_reported(exported: Path, tmp_path: Path) -> None:
    bad = rewrite(exported, tmp_path / "added.zip", add={"data/extra.csv": b"a,b\n"})
    report = svc.check_package(bad)
    assert [p.file for p in report.problems] == ["data/extra.csv"]
    assert "not listed in the manifest" in report.problems[0].reason
    other = tmp_path / "other.pem"
    svc.keygen(other)
    report = svc.check_package(exported, [other])
    assert not report.ok
    assert "unknown key" in report.problems[0].reason


def resign_files(src: Path, dst: Path, key_file: Path, replace: dict[str, bytes]) -> Path:
    """Swap files, fix their manifest entries and re-sign with the real key: what a writer
    bug, or the key holder, could produce. Only the content checks stand in the way."""
    signer = keys.load_signing_key(key_file=key_file, key_env=None)
    with zipfile.ZipFile(src) as archive:
        manifest = json.loads(archive.read(MANIFEST))
    for item in manifest["files"]:
        if item["path"] in replace:
            item["sha256"] = hashlib.sha256(replace[item["path"]]).hexdigest()
            item["bytes"] = len(replace[item["path"]])
    manifest_bytes = (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode()
    return rewrite(src, dst, replace={
        **replace, MANIFEST: manifest_bytes,
        SIGNATURE: base64.b64encode(signer.sign(manifest_bytes)) + b"\n"})


def resign(exported: Path, dst: Path, key_file: Path,
           edit: Callable[[dict[str, Any]], None]) -> Path:
    """Edit proofs.json and re-sign the package."""
    with zipfile.ZipFile(exported) as archive:
        proofs = json.loads(archive.read("ledger/proofs.json"))
    edit(proofs)
    return resign_files(exported, dst, key_file, {
        "ledger/proofs.json": (json.dumps(proofs, indent=1) + "\n").encode()})


def test_proofs_are_checked_even_when_the_manifest_is_resigned(
    exported: Path, tmp_path: Path, key_file: Path,
) -> None:
    def corrupt_path(proofs: dict[str, Any]) -> None:
        proofs["proofs"][1]["path"][0] = "00" * 32

    report = svc.check_package(resign(exported, tmp_path / "a.zip", key_file, corrupt_path),
                               [key_file])
    assert not report.ok
    assert {p.file for p in report.problems} == {"ledger/proofs.json"}
    assert any("does not lead to the signed Merkle root" in p.reason for p in report.problems)


def test_slice_completeness_is_proven_and_checked(
    exported: Path, tmp_path: Path, key_file: Path,
) -> None:
    report = svc.check_package(exported, [key_file])
    assert any(line.startswith("Slice is complete for the period") for line in report.info)

    def drop_after(proofs: dict[str, Any]) -> None:
        proofs["boundary"]["after"] = None

    def shift_period(proofs: dict[str, Any]) -> None:
        proofs["period"]["to"] = "2027-01-01T00:00:00+00:00"

    for edit in (drop_after, shift_period):
        report = svc.check_package(resign(exported, tmp_path / f"{edit.__name__}.zip",
                                          key_file, edit), [key_file])
        assert not report.ok, edit.__name__
        assert {p.file for p in report.problems} == {"ledger/proofs.json"}
        assert any("completeness" in p.reason or "does not close it" in p.reason
                   for p in report.problems), report.lines()


def test_private_key_never_leaves_its_file(exported: Path, key_file: Path) -> None:
    secret = key_file.read_bytes()
    body = b"".join(secret.splitlines()[1:-1])
    with zipfile.ZipFile(exported) as archive:
        for name in archive.namelist():
            data = archive.read(name)
            assert b"PRIVATE KEY" not in data
            assert body not in data.replace(b"\n", b"")


def test_not_a_zip_is_a_clear_failure(tmp_path: Path) -> None:
    path = tmp_path / "x.zip"
    path.write_bytes(b"hello")
    report = svc.check_package(path)
    assert report.problems[0].file == "x.zip"
    assert "not a readable zip" in report.problems[0].reason


def test_export_without_a_key_says_how_to_make_one(sqlite_url: str, tmp_path: Path) -> None:
    app = evidence_app(sqlite_url, None)
    with pytest.raises(Exception, match="tenure evidence keygen"):
        svc.export_period(app, svc.parse_period(PERIOD), tmp_path)
    assert not list(tmp_path.glob("*.zip"))


@pytest.mark.parametrize(("text", "start", "end"), [
    ("2026-07-01..2026-09-30", "2026-07-01T00:00:00+00:00", "2026-10-01T00:00:00+00:00"),
    ("2026-07-01T06:00:00Z..2026-07-02T06:00:00Z", "2026-07-01T06:00:00+00:00",
     "2026-07-02T06:00:00+00:00"),
])
def test_period_parsing(text: str, start: str, end: str) -> None:
    period = svc.parse_period(text)
    assert period.start.isoformat() == start
    assert period.end.isoformat() == end


@pytest.mark.parametrize("bad", ["2026-07-01", "2026-09-30..2026-07-01", "x..y"])
def test_bad_periods_are_rejected(bad: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - messages vary by cause
        svc.parse_period(bad)


def test_t13_canary_never_reaches_a_package(eapp: App, tmp_path: Path,
                                            key_file: Path) -> None:
    canary = "sk-ant-admin01-CANARYcanary0123456789abcdefXYZ"
    seed(eapp)
    with eapp.engine.begin() as conn:
        conn.execute(schema.sync_runs.update().where(schema.sync_runs.c.id == "run-1")
                     .values(error=f"401 with x-api-key {canary}"))
        conn.execute(schema.people.update().where(schema.people.c.email == "p0@example.com")
                     .values(title=f"pasted {canary} here"))
    package = svc.export_period(eapp, svc.parse_period(PERIOD), tmp_path / "out").path
    with zipfile.ZipFile(package) as archive:
        for name in archive.namelist():
            assert canary.encode() not in archive.read(name), name
            assert b"CANARYcanary" not in archive.read(name), name
    assert svc.check_package(package, [key_file]).ok
