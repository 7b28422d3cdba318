"""The sync engine: runs a connector and commits what it yields, page by page.

Each Batch is one transaction: its rows, its raw page and its stream cursor commit together,
so a crash resumes from the last committed page. Retirement of records no longer listed
happens only for record types the run enumerated completely, in the final transaction, which
also resolves identities and writes the run's ledger entry.
"""

from __future__ import annotations

import os
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from tenure.config import remember_configured_secrets
from tenure.connectors.base import (
    Batch,
    Note,
    Population,
    Quarantined,
    SourceType,
    StreamComplete,
    SyncContext,
    SyncOptions,
    TenantInfo,
    load_builtin_connectors,
)
from tenure.errors import InputRejected, MassChangeRefused, TenureError
from tenure.evidence import ledger
from tenure.identity import resolve_identities
from tenure.model import (
    RECORD_TYPES,
    Account,
    Activity,
    Credential,
    FederationIssuer,
    FederationRule,
    Gap,
    Grant,
    Invite,
    Person,
    RunStatus,
    Usage,
    Workspace,
)
from tenure.redact import redact_known, redact_text
from tenure.services import effective_access, feed_roles, massguard
from tenure.services import touched as touched_data
from tenure.services.context import App
from tenure.services.evidence import auto_checkpoint
from tenure.store import agent_rows, schema, writers
from tenure.store.access_writers import ACCESS_ROWS
from tenure.store.activity import write_activities
from tenure.store.db import analyze, refresh_statistics
from tenure.store.people import retire_missing_people, write_people
from tenure.textsafe import clean_record

ProgressCallback = Callable[[str, str, int], None]
"""Called with (source, stream, records written so far in that stream)."""


@dataclass
class SyncResult:
    """What one source's run did, for the summary table and the exit code."""

    source: str
    source_type: str
    run_id: str
    status: RunStatus = RunStatus.RUNNING
    tenant: str = ""
    written: Counter[str] = field(default_factory=Counter)
    retired: Counter[str] = field(default_factory=Counter)
    changes: Counter[str] = field(default_factory=Counter)
    gaps: list[Gap] = field(default_factory=list)
    notes: dict[str, Any] = field(default_factory=dict)
    complete_types: set[str] = field(default_factory=set)
    error: str | None = None
    problems: list[dict[str, object]] = field(default_factory=list)
    quarantined_types: set[str] = field(default_factory=set)
    """Record types with a quarantined vendor object: incomplete, so never retired."""
    seconds: float = 0.0
    touched: set[str] = field(default_factory=set)
    """The data kinds the run changed (``services.touched``): which checks to re-run."""
    before: touched_data.Before | None = None

    @property
    def failed(self) -> bool:
        """True when the run did not finish."""
        return self.status is RunStatus.FAILED

    def stats(self) -> dict[str, Any]:
        """JSON-ready figures stored on the run and printed in summaries."""
        return {"written": dict(self.written), "retired": dict(self.retired),
                "changes": dict(self.changes), "notes": self.notes,
                "gaps": [{"record_type": g.record_type, "reason": g.reason, "detail": g.detail}
                         for g in self.gaps],
                "problems": self.problems,
                "seconds": round(self.seconds, 3)}


