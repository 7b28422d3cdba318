"""``tenure import activity FILE``: backfill a Compliance-feed JSONL export.

One line is one activity object exactly as ``/v1/compliance/activities`` returns it. The import
is one transaction: a file with an invalid line is rejected whole (every bad line is listed
with its number and reason) unless ``skip_invalid``; a crash leaves nothing half-written, and a
re-run is harmless because activities dedup on the vendor id. Lines are read as a stream and
written in batches (bounded memory; the next batch is parsed and packed in a background thread
while this one is written); each batch's raw lines are kept compressed and hashed into
the ledger, like a synced page.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import sqlalchemy as sa

from tenure.connectors.anthropic.config import AnthropicConfig
from tenure.connectors.anthropic.feed import compliance_row
from tenure.errors import InputProblem, InputRejected, SourceError, TenureError
from tenure.evidence import ledger
from tenure.model import ActivityRow, RunStatus
from tenure.prefetch import prefetched
from tenure.redact import redact_text
from tenure.services.context import App
from tenure.store import schema, writers
from tenure.store.activity import write_activity_rows
from tenure.store.db import refresh_statistics

MAX_LINE_BYTES = 1024 * 1024
BATCH_LINES = 20_000
MAX_LISTED_PROBLEMS = 1000


@dataclass
class ImportResult:
    """What an import did."""

    run_id: str
    source: str
    tenant: str
    lines: int = 0
    inserted: int = 0
    duplicates: int = 0
    problems: list[InputProblem] = field(default_factory=list)
    problem_count: int = 0
    sha256: str = ""
    seconds: float = 0.0


@dataclass(frozen=True, slots=True)
class _Batch:
    """One batch of lines, normalized and packed, ready to write."""

    index: int
    rows: list[ActivityRow]
    page: writers.PackedPage


def _batches(path: Path, label: str, result: ImportResult, digest: Any,
             tenure_key_id: str | None = None) -> Iterator[_Batch]:
    """Read, parse, normalize and pack ``path`` in batches (no database: runs off-thread)."""
    rows: list[ActivityRow] = []
    raw: list[bytes] = []
    index = 0
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            digest.update(line)
            result.lines = number
            stripped = line.strip()
            if not stripped:
                continue
            problem: str | None = None
            if len(line) > MAX_LINE_BYTES:
                problem = f"line longer than {MAX_LINE_BYTES} bytes"
            else:
                try:
                    obj = orjson.loads(stripped)
                    if not isinstance(obj, dict):
                        raise ValueError("not a JSON object")
                    rows.append(compliance_row(obj, tenure_key_id))
                    raw.append(stripped)
                except (orjson.JSONDecodeError, ValueError, KeyError, TypeError) as exc:
                    problem = redact_text(f"{type(exc).__name__}: {exc}")[:300]
            if problem is not None:
                result.problem_count += 1
                if len(result.problems) < MAX_LISTED_PROBLEMS:
                    result.problems.append(InputProblem(label, number, problem))
            if len(rows) >= BATCH_LINES:
                yield _Batch(index, rows, writers.pack_page(b"\n".join(raw), level=1))
                rows, raw, index = [], [], index + 1
    if rows:
        yield _Batch(index, rows, writers.pack_page(b"\n".join(raw), level=1))


def _tenant_of(conn: sa.Connection, source: str) -> str:
    runs = schema.sync_runs
    tenant = conn.execute(
        sa.select(runs.c.tenant).where(runs.c.source == source,
                                       runs.c.status.in_(("complete", "partial")))
        .order_by(runs.c.started_at.desc()).limit(1)).scalar()
    return str(tenant) if tenant else source


def import_activity(app: App, path: Path, *, source: str,
                    skip_invalid: bool = False) -> ImportResult:
    """Import a Compliance-feed JSONL file for ``source`` in one transaction."""
    config = app.settings.source(source)
    if config.type != "anthropic":
        raise TenureError(f"source {source!r} is {config.type}; Compliance-feed exports belong "
                          "to an anthropic source")
    if not path.is_file():
        raise SourceError(f"{path}: no such file")
    started = time.perf_counter()
    now = app.now()
    label = str(path)
    with app.engine.connect() as conn:
        tenant = _tenant_of(conn, source)
    result = ImportResult(run_id=uuid.uuid4().hex, source=source, tenant=tenant)
    digest = hashlib.sha256()
    common = {"source": source, "tenant": tenant, "run_id": result.run_id}
    try:
        with app.engine.begin() as conn:
            writers.start_run(conn, run_id=result.run_id, source=source,
                              source_type="import", now=now)
            own_key = config.admin_key_id if isinstance(config, AnthropicConfig) else None
            for batch in prefetched(_batches(path, label, result, digest, own_key)):
                if result.problem_count and not skip_invalid:
                    continue  # keep reading to list every bad line; nothing will be kept
                locator = f"{path.name}#batch{batch.index}"
                page_id = writers.store_packed_page(
                    conn, run_id=result.run_id, source=source, stream="activity-import",
                    locator=locator, page=batch.page, now=now)
                inserted = write_activity_rows(conn, batch.rows, raw_page_id=page_id, **common)
                result.inserted += inserted
                result.duplicates += len(batch.rows) - inserted
                ledger.append(conn, kind="sync.batch", actor=app.actor, now=now,
                              subject=result.run_id, payload={
                                  "run_id": result.run_id, "source": source, "tenant": tenant,
                                  "stream": "activity-import", "records": len(batch.rows),
                                  "written": {"activity": inserted},
                                  "raw_page_sha256": batch.page.sha256, "locator": locator})
            result.sha256 = digest.hexdigest()
            if result.problem_count and not skip_invalid:
                raise InputRejected(label, result.problems)
            result.seconds = time.perf_counter() - started
            status = RunStatus.PARTIAL if result.problem_count else RunStatus.COMPLETE
            stats = {"written": {"activity": result.inserted}, "duplicates": result.duplicates,
                     "lines": result.lines, "rejected_lines": result.problem_count,
                     "file_sha256": result.sha256, "seconds": round(result.seconds, 3)}
            writers.finish_run(conn, run_id=result.run_id, status=status, tenant=tenant,
                               complete_types=[], stats=stats, error=None, now=now)
            ledger.append(conn, kind=f"sync_run.{status}", actor=app.actor, now=now,
                          subject=result.run_id, payload={
                              "run_id": result.run_id, "source": source,
                              "source_type": "import", "file": path.name, **stats})
    except InputRejected as exc:
        _record_failure(app, result, str(exc))
        raise
    if result.inserted:
        refresh_statistics(app.engine, ("activities", "activity_daily"))
    from tenure.services.evidence import auto_checkpoint

    auto_checkpoint(app)
    return result


def _record_failure(app: App, result: ImportResult, error: str) -> None:
    """The rolled-back import still leaves a failed run and its ledger entry."""
    now = app.now()
    with app.engine.begin() as conn:
        writers.start_run(conn, run_id=result.run_id, source=result.source,
                          source_type="import", now=now)
        writers.finish_run(conn, run_id=result.run_id, status=RunStatus.FAILED,
                           tenant=result.tenant, complete_types=[],
                           stats={"lines": result.lines, "rejected_lines": result.problem_count,
                                  "file_sha256": result.sha256},
                           error=redact_text(error)[:4000], now=now)
        ledger.append(conn, kind="sync_run.failed", actor=app.actor, now=now,
                      subject=result.run_id, payload={
                          "run_id": result.run_id, "source": result.source,
                          "source_type": "import", "file_sha256": result.sha256,
                          "rejected_lines": result.problem_count})
