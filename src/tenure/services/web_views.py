"""Read models the web app and the REST API need beyond the CLI's: a reviewer's queue
across open campaigns, one item with its visibility rule, a subject's page, and stored
plans approved or applied by id. No framework imports; every query is parameterised.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from tenure.actions.batches import Batch
from tenure.actions.plan import Plan
from tenure.actions.runner import ApplyReport
from tenure.errors import NotFound, TenureError
from tenure.private_files import write_private
from tenure.services import revocation
from tenure.services.access_views import access_in_words
from tenure.services.activity_views import IdentityChange, subject_changes
from tenure.services.context import App
from tenure.services.reviews import ItemRow
from tenure.store import schema

ITEMS, CMP, DEC = schema.review_items, schema.campaigns, schema.review_decisions
MAX_PAGE = 200
STATUSES = ("pending", "decided")


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a list and the total behind it."""

    rows: list[Any]
    total: int
    limit: int
    offset: int


def clamp(limit: int, offset: int) -> tuple[int, int]:
    """Page bounds every list accepts: 1..MAX_PAGE rows from offset ≥ 0."""
    return max(1, min(limit, MAX_PAGE)), max(0, offset)


def paginate(rows: Sequence[Any], limit: int, offset: int) -> Page:
    """A page of an in-memory list (lists the services already return whole)."""
    limit, offset = clamp(limit, offset)
    return Page(list(rows[offset:offset + limit]), len(rows), limit, offset)


def _item(r: sa.RowMapping) -> ItemRow:
    return ItemRow(
        id=r["id"], campaign_id=r["campaign_id"], kind=r["kind"], source=r["source"],
        subject_id=r["subject_id"], label=r["label"], person_email=r["person_email"],
        privileged=r["privileged"], recommendation=r["recommendation"],
        reason=r["recommendation_reason"], risk=r["risk"], stage=r["stage"],
        reviewer=r["reviewer"], status=r["status"], decision=r["decision"],
        decided_by=r["decided_by"], justification=r["justification"], outcome=r["outcome"],
        last_activity=(r["snapshot"].get("usage") or {}).get("last_activity_at"),
        snapshot=r["snapshot"])


def queue(app: App, reviewer: str, *, status: str | None = "pending", limit: int = 50,
          offset: int = 0) -> Page:
    """Items assigned (or delegated) to ``reviewer`` in open campaigns, riskiest first."""
    limit, offset = clamp(limit, offset)
    where = [ITEMS.c.reviewer == reviewer.strip().lower(), CMP.c.status == "open"]
    if status is not None:
        if status not in STATUSES:
            raise TenureError(f"status must be one of {', '.join(STATUSES)}")
        where.append(ITEMS.c.status == status)
    return _page(app, where, limit, offset)


def campaign_items(app: App, campaign_id: str, *, status: str | None = None,
                   overdue_only: bool = False, limit: int = 50, offset: int = 0) -> Page:
    """A campaign's items (admins and auditors), riskiest first, one page."""
    limit, offset = clamp(limit, offset)
    where = [ITEMS.c.campaign_id == campaign_id]
    if status is not None:
        if status not in STATUSES:
            raise TenureError(f"status must be one of {', '.join(STATUSES)}")
        where.append(ITEMS.c.status == status)
    if overdue_only:
        where += [ITEMS.c.status == "pending", CMP.c.due_at <= app.now(),
                  CMP.c.status == "open"]
    return _page(app, where, limit, offset)


def _page(app: App, where: list[Any], limit: int, offset: int) -> Page:
    joined = ITEMS.join(CMP, CMP.c.id == ITEMS.c.campaign_id)
    order = (ITEMS.c.risk.desc(), ITEMS.c.label, ITEMS.c.id)
    # Sort and skip over narrow rows, then read the wide ones (snapshots) for one page only.
    ids = (sa.select(ITEMS.c.id).select_from(joined).where(*where).order_by(*order)
           .limit(limit).offset(offset).subquery())
    with app.engine.connect() as conn:
        total = conn.execute(sa.select(sa.func.count()).select_from(joined).where(*where)
                             ).scalar_one()
        rows = conn.execute(sa.select(ITEMS).join(ids, ids.c.id == ITEMS.c.id)
                            .order_by(*order)).mappings().all()
    return Page([_item(r) for r in rows], int(total), limit, offset)


def get_item(app: App, item_id: str, *, reviewer: str | None) -> ItemRow:
    """One item; with ``reviewer`` only when it is assigned to them (else NotFound, the same
    answer as for an id that does not exist, so ids of others' items reveal nothing)."""
    query = sa.select(ITEMS).where(ITEMS.c.id == item_id)
    if reviewer is not None:
        query = query.where(ITEMS.c.reviewer == reviewer.strip().lower())
    with app.engine.connect() as conn:
        row = conn.execute(query).mappings().first()
    if row is None:
        raise NotFound(f"no review item {item_id!r}")
    return _item(row)


