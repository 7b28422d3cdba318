"""Audit packages: a zip of typed sections, a signed manifest of file hashes, the ledger slice
with inclusion proofs to a signed checkpoint, the public key and an offline HTML report.

Layout (every path is fixed so a verifier needs nothing but this module)::

    manifest.json            format, scope, key, every other file's SHA-256 and size
    manifest.sig             base64 Ed25519 signature over the exact bytes of manifest.json
    public_key.pem           the signing key (its id is in the manifest; compare it out of band)
    report.html              human-readable report (self-contained)
    ledger/checkpoint.json   the signed checkpoint the proofs lead to
    ledger/proofs.json       RFC 6962 inclusion proofs (slice ends and the export entry)
    ledger/entries.jsonl|csv the ledger slice for the scope (streamed)
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
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from tenure.evidence.keys import PublicKey, SigningKey
from tenure.evidence.tabular import (
    Cell,
    Table,
    csv_bytes,
    csv_header,
    csv_line,
    json_bytes,
    jsonl_line,
)
from tenure.private_files import private_dir, touch_private

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


@dataclass(frozen=True, slots=True)
class StreamSection:
    """A table too large to hold in memory, written row by row as ``<path>.jsonl`` (one JSON
    object per line) and ``<path>.csv``. ``rows`` is called once per file."""

    path: str
    title: str
    description: str
    columns: tuple[str, ...]
    rows: Callable[[], Iterable[tuple[Cell, ...]]]
    query: str = ""
    as_of: datetime | None = None
    report_rows: int = 10
    report_columns: tuple[str, ...] = ()


Section = TableSection | StreamSection | FileSection | ChartSection | SummarySection


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


def _check_path(path: str) -> str:
    if not _SAFE_PATH.match(path):
        raise ValueError(f"unsafe package path {path!r}")
    return path


def _info(path: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(_check_path(path), date_time=_ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


class _Writer:
    """Adds members to the zip, recording each one's SHA-256, size and row count."""

    def __init__(self, archive: zipfile.ZipFile) -> None:
        self.archive = archive
        self.listed: list[ManifestFile] = []
        self.previews: dict[str, tuple[list[tuple[Cell, ...]], int]] = {}

    def add(self, path: str, data: bytes, rows: int | None = None) -> None:
        self.archive.writestr(_info(path), data)
        self.listed.append(ManifestFile(path, _digest(data), len(data), rows))

    def stream(self, section: StreamSection) -> None:
        """Write ``.jsonl`` then ``.csv`` row by row (two passes over the rows)."""
        preview: list[tuple[Cell, ...]] = []
        count = 0
        for suffix in ("jsonl", "csv"):
            path = f"{section.path}.{suffix}"
            with self.archive.open(_info(path), "w", force_zip64=True) as handle:
                sink = _Sink(handle)
                if suffix == "csv":
                    sink.write(csv_header(section.columns))
                count = 0
                buffered: list[bytes] = []
                for row in section.rows():
                    count += 1
                    if suffix == "jsonl":
                        if len(preview) < section.report_rows:
                            preview.append(row)
                        buffered.append(jsonl_line(section.columns, row))
                    else:
                        buffered.append(csv_line(row))
                    if len(buffered) >= 1000:
                        sink.write(b"".join(buffered))
                        buffered.clear()
                sink.write(b"".join(buffered))
            self.listed.append(ManifestFile(path, sink.digest.hexdigest(), sink.size, count))
        self.previews[section.path] = (preview, count)


class _Sink:
    """A zip member being written, hashed and measured on the way."""

    def __init__(self, handle: IO[bytes]) -> None:
        self.handle = handle
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, chunk: bytes) -> None:
        self.digest.update(chunk)
        self.size += len(chunk)
        self.handle.write(chunk)


def write_package(spec: PackageSpec, *, key: SigningKey, out_dir: Path, name: str) -> Path:
    """Write the zip to ``out_dir/name`` and return its path.

    Data files are written first (large tables streamed row by row, so memory stays bounded),
    then the report, the public key, and last the manifest and its signature.
    """
    from tenure.evidence.report_html import render_report

    public = key.public
    private_dir(out_dir)
    target = out_dir / name
    partial = touch_private(target.with_suffix(".zip.partial"))
    try:
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            writer = _Writer(archive)
            for section in spec.sections:
                if isinstance(section, TableSection):
                    rows = len(section.table.rows)
                    writer.add(f"{section.path}.json", json_bytes(section.table), rows)
                    writer.add(f"{section.path}.csv", csv_bytes(section.table), rows)
                elif isinstance(section, StreamSection):
                    writer.stream(section)
                elif isinstance(section, FileSection):
                    writer.add(section.path, section.data)
            data_files = list(writer.listed)
            html = render_report(spec, data_files, key_id=public.key_id,
                                 previews=writer.previews)
            writer.add(REPORT, html.encode("utf-8"))
            writer.add(PUBLIC_KEY, public.pem().encode("ascii"))
            manifest_bytes = _manifest(spec, public, writer.listed)
            archive.writestr(_info(MANIFEST), manifest_bytes)
            archive.writestr(_info(SIGNATURE), base64.b64encode(key.sign(manifest_bytes))
                             + b"\n")
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(target)  # never leave a half-written package under the final name
    return target


def _manifest(spec: PackageSpec, public: PublicKey, listed: list[ManifestFile]) -> bytes:
    by_path = {m.path: m for m in listed}
    sections: list[dict[str, object]] = []
    for s in spec.sections:
        if isinstance(s, TableSection | StreamSection):
            main = by_path[f"{s.path}.json" if isinstance(s, TableSection) else f"{s.path}.jsonl"]
            sections.append({"path": s.path, "title": s.title, "query": s.query,
                             "as_of": s.as_of.astimezone(UTC).isoformat() if s.as_of else None,
                             "rows": main.rows, "sha256": main.sha256})
    manifest = {
        "format": FORMAT, "kind": spec.kind, "title": spec.title, "scope": spec.scope,
        "created_at": spec.created_at.astimezone(UTC).isoformat(),
        "key_id": public.key_id, "public_key": public.b64, "sections": sections,
        "files": [{"path": m.path, "sha256": m.sha256, "bytes": m.size, "rows": m.rows}
                  for m in listed],
    }
    return (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode("utf-8")


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
        elif isinstance(s, StreamSection):
            names += [f"{s.path}.jsonl", f"{s.path}.csv"]
        elif isinstance(s, FileSection):
            names.append(s.path)
    return names
