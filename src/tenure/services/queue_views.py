"""The reviewer's queue grouped by person, with filters and sort (web and API read model).

Set-at-a-time: one query pages the groups (a person, or an item that names nobody), one reads
the page's items, one the people, one the campaigns — whatever the queue's size.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa

from tenure.errors import TenureError
from tenure.reviews.recommend import STRENGTH, Recommendation
from tenure.reviews.scope import SubjectKind
from tenure.services.context import App
from tenure.services.reviews import ItemRow
from tenure.services.web_views import STATUSES, _item, clamp
from tenure.store import schema

ITEMS, CMP, P = schema.review_items, schema.campaigns, schema.people


class QueueSort(StrEnum):
    """How groups are ordered."""

    RISK = "risk"
    NAME = "name"
    DUE = "due"


@dataclass(frozen=True, slots=True)
class QueueFilters:
    """What the reviewer narrowed the queue to (every value validated)."""

    status: str = "pending"
    campaign: str | None = None
    recommendation: str | None = None
    kind: str | None = None
    source: str | None = None
    privileged: bool = False
    has_finding: bool = False
    sort: QueueSort = QueueSort.RISK

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise TenureError(f"status must be one of {', '.join(STATUSES)}")
        if self.recommendation is not None and self.recommendation not in set(Recommendation):
            raise TenureError("recommendation must be one of "
                              + ", ".join(r.value for r in Recommendation))
        if self.kind is not None and self.kind not in set(SubjectKind):
            raise TenureError("kind must be one of " + ", ".join(k.value for k in SubjectKind))

    def query(self) -> str:
        """The filters as a query string (for pager and tab links)."""
        pairs = [("status", self.status), ("campaign", self.campaign),
                 ("recommendation", self.recommendation), ("kind", self.kind),
                 ("source", self.source), ("privileged", "1" if self.privileged else None),
                 ("has_finding", "1" if self.has_finding else None),
                 ("sort", None if self.sort is QueueSort.RISK else str(self.sort))]
        from urllib.parse import urlencode

        return urlencode([(k, v) for k, v in pairs if v])


@dataclass(frozen=True, slots=True)
class QueueItem:
    """One item in a group, with its campaign's name and due date."""

    row: ItemRow
    campaign_name: str
    due_at: datetime
    last_activity: datetime | None
    findings: list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class QueueGroup:
    """A person and their items (or one item naming nobody)."""

    key: str
    email: str | None
    name: str
    department: str
    title: str
    hr_status: str | None
    items: list[QueueItem]

    @property
    def top(self) -> str:
        """The strongest recommendation in the group."""
        return max((i.row.recommendation for i in self.items),
                   key=lambda r: STRENGTH.get(Recommendation(r), 0))

    @property
    def counts(self) -> dict[str, int]:
        """Items per recommendation, strongest first."""
        out: dict[str, int] = defaultdict(int)
        for i in self.items:
            out[i.row.recommendation] += 1
        return dict(sorted(out.items(), key=lambda kv: -STRENGTH[Recommendation(kv[0])]))

    @property
    def finding_count(self) -> int:
        """Open findings over the group's items."""
        return sum(len(i.findings) for i in self.items)


@dataclass(frozen=True, slots=True)
class GroupedQueue:
    """One page of groups, the totals and the options of the filter form."""

    groups: list[QueueGroup]
    total_groups: int
    total_items: int
    limit: int
    offset: int
    filters: QueueFilters
    campaigns: list[tuple[str, str]] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        """Groups in total (what the pager counts)."""
        return self.total_groups


def _where(f: QueueFilters, reviewer: str | None, open_ids: list[str]) -> list[Any]:
    # Open campaigns by id (a handful), so grouping reads the items' covering index alone.
    where: list[Any] = [ITEMS.c.campaign_id.in_(open_ids), ITEMS.c.status == f.status]
    if reviewer is not None:
        where.append(ITEMS.c.reviewer == reviewer.strip().lower())
    if f.campaign:
        where.append(ITEMS.c.campaign_id == f.campaign)
    if f.recommendation:
        where.append(ITEMS.c.recommendation == f.recommendation)
    if f.kind:
        where.append(ITEMS.c.kind == f.kind)
    if f.source:
        where.append(ITEMS.c.source == f.source)
    if f.privileged:
        where.append(ITEMS.c.privileged.is_(True))
    if f.has_finding:
        where.append(ITEMS.c.findings > 0)
    return where