def _write_batch(conn: sa.Connection, app: App, result: SyncResult, batch: Batch) -> None:
    now = app.now()
    source, tenant, run_id = result.source, result.tenant, result.run_id
    raw_page_id: int | None = None
    digest: str | None = None
    if batch.raw is not None:
        raw_page_id, digest = writers.store_raw_page(
            conn, run_id=run_id, source=source, stream=batch.stream,
            locator=redact_known(batch.raw.locator),
            body=batch.raw.body, now=now)
        result.notes["raw_pages"] = result.notes.get("raw_pages", 0) + 1
    before = Counter(result.written)
    by_type: dict[type[Any], list[Any]] = {}
    for record in _safe_records(result, batch):
        by_type.setdefault(type(record), []).append(record)
    common = {"source": source, "tenant": tenant, "run_id": run_id}
    for kind, records in by_type.items():
        name = RECORD_TYPES[kind]
        if kind is Person:
            changes = write_people(conn, records, now=now, **common)
            result.changes.update(str(c.kind) for c in changes)
            result.written[name] += len(records)
        elif kind is Activity:
            result.written[name] += write_activities(conn, records, raw_page_id=raw_page_id,
                                                     **common)
        elif kind is Usage:
            result.written[name] += writers.write_usage(conn, records, **common)
        else:
            row_of: dict[type[Any], Callable[[Any], dict[str, Any]]] = {
                Account: writers.account_row, Invite: writers.invite_row,
                Workspace: writers.workspace_row, Credential: writers.credential_row,
                Grant: writers.grant_row, FederationIssuer: writers.federation_issuer_row,
                FederationRule: writers.federation_rule_row, **agent_rows.ROWS,
                **ACCESS_ROWS,
            }
            if kind is Grant:
                writers.upsert_entitlements(conn, records, source=source, tenant=tenant, now=now)
            result.written[name] += writers.upsert_snapshot(
                conn, writers.SNAPSHOT_TABLES[name], [row_of[kind](r) for r in records],
                now=now, **common)
    if batch.cursor is not None:
        writers.save_cursor(conn, source=source, stream=batch.stream, cursor=batch.cursor,
                            run_id=run_id, now=now)
    ledger.append(conn, kind="sync.batch", actor=app.actor, now=now, subject=run_id, payload={
        "run_id": run_id, "source": source, "tenant": tenant, "stream": batch.stream,
        "records": len(batch.records), "written": dict(result.written - before),
        "raw_page_sha256": digest,
        "locator": redact_known(batch.raw.locator) if batch.raw else None,
        "cursor": dict(batch.cursor) if batch.cursor is not None else None})


def _quarantine(app: App, result: SyncResult, item: Quarantined) -> None:
    """One vendor object set aside: a problem on the run, a Gap per record type it would have
    fed (their checks say ``manual``), and those types stay incomplete (nothing retired)."""
    result.problems.append(item.as_dict())
    result.quarantined_types.update(item.record_types)
    result.complete_types.difference_update(item.record_types)
    detail = (f"{item.endpoint}, {item.page}, item {item.index}: field {item.field!r} "
              f"({item.reason})")
    with app.engine.begin() as conn:
        for record_type in item.record_types:
            gap = Gap(record_type, "quarantined vendor record", detail)
            result.gaps.append(gap)
            writers.record_gap(conn, run_id=result.run_id, source=result.source,
                               tenant=result.tenant, record_type=record_type,
                               reason=gap.reason, detail=redact_text(detail), now=app.now())


MAX_LISTED_PROBLEMS = 100


def _record_id(record: Any) -> str:
    return str(getattr(record, "external_id", None) or getattr(record, "email", "?"))


def _safe_records(result: SyncResult, batch: Batch) -> list[Any]:
    """The batch's records with lone surrogates, control characters and configured secrets
    replaced (``tenure.textsafe``); each replacement is a problem on the run, never a crash."""
    records = []
    for record in batch.records:
        cleaned, found = clean_record(record)
        records.append(cleaned)
        for field_name, why in found:
            result.notes["unsafe_text"] = result.notes.get("unsafe_text", 0) + 1
            if len(result.problems) < MAX_LISTED_PROBLEMS:
                result.problems.append({
                    "path": f"{batch.stream}:{_record_id(cleaned)}",
                    "line": 0, "field": field_name, "reason": why})
    return records