def item_history(app: App, item_id: str) -> list[dict[str, Any]]:
    """Decisions and reassignments of one item, oldest first."""
    ra = schema.review_assignments
    with app.engine.connect() as conn:
        rows = conn.execute(sa.select(DEC).where(DEC.c.item_id == item_id)
                            .order_by(DEC.c.id)).mappings().all()
        latest = {r["stage"]: r["id"] for r in rows}
        # Decisions are append-only: a change of mind is a newer record; the older stays.
        decided = [{"at": r["decided_at"], "what": f"decided {r['decision']}"
                    + ("" if latest[r["stage"]] == r["id"] else " (changed later)"),
                    "by": r["reviewer"], "note": r["justification"], "stage": r["stage"]}
                   for r in rows]
        moved = [{"at": r["at"], "what": f"{r['kind']} to {r['to_reviewer']}",
                  "by": r["from_reviewer"], "note": r["reason"], "stage": None}
                 for r in conn.execute(sa.select(ra).where(ra.c.item_id == item_id)
                                       ).mappings()]
    return sorted(decided + moved, key=lambda e: e["at"])


@dataclass(frozen=True, slots=True)
class Subject:
    """Everything shown on a person, account or key page."""

    kind: str
    source: str | None
    subject_id: str
    record: dict[str, Any]
    entitlements: list[dict[str, Any]]
    accounts: list[dict[str, Any]]
    owner: str | None
    purposes: list[dict[str, Any]]
    findings: list[dict[str, Any]]
    activity: list[tuple[str, float]]
    decisions: list[dict[str, Any]]
    tokens: list[tuple[str, float]]
    """Input + output tokens per day (keys; empty for people and accounts)."""
    changes: list[IdentityChange] = field(default_factory=list)
    """Identity changes and vendor-staff access that affected this subject, newest first."""
    access: list[dict[str, Any]] = field(default_factory=list)
    """Effective access (accounts and people): each row's ``explanation`` in words."""


SUBJECT_KINDS = ("person", "account", "api_key")


def can_see_subject(app: App, reviewer: str, kind: str, source: str | None,
                    subject_id: str) -> bool:
    """A reviewer sees a subject only through an item assigned to them."""
    who = reviewer.strip().lower()
    query = sa.select(ITEMS.c.id).where(ITEMS.c.reviewer == who)
    if kind == "person":
        query = query.where(ITEMS.c.person_email == subject_id.lower())
    else:
        query = query.where(ITEMS.c.source == (source or ""), ITEMS.c.subject_id == subject_id)
    with app.engine.connect() as conn:
        return conn.execute(query.limit(1)).first() is not None


def _clean(row: sa.RowMapping, drop: tuple[str, ...] = ("id", "sync_run_id",
                                                         "removed_run_id")) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k not in drop}


