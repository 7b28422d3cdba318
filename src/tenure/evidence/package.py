"""Audit packages: a zip of typed sections, a signed manifest of file hashes, the ledger slice
with inclusion proofs to a signed checkpoint, the public key and an offline HTML report.

Layout (every path is fixed so a verifier needs nothing but this module)::

    manifest.json            format, scope, key, every other file's SHA-256 and size
    manifest.sig             base64 Ed25519 signature over the exact bytes of manifest.json
    public_key.pem           the signing key (its id is in the manifest; compare it out of band)
    report.html              human-readable report (self-contained)
    ledger/checkpoint.json   the signed checkpoint the proofs lead to
    ledger/proofs.json       RFC 6962 inclusion proofs (slice ends and the export entry)
    ledger/entries.json|csv  the ledger slice for the scope
    data/<section>.json|csv  one pair per table section

A writer is given a list of sections, so new package kinds (a review campaign) add sections,
not code paths.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from tenure.evidence.keys import PublicKey, SigningKey
from tenure.evidence.tabular import Table, csv_bytes, json_bytes

FORMAT = "tenure-evidence-package-v1"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
PUBLIC_KEY = "public_key.pem"
REPORT = "report.html"
CHECKPOINT = "ledger/checkpoint.json"
PROOFS = "ledger/proofs.json"
ENTRIES = "ledger/entries"
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # fixed so the same content gives the same zip
_SAFE_PATH = re.compile(r"^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$")


@dataclass(frozen=True, slots=True)
class TableSection:
    """A table exported as ``<path>.json`` and ``<path>.csv`` and shown in the report."""

    path: str
    title: str
    description: str
    table: Table
    query: str = ""
    as_of: datetime | None = None
    report_rows: int = 20
    report_columns: tuple[str, ...] = ()
    """Columns the HTML report shows (all when empty); the files always carry every column."""


@dataclass(frozen=True, slots=True)
class FileSection:
    """A file stored as is (JSON documents such as the checkpoint and proofs)."""

    path: str
    title: str
    data: bytes


@dataclass(frozen=True, slots=True)
class ChartSection:
    """An SVG chart shown in the report (its numbers are in a table section)."""

    title: str
    svg: str


@dataclass(frozen=True, slots=True)
class SummarySection:
    """Headline figures at the top of the report."""

    items: tuple[tuple[str, str], ...]


Section = TableSection | FileSection | ChartSection | SummarySection


@dataclass(frozen=True, slots=True)
class PackageSpec:
    """What one package holds: its kind, scope and ordered sections."""

    kind: str
    title: str
    scope: dict[str, str]
    created_at: datetime
    sections: tuple[Section, ...]
    checkpoint_summary: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ManifestFile:
    """One file as listed in the manifest."""

    path: str
    sha256: str
    size: int
    rows: int | None = None


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def build_files(spec: PackageSpec) -> list[tuple[str, bytes, int | None]]:
    """The data files of every section: (path, bytes, row count)."""
    files: list[tuple[str, bytes, int | None]] = []
    for section in spec.sections:
        if isinstance(section, TableSection):
            rows = len(section.table.rows)
            files.append((f"{section.path}.json", json_bytes(section.table), rows))
            files.append((f"{section.path}.csv", csv_bytes(section.table), rows))
        elif isinstance(section, FileSection):
            files.append((section.path, section.data, None))
    for path, _, _ in files:
        if not _SAFE_PATH.match(path):
            raise ValueError(f"unsafe package path {path!r}")
    return files


def write_package(spec: PackageSpec, *, key: SigningKey, out_dir: Path, name: str) -> Path:
    """Write the zip to ``out_dir/name`` and return its path."""
    from tenure.evidence.report_html import render_report

    files = build_files(spec)
    listed = [ManifestFile(p, _digest(d), len(d), r) for p, d, r in files]
    public = key.public
    html = render_report(spec, listed, key_id=public.key_id).encode("utf-8")
    files.append((REPORT, html, None))
    files.append((PUBLIC_KEY, public.pem().encode("ascii"), None))
    listed += [ManifestFile(REPORT, _digest(html), len(html)),
               ManifestFile(PUBLIC_KEY, _digest(files[-1][1]), len(files[-1][1]))]
    sections = [{"path": s.path, "title": s.title, "query": s.query,
                 "as_of": s.as_of.astimezone(UTC).isoformat() if s.as_of else None,
                 "rows": len(s.table.rows),
                 "sha256_json": next(m.sha256 for m in listed if m.path == f"{s.path}.json")}
                for s in spec.sections if isinstance(s, TableSection)]
    manifest = {
        "format": FORMAT, "kind": spec.kind, "title": spec.title, "scope": spec.scope,
        "created_at": spec.created_at.astimezone(UTC).isoformat(),
        "key_id": public.key_id, "public_key": public.b64, "sections": sections,
        "files": [{"path": m.path, "sha256": m.sha256, "bytes": m.size, "rows": m.rows}
                  for m in listed],
    }
    manifest_bytes = (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode("utf-8")
    signature = base64.b64encode(key.sign(manifest_bytes)) + b"\n"
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / name
    partial = target.with_suffix(".zip.partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path, data in [(MANIFEST, manifest_bytes), (SIGNATURE, signature),
                           *((p, d) for p, d, _ in files)]:
            info = zipfile.ZipInfo(path, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    partial.replace(target)  # never leave a half-written package under the final name
    return target


def manifest_key(manifest: object) -> PublicKey:
    """The public key a manifest names; ValueError when absent or malformed."""
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ValueError(f"not a {FORMAT} manifest")
    return PublicKey.from_b64(str(manifest.get("public_key", "")))


def listed_files(manifest: dict[str, object]) -> list[ManifestFile]:
    """The manifest's file list; ValueError naming the bad entry."""
    raw = manifest.get("files")
    if not isinstance(raw, list):
        raise ValueError("'files' is missing")
    out: list[ManifestFile] = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            raise ValueError(f"files[{i}] is not an object")
        try:
            out.append(ManifestFile(str(item["path"]), str(item["sha256"]), int(item["bytes"]),
                                    None if item.get("rows") is None else int(item["rows"])))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"files[{i}] is malformed: {exc}") from None
    return out


def file_names(sections: Sequence[Section]) -> list[str]:
    """Every data file a list of sections produces (for documentation and tests)."""
    names: list[str] = []
    for s in sections:
        if isinstance(s, TableSection):
            names += [f"{s.path}.json", f"{s.path}.csv"]
        elif isinstance(s, FileSection):
            names.append(s.path)
    return names