def _finish(conn: sa.Connection, app: App, result: SyncResult) -> None:
    now = app.now()
    unread_subsets = {g.record_type for g in result.gaps if g.record_type in
                      writers.SUBSET_TABLES} - result.complete_types
    if result.status is not RunStatus.FAILED:
        for record_type in sorted(result.complete_types):
            if record_type == "person":
                changes = retire_missing_people(conn, source=result.source, tenant=result.tenant,
                                                run_id=result.run_id, now=now)
                result.retired["person"] += len(changes)
                result.changes.update(str(c.kind) for c in changes)
            elif record_type in writers.SNAPSHOT_TABLES:
                table = writers.SNAPSHOT_TABLES[record_type]
                # A sub-type read with a credential of its own and not read this run (a Gap)
                # keeps its rows: a complete listing of the others says nothing about them.
                keep = [where for sub in unread_subsets for where in [writers.subset_rows(
                    sub, table, result.source, result.tenant)] if where is not None]
                result.retired[record_type] += writers.retire_missing(
                    conn, table, source=result.source, tenant=result.tenant,
                    run_id=result.run_id, now=now, keep=keep)
            elif record_type in writers.SUBSET_TABLES:
                for table in writers.SUBSET_TABLES[record_type]:
                    result.retired[record_type] += writers.retire_missing(
                        conn, table, source=result.source, tenant=result.tenant,
                        run_id=result.run_id, now=now,
                        only=writers.subset_rows(record_type, table, result.source,
                                                 result.tenant))
        resolve_identities(conn)
        if result.source_type == "anthropic":
            result.notes["feed_role_assignments"] = feed_roles.derive(
                conn, source=result.source, tenant=result.tenant, run_id=result.run_id, now=now)
        if sum(result.written.values()):
            # A first sync of a large org is otherwise planned as if its tables were empty:
            # nested loops made the computation take minutes instead of seconds on PostgreSQL.
            analyze(conn, effective_access.READS)
        result.notes["effective_access_rows"] = effective_access.compute(
            conn, source=result.source, tenant=result.tenant, run_id=result.run_id, now=now)
    if result.before is not None:
        result.touched = touched_data.after(
            conn, result.before, run_id=result.run_id, written=dict(result.written),
            gap_types=[g.record_type for g in result.gaps])
    writers.finish_run(conn, run_id=result.run_id, status=result.status, tenant=result.tenant,
                       complete_types=sorted(result.complete_types), stats=result.stats(),
                       error=result.error, now=now)
    ledger.append(conn, kind=f"sync_run.{result.status}", actor=app.actor, now=now,
                  subject=result.run_id, payload={
                      "run_id": result.run_id, "source": result.source,
                      "source_type": result.source_type, "tenant": result.tenant,
                      "status": str(result.status), "written": dict(result.written),
                      "retired": dict(result.retired), "changes": dict(result.changes),
                      "gaps": [g.record_type for g in result.gaps],
                      "complete_types": sorted(result.complete_types),
                      "raw_pages": result.notes.get("raw_pages", 0), "error": result.error,
                      "mass_change_allowed": result.notes.get("mass_change_allowed")})