def subject(app: App, kind: str, source: str | None, subject_id: str, days: int = 90) -> Subject:
    """A person (by email), an account or an API key (by source and vendor id)."""
    if kind not in SUBJECT_KINDS:
        raise NotFound(f"no subject kind {kind!r}")
    acc, cred, grants, people = (schema.accounts, schema.credentials, schema.grants,
                                 schema.people)
    since = app.now().date() - timedelta(days=days - 1)
    with app.engine.connect() as conn:
        accounts: list[dict[str, Any]] = []
        entitlements: list[dict[str, Any]] = []
        owner: str | None = None
        if kind == "person":
            found = conn.execute(sa.select(people).where(people.c.email == subject_id.lower())
                                 .order_by(people.c.id).limit(1)).mappings().first()
            accounts = [_clean(r) for r in conn.execute(
                sa.select(acc).where(acc.c.person_email == subject_id.lower())
                .order_by(acc.c.source, acc.c.external_id)).mappings()]
            owner = found["manager_email"] if found else None
            principals = [(a["source"], a["external_id"]) for a in accounts]
        else:
            table = acc if kind == "account" else cred
            found = conn.execute(sa.select(table).where(
                table.c.source == (source or ""), table.c.external_id == subject_id)
                .limit(1)).mappings().first()
            principals = [(source or "", subject_id)]
            if found is not None and kind == "api_key":
                owner_acc = conn.execute(sa.select(acc.c.person_email, acc.c.email).where(
                    acc.c.source == found["source"],
                    acc.c.external_id.in_([found["owner_id"] or "",
                                           found["creator_id"] or ""]))).first()
                owner = (owner_acc.person_email or owner_acc.email) if owner_acc else None
            elif found is not None:
                owner = found["person_email"]
        if found is None:
            raise NotFound(f"no {kind} {subject_id!r}")
        for src, ext in principals:
            entitlements += [_clean(r) for r in conn.execute(
                sa.select(grants).where(grants.c.source == src, grants.c.account_id == ext,
                                        grants.c.removed_at.is_(None))
                .order_by(grants.c.scope_type, grants.c.scope_id)).mappings()]
        refs = [ext for _, ext in principals] or [subject_id]
        purposes = [_clean(r, ("sync_run_id",)) for r in conn.execute(
            sa.select(schema.purposes).where(schema.purposes.c.subject_ref.in_(refs),
                                             schema.purposes.c.withdrawn_at.is_(None))
        ).mappings()]
        f = schema.findings
        fwhere = (f.c.person_email == subject_id.lower() if kind == "person"
                  else sa.and_(f.c.source == (source or ""), f.c.subject_id == subject_id))
        findings = [_clean(r, ()) for r in conn.execute(
            sa.select(f.c.id, f.c.check_id, f.c.severity, f.c.status, f.c.source,
                      f.c.subject_id, f.c.first_seen).where(fwhere)
            .order_by(f.c.first_seen)).mappings()]
        per_day: dict[date, float] = {}
        tokens_per_day: dict[date, float] = {}
        ad, ud = schema.activity_daily, schema.usage_daily
        for src, ext in principals:
            for day, n in conn.execute(
                    sa.select(ad.c.day, sa.func.sum(ad.c.events)).where(
                        ad.c.source == src, ad.c.principal_id == ext, ad.c.day >= since,
                        ad.c.principal_type != "key_actor")  # also counted as credential
                    .group_by(ad.c.day)):
                per_day[day] = per_day.get(day, 0.0) + float(n)
            for day, n, t in conn.execute(
                    sa.select(ud.c.day, sa.func.sum(ud.c.requests),
                              sa.func.sum(ud.c.input_tokens + ud.c.output_tokens)).where(
                        ud.c.source == src, ud.c.subject_id == ext, ud.c.day >= since)
                    .group_by(ud.c.day)):
                per_day[day] = per_day.get(day, 0.0) + float(n)
                tokens_per_day[day] = tokens_per_day.get(day, 0.0) + float(t or 0)
        iwhere = (ITEMS.c.person_email == subject_id.lower() if kind == "person"
                  else sa.and_(ITEMS.c.source == (source or ""),
                               ITEMS.c.subject_id == subject_id))
        decisions = [dict(r) for r in conn.execute(
            sa.select(DEC.c.campaign_id, DEC.c.item_id, DEC.c.stage, DEC.c.reviewer,
                      DEC.c.decision, DEC.c.justification, DEC.c.decided_at)
            .join(ITEMS, ITEMS.c.id == DEC.c.item_id).where(iwhere)
            .order_by(DEC.c.decided_at)).mappings()]
    days_ = [since + timedelta(days=i) for i in range(days)]
    activity = [(d.isoformat(), per_day.get(d, 0.0)) for d in days_]
    tokens = ([(d.isoformat(), tokens_per_day.get(d, 0.0)) for d in days_]
              if kind == "api_key" else [])
    named = [subject_id] if kind == "person" else []
    named += [a.get("email") or "" for a in accounts]
    if kind == "account":
        named.append(found.get("email") or "")
    emails = sorted({e.lower() for e in named if e})
    changes = subject_changes(app, principals=principals, emails=emails)
    access: list[dict[str, Any]] = []
    if kind != "api_key":
        with app.engine.connect() as conn:
            access = access_in_words(conn, principals)
    return Subject(kind, source, subject_id, _clean(found), entitlements, accounts, owner,
                   purposes, findings, activity, decisions, tokens, changes, access)


def _plan_file(app: App, plan_id: str, folder: Path) -> Path:
    path = folder / f"{plan_id}.json"
    write_private(path, revocation.export_plan(app, plan_id))
    return path


def approve_stored_plan(app: App, plan_id: str, *, approver: str | None = None) -> Plan:
    """Approve a stored plan by id (the same checks as ``tenure revoke approve``)."""
    with tempfile.TemporaryDirectory(prefix="tenure-plan-") as folder:
        return revocation.approve_plan(app, _plan_file(app, plan_id, Path(folder)),
                                       approver=approver)


def apply_stored_plan(app: App, plan_id: str, *, approve_hash: str,
                      batch: int | None = None) -> ApplyReport:
    """Apply a stored plan (or one approved batch of it) by id, exactly as ``tenure revoke
    apply`` (guards included)."""
    with tempfile.TemporaryDirectory(prefix="tenure-plan-") as folder:
        return revocation.apply(app, _plan_file(app, plan_id, Path(folder)),
                                approve_hash=approve_hash, batch=batch)


def approve_stored_batch(app: App, plan_id: str, batch: int, *,
                         approver: str | None = None) -> Batch:
    """Approve one batch of a stored plan by id (as ``tenure revoke approve --batch``)."""
    from tenure.services.plan_batches import approve_batch

    with tempfile.TemporaryDirectory(prefix="tenure-plan-") as folder:
        return approve_batch(app, _plan_file(app, plan_id, Path(folder)), batch,
                             approver=approver)
