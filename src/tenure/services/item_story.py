"""One review item told at a glance: who, what they hold (names, not ids), what they did (12
weeks of activity by category, tokens and requests for keys, admin actions), findings, purpose
and owner. The snapshot is what the reviewer was asked about; the live reads add names and the
weekly breakdown, always up to the campaign's as-of time.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from tenure.model import ScopeType
from tenure.services.access_views import item_holds
from tenure.services.context import App
from tenure.services.reviews import ItemRow
from tenure.store import schema

WEEKS = 12
A, G, W, C, P = (schema.accounts, schema.grants, schema.workspaces, schema.credentials,
                 schema.people)


@dataclass(frozen=True, slots=True)
class Access:
    """One thing the subject holds, by name."""

    scope: str
    name: str
    role: str
    privileged: bool
    via: str
    since: datetime | str | None


@dataclass(frozen=True, slots=True)
class AdminAction:
    """One admin action from the activity feed."""

    at: datetime
    action: str
    target: str


@dataclass(frozen=True, slots=True)
class ItemStory:
    """What the item page shows beside the decision."""

    person: dict[str, Any] | None
    manager_name: str | None
    holds: list[Access]
    weeks: list[str]
    """Week labels (the Monday, "Nov 03"), oldest first."""
    by_category: dict[str, list[int]]
    """Events per week per category, over ``weeks``."""
    weekly_requests: list[int]
    weekly_tokens: list[int]
    admin_actions: list[AdminAction]
    findings: list[dict[str, Any]]
    current_findings: dict[str, str]
    """Finding id → its status now (a finding may have resolved since the snapshot)."""
    campaign_name: str
    due_at: datetime
    as_of: datetime
    campaign_open: bool
    sponsor: dict[str, Any] | None = None
    """The non-human identity's accountable human now (``nhi_accountability``), if any."""


def _weeks(as_of: datetime) -> tuple[date, list[date]]:
    end = as_of.date()
    start = end - timedelta(days=7 * WEEKS - 1)
    return start, [start + timedelta(days=7 * i) for i in range(WEEKS)]