def _when(text: object) -> datetime | None:
    if not isinstance(text, str) or not text:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def grouped_queue(app: App, reviewer: str | None, filters: QueueFilters, *, limit: int = 25,
                  offset: int = 0) -> GroupedQueue:
    """The reviewer's items in open campaigns grouped by person, one page of groups."""
    limit, offset = clamp(limit, offset)
    joined = ITEMS.join(CMP, CMP.c.id == ITEMS.c.campaign_id)
    with app.engine.connect() as conn:
        # A person's email; else the account's email the item names (an unmatched account
        # and its grants stay together); else the item itself: set when the item was made.
        key = ITEMS.c.group_key
        open_names = {str(i): str(n) for i, n in conn.execute(
            sa.select(CMP.c.id, CMP.c.name).where(CMP.c.status == "open"))}
        open_ids = list(open_names)
        where = _where(filters, reviewer, open_ids)
        by_due = filters.sort is QueueSort.DUE  # only that sort needs the campaigns' dates
        groups = (sa.select(key.label("k"), sa.func.max(ITEMS.c.risk).label("risk"),
                            sa.func.min(ITEMS.c.label).label("label"),
                            (sa.func.min(CMP.c.due_at) if by_due else sa.null()).label("due"),
                            sa.func.count().label("n"))
                  .select_from(joined if by_due else ITEMS).where(*where).group_by(key)
                  .subquery())
        order = {QueueSort.RISK: (groups.c.risk.desc(), groups.c.label, groups.c.k),
                 QueueSort.NAME: (groups.c.label, groups.c.k),
                 QueueSort.DUE: (groups.c.due, groups.c.risk.desc(), groups.c.k)}[filters.sort]
        # One pass over the groups: the page's keys and, by window, the totals.
        paged = conn.execute(
            sa.select(groups.c.k, sa.func.count().over().label("groups"),
                      sa.func.sum(groups.c.n).over().label("items"))
            .order_by(*order).limit(limit).offset(offset)).all()
        keys = [r.k for r in paged]
        if paged:
            total_groups, total_items = paged[0].groups, paged[0].items
        else:  # past the last page: count alone
            total_groups, total_items = conn.execute(
                sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(groups.c.n), 0))).one()
        rows = conn.execute(
            sa.select(ITEMS, CMP.c.name.label("c_name"), CMP.c.due_at.label("c_due"))
            .select_from(joined).where(*where, key.in_(keys))
            .order_by(ITEMS.c.risk.desc(), ITEMS.c.label, ITEMS.c.id)).mappings().all()
        emails = [k for k in keys if "@" in k]
        people = {r["email"]: r for r in conn.execute(
            sa.select(P.c.email, P.c.name, P.c.department, P.c.title, P.c.status)
            .where(P.c.email.in_(emails), P.c.removed_at.is_(None))).mappings()}
        scope: list[sa.ColumnElement[bool]] = [ITEMS.c.campaign_id.in_(open_ids)]
        if reviewer is not None:
            scope.append(ITEMS.c.reviewer == reviewer.strip().lower())
        options = [(c, open_names[c], src) for c, src in conn.execute(
            sa.select(ITEMS.c.campaign_id, ITEMS.c.source).where(*scope).distinct())]
    by_key: dict[str, list[QueueItem]] = defaultdict(list)
    for r in rows:
        snap = r["snapshot"]
        by_key[r["group_key"]].append(QueueItem(
            _item(r), r["c_name"], r["c_due"],
            _when((snap.get("usage") or {}).get("last_activity_at")),
            list(snap.get("findings") or [])))
    out = []
    for k in keys:
        members = by_key.get(k, [])
        if not members:
            continue
        person = people.get(k)
        snap_person = members[0].row.snapshot.get("person") or {}
        out.append(QueueGroup(
            key=k, email=k if "@" in k else None,
            name=(person["name"] if person else snap_person.get("name")) or members[0].row.label,
            department=(person["department"] if person else snap_person.get("department")) or "",
            title=(person["title"] if person else snap_person.get("title")) or "",
            hr_status=person["status"] if person else snap_person.get("status"),
            items=members))
    campaigns = sorted({(c, n) for c, n, _ in options}, key=lambda cn: cn[1])
    sources = sorted({s for _, _, s in options})
    return GroupedQueue(out, int(total_groups), int(total_items), limit, offset, filters,
                        campaigns, sources)
