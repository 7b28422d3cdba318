"""Findings as people read them: names beside ids (key, workspace, person), the evidence in
plain words, counts by check and severity, one finding's history from the ledger, and bulk
mute (one reason and expiry for many findings, all or nothing)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from tenure.checks.plain import describe
from tenure.errors import NotFound
from tenure.services import findings
from tenure.services.context import App
from tenure.services.findings import FindingFilter, FindingView, MuteView
from tenure.store import schema

F, L, W, P = schema.findings, schema.ledger_entries, schema.workspaces, schema.people


@dataclass(frozen=True, slots=True)
class Readable:
    """A finding with names and its evidence in words."""

    view: FindingView
    subject_name: str
    workspace_name: str | None
    person_name: str | None
    plain: str


@dataclass(frozen=True, slots=True)
class Summary:
    """Counts of the listed findings."""

    by_severity: dict[str, int]
    by_check: list[tuple[str, int]]


def readable(app: App, views: Sequence[FindingView]) -> list[Readable]:
    """Add names (one query for workspaces, one for people) and plain words."""
    ws_ids = {str(v.evidence.get("workspace_id")) for v in views if v.evidence.get(
        "workspace_id")}
    emails = {v.person for v in views if v.person}
    with app.engine.connect() as conn:
        ws = {(r.source, r.external_id): r.name for r in conn.execute(
            sa.select(W.c.source, W.c.external_id, W.c.name)
            .where(W.c.external_id.in_(sorted(ws_ids))))} if ws_ids else {}
        people = {str(e): str(n) for e, n in conn.execute(sa.select(P.c.email, P.c.name).where(
            P.c.email.in_(sorted(emails)), P.c.removed_at.is_(None)))} if emails else {}
    out = []
    for v in views:
        ev = v.evidence
        wid = ev.get("workspace_id")
        wname = ev.get("workspace_name") or (ws.get((v.source, str(wid))) if wid else None)
        name = str(ev.get("key_name") or ev.get("name") or v.subject_email or v.subject_id)
        out.append(Readable(v, name, str(wname) if wname else None,
                            people.get(v.person) if v.person else None,
                            describe(v.check, ev, v.status)))
    return out


def summarise(views: Sequence[FindingView]) -> Summary:
    """Counts by severity (most severe first) and by check (most first)."""
    order = ("critical", "high", "medium", "low", "info")
    sev = Counter(v.severity for v in views)
    return Summary({s: sev[s] for s in order if sev[s]},
                   Counter(v.check for v in views).most_common())


def page(app: App, filt: FindingFilter, limit: int, offset: int
         ) -> tuple[list[FindingView], int, Summary]:
    """One page of findings, the total and the counts by severity and check, all in SQL (a
    page costs the same whatever the number of findings)."""
    with app.engine.connect() as conn:
        total, by_severity, by_check = findings.count_findings(conn, filt)
        rows = findings.query_findings(conn, findings.catalogue(app), filt, now=app.now(),
                                       limit=limit, offset=offset)
    return rows, total, Summary(by_severity, by_check)


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One ledger entry about a finding."""

    at: datetime
    kind: str
    actor: str
    detail: str


def history(app: App, finding_id: str) -> tuple[Readable, list[HistoryEntry]]:
    """One finding and every ledger entry about it (opened, changed, muted, resolved)."""
    one = FindingFilter(statuses=(*findings.OPEN, "pass"), finding_id=finding_id)
    found = findings.list_findings(app, one)
    if not found:
        raise NotFound(f"no finding {finding_id!r}")
    with app.engine.connect() as conn:
        rows = conn.execute(sa.select(L.c.ts, L.c.kind, L.c.actor, L.c.payload)
                            .where(L.c.subject == finding_id).order_by(L.c.seq)).all()
    entries = []
    for ts, kind, actor, payload in rows:
        body: dict[str, Any] = json.loads(payload)
        detail = body.get("reason") or body.get("status") or ""
        if body.get("until"):
            detail = f"{detail} (until {str(body['until'])[:10]})"
        entries.append(HistoryEntry(ts, str(kind).replace("finding.", ""), actor, str(detail)))
    return readable(app, found)[0], entries


def mute_many(app: App, finding_ids: Sequence[str], *, reason: str,
              until: datetime) -> list[MuteView]:
    """Mute several findings with one reason and expiry (each recorded in the ledger); an
    unknown id refuses the whole batch before anything is written."""
    ids = list(dict.fromkeys(finding_ids))
    with app.engine.connect() as conn:
        known = set(conn.execute(sa.select(F.c.id).where(F.c.id.in_(ids))).scalars())
    missing = [i for i in ids if i not in known]
    if missing:
        raise NotFound(f"no finding {missing[0]!r}")
    return [findings.mute_finding(app, i, reason=reason, until=until) for i in ids]