def item_story(app: App, item: ItemRow) -> ItemStory:
    """The story of one item, read set-at-a-time (a handful of queries)."""
    cmp = schema.campaigns
    ad, act, f = schema.activity_daily, schema.activities, schema.findings
    with app.engine.connect() as conn:
        campaign = conn.execute(sa.select(cmp.c.name, cmp.c.due_at, cmp.c.as_of, cmp.c.status)
                                .where(cmp.c.id == item.campaign_id)).one()
        as_of: datetime = campaign.as_of
        start, starts = _weeks(as_of)
        principals, admin_ids = _principals_of(conn, item)
        by_category: dict[str, list[int]] = defaultdict(lambda: [0] * WEEKS)
        if principals:
            rows = conn.execute(
                sa.select(ad.c.day, ad.c.category, sa.func.sum(ad.c.events))
                .where(ad.c.source == item.source, ad.c.day >= start, ad.c.day <= as_of.date(),
                       sa.tuple_(ad.c.principal_type, ad.c.principal_id).in_(principals))
                .group_by(ad.c.day, ad.c.category))
            for day, category, n in rows:
                by_category[category][(day - start).days // 7] += int(n)
        actions: list[AdminAction] = []
        if admin_ids:
            actions = [AdminAction(r.occurred_at, r.action,
                                   " ".join(x for x in (r.target_type, r.target_id) if x))
                       for r in conn.execute(
                sa.select(act.c.occurred_at, act.c.action, act.c.target_type, act.c.target_id)
                .where(act.c.source == item.source, act.c.actor_id.in_(admin_ids),
                       act.c.category == "admin",
                       act.c.occurred_at > as_of - timedelta(days=90),
                       act.c.occurred_at <= as_of)
                .order_by(act.c.occurred_at.desc()).limit(20))]
        holds = _holds(conn, item)
        snap_findings = list(item.snapshot.get("findings") or [])
        current = dict(conn.execute(sa.select(f.c.id, f.c.status).where(
            f.c.id.in_([x["id"] for x in snap_findings]))).all()) if snap_findings else {}
        na = schema.nhi_accountability
        sponsor = conn.execute(sa.select(na.c.sponsor_email, na.c.basis, na.c.reason,
                                         na.c.provisional, P.c.name, P.c.status)
                               .outerjoin(P, sa.and_(P.c.email == na.c.sponsor_email,
                                                     P.c.removed_at.is_(None)))
                               .where(na.c.source == item.source,
                                      na.c.subject_id == item.subject_id)
                               .limit(1)).mappings().first()
        person = item.snapshot.get("person") or (item.snapshot.get("owner") or {}).get("person")
        manager_name = None
        if person and person.get("manager_email"):
            manager_name = conn.execute(sa.select(P.c.name).where(
                P.c.email == person["manager_email"]).limit(1)).scalar()
    usage = item.snapshot.get("usage") or {}
    return ItemStory(
        person=person, manager_name=manager_name, holds=holds,
        weeks=[d.strftime("%b %d") for d in starts],
        by_category=dict(sorted(by_category.items())),
        weekly_requests=list(usage.get("weekly_requests") or []),
        weekly_tokens=list(usage.get("weekly_tokens") or []),
        admin_actions=actions, findings=snap_findings,
        current_findings={str(k): str(v) for k, v in current.items()},
        campaign_name=campaign.name, due_at=campaign.due_at, as_of=as_of,
        campaign_open=campaign.status == "open",
        sponsor=dict(sponsor) if sponsor is not None else None)


def _principals_of(conn: sa.Connection, item: ItemRow) -> tuple[list[tuple[str, str]],
                                                                list[str]]:
    if item.kind == "api_key":
        return [("credential", item.subject_id)], []
    if item.kind == "grant":
        holder = conn.execute(sa.select(G.c.account_id).where(
            G.c.source == item.source, G.c.external_id == item.subject_id).limit(1)).scalar()
        if holder is None:
            return [], []
        return [("account", str(holder))], [str(holder)]
    out = [("account", item.subject_id)]
    if item.snapshot.get("email"):
        out.append(("email", str(item.snapshot["email"])))
    return out, [item.subject_id]


def _holds(conn: sa.Connection, item: ItemRow) -> list[Access]:
    snap = item.snapshot
    names = {r.external_id: r.name for r in conn.execute(
        sa.select(W.c.external_id, W.c.name).where(W.c.source == item.source))}
    if item.kind == "api_key":
        row = conn.execute(sa.select(C).where(C.c.source == item.source,
                                              C.c.external_id == item.subject_id)).first()
        if row is None:
            return []
        where = (names.get(row.workspace_id or "", row.workspace_id or "organization")
                 if row.scope != ScopeType.ORGANIZATION else "whole organization")
        return [Access(str(row.scope), where, str(row.kind).replace("_", " "),
                       bool(snap.get("privileged")), "the key itself", row.created_at)]
    if item.kind in ("group_member", "role_assignment"):
        # What the membership or assignment grants now (not the member's own seat).
        return [Access(h["scope"], h["where"], h["role"], h["privileged"], h["via"],
                       snap.get("created_at"))
                for h in item_holds(conn, item.kind, item.source, item.subject_id)]
    if item.kind == "grant":
        rows = conn.execute(sa.select(G).where(G.c.source == item.source,
                                               G.c.external_id == item.subject_id)).all()
    else:
        rows = conn.execute(sa.select(G).where(
            G.c.source == item.source, G.c.account_id == item.subject_id,
            G.c.removed_at.is_(None)).order_by(G.c.scope_type, G.c.scope_id)).all()
    out = []
    if item.kind != "grant":
        out.append(Access("organization", "organization role", str(snap.get("role") or ""),
                          bool(snap.get("privileged")), "direct", snap.get("created_at")))
    for g in rows:
        label = ("organization" if g.scope_type == ScopeType.ORGANIZATION
                 else names.get(g.scope_id, g.scope_id))
        out.append(Access(str(g.scope_type), str(label), str(g.role), bool(g.privileged),
                          "inherited from the org role" if g.inherited else "direct",
                          g.granted_at))
    return out