def run_source(
    app: App, name: str, *, options: SyncOptions | None = None,
    progress: ProgressCallback | None = None,
) -> SyncResult:
    """Sync one configured source; the outcome (even a failure) is recorded and returned."""
    types = load_builtin_connectors()
    config = app.settings.source(name)
    source_type: SourceType = types.get(config.type)
    result = SyncResult(source=name, source_type=config.type, run_id=uuid.uuid4().hex,
                        tenant=name)
    started = time.monotonic()
    engine = app.engine
    remember_configured_secrets(app.settings, os.environ)
    with engine.begin() as conn:
        writers.start_run(conn, run_id=result.run_id, source=name, source_type=config.type,
                          now=app.now())
        cursors = writers.load_cursors(conn, name)
        result.before = touched_data.before(conn, name)
    ctx = SyncContext(source=name, clock=app.clock, cursors=cursors,
                      options=options or SyncOptions(), env=dict(os.environ))
    try:
        for item in source_type.factory(config).sync(ctx):
            if isinstance(item, Batch):
                with engine.begin() as conn:
                    _write_batch(conn, app, result, item)
                if progress:
                    progress(name, item.stream, sum(result.written.values()))
            elif isinstance(item, Gap):
                result.gaps.append(item)
                with engine.begin() as conn:
                    writers.record_gap(conn, run_id=result.run_id, source=name,
                                       tenant=result.tenant, record_type=item.record_type,
                                       reason=item.reason, detail=item.detail, now=app.now())
            elif isinstance(item, StreamComplete):
                if item.record_type not in result.quarantined_types:
                    result.complete_types.add(item.record_type)
            elif isinstance(item, Quarantined):
                _quarantine(app, result, item)
            elif isinstance(item, TenantInfo):
                result.tenant = item.tenant_id
            elif isinstance(item, Population) and item.record_type == "person":
                try:
                    with engine.connect() as conn:
                        massguard.check_population(conn, app.settings.lifecycle, source=name,
                                                   tenant=result.tenant, listing=item)
                except MassChangeRefused as refused:
                    if not ctx.options.allow_mass_change:
                        raise
                    # Accepted on purpose: the run (and its ledger entry) says so.
                    result.notes["mass_change_allowed"] = str(refused)
            elif isinstance(item, Note):
                if item.key == "rejected_rows":
                    result.problems += list(item.value)
                result.notes[item.key] = item.value
        unread = [g for g in result.gaps if not g.switched_off]
        result.status = RunStatus.PARTIAL if unread or result.problems else (
            RunStatus.COMPLETE)
    except InputRejected as exc:
        result.status, result.error = RunStatus.FAILED, redact_text(str(exc))
        result.problems = [p.as_dict() for p in exc.problems]
    except TenureError as exc:
        result.status, result.error = RunStatus.FAILED, redact_text(str(exc))
    except Exception as exc:  # any connector fault must end as a recorded failed run
        result.status = RunStatus.FAILED
        result.error = redact_text(f"{type(exc).__name__}: {exc}")
    result.seconds = time.monotonic() - started
    with engine.begin() as conn:
        _finish(conn, app, result)
    if sum(result.written.values()):
        refresh_statistics(engine)
    auto_checkpoint(app)
    return result


def sync_sources(
    app: App, names: Sequence[str] = (), *, options: SyncOptions | None = None,
    progress: ProgressCallback | None = None,
) -> list[SyncResult]:
    """Sync the named sources (all configured ones when none are named), in config order."""
    wanted = list(names) or [s.name for s in app.settings.sources]
    for name in wanted:
        app.settings.source(name)  # fail before any run when a name is unknown
    results = [run_source(app, name, options=options, progress=progress) for name in wanted]
    # What changed on the platforms changes the findings: re-evaluate the checks that read it
    # now, not when someone remembers to run them (a failed run may have committed pages too).
    from tenure.services.findings import run_affected_checks

    run_affected_checks(app, set().union(*(r.touched for r in results)),
                        trigger="sync:" + ",".join(r.source for r in results))
    return results


def last_runs(conn: sa.Connection) -> dict[str, dict[str, Any]]:
    """Per source: the newest run and the newest successful (complete or partial) run."""
    runs = schema.sync_runs
    ok = [str(RunStatus.COMPLETE), str(RunStatus.PARTIAL)]
    out: dict[str, dict[str, Any]] = {}
    for key, only_ok in (("last_run", False), ("last_success", True)):
        newest = sa.select(runs.c.source, sa.func.max(runs.c.started_at).label("started_at"))
        if only_ok:
            newest = newest.where(runs.c.status.in_(ok))
        latest = newest.group_by(runs.c.source).subquery()
        rows = conn.execute(sa.select(runs).join(latest, sa.and_(
            runs.c.source == latest.c.source, runs.c.started_at == latest.c.started_at)))
        for row in rows.mappings():
            out.setdefault(row["source"], {"last_run": None, "last_success": None})[key] = (
                dict(row))
    return out
