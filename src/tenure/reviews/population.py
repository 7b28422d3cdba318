"""Select a campaign's population and gather its usage context, set-at-a-time.

A fixed number of queries regardless of population size: subjects, activity rollups, usage,
people, grants, workspaces, findings, purposes and gaps are each read once and joined in
memory by key.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa

from tenure.checks.plain import describe
from tenure.model import RunStatus, ScopeType
from tenure.reviews.access_items import access_items
from tenure.reviews.context import (
    FindingRef,
    ItemSnapshot,
    OwnerContext,
    PersonContext,
    PurposeContext,
    UsageContext,
)
from tenure.reviews.nhi_population import NhiContext, enrich, own_items, service_account_keys
from tenure.reviews.scope import Scope, SubjectKind
from tenure.store import schema

A, C, G, P, W = (schema.accounts, schema.credentials, schema.grants, schema.people,
                 schema.workspaces)

PRIVILEGED_ROLES = frozenset({"admin", "owner", "primary_owner", "membership_admin",
                              "developer"})
"""Org roles that can change access or keys (Anthropic Console and Enterprise, OpenAI)."""

WEEKS = 12


@dataclass(frozen=True, slots=True)
class PopulationQuery:
    """The subjects in scope before usage filters, as plain rows."""

    rows: list[dict[str, Any]]
    description: str


def _as_of_cutoffs(now: datetime) -> tuple[date, date, date]:
    today = now.date()
    return today - timedelta(days=30), today - timedelta(days=90), today - timedelta(weeks=WEEKS)


def _subjects(conn: sa.Connection, scope: Scope) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    kinds = set(scope.kinds)
    account_kinds = [stored for wanted, stored in ((SubjectKind.ACCOUNT, "user"),
                                                   (SubjectKind.SERVICE_ACCOUNT,
                                                    "service_account")) if wanted in kinds]
    if account_kinds:
        query = sa.select(A).where(A.c.removed_at.is_(None), A.c.kind.in_(account_kinds))
        if scope.sources:
            query = query.where(A.c.source.in_(scope.sources))
        for row in conn.execute(query).mappings():
            kind = (SubjectKind.ACCOUNT if row["kind"] == "user"
                    else SubjectKind.SERVICE_ACCOUNT)
            out.append({**row, "subject_kind": kind})
    if SubjectKind.API_KEY in kinds:
        query = sa.select(C).where(C.c.removed_at.is_(None), C.c.status == "active")
        if scope.sources:
            query = query.where(C.c.source.in_(scope.sources))
        out += [{**row, "subject_kind": SubjectKind.API_KEY}
                for row in conn.execute(query).mappings()]
    if SubjectKind.GRANT in kinds:
        query = sa.select(G).where(G.c.removed_at.is_(None), G.c.inherited.is_(False),
                                   G.c.scope_type != ScopeType.ORGANIZATION.value)
        if scope.sources:
            query = query.where(G.c.source.in_(scope.sources))
        out += [{**row, "subject_kind": SubjectKind.GRANT}
                for row in conn.execute(query).mappings()]
    return out


def _activity(conn: sa.Connection, c30: date, c90: date) -> dict[tuple[str, str], dict[str, Any]]:
    d = schema.activity_daily
    rows = conn.execute(
        sa.select(
            d.c.source, d.c.principal_type, d.c.principal_id, d.c.category,
            sa.func.sum(sa.case((d.c.day >= c30, d.c.events), else_=0)).label("n30"),
            sa.func.sum(sa.case((d.c.day >= c90, d.c.events), else_=0)).label("n90"),
            sa.func.max(d.c.last_at).label("last_at"),
        ).group_by(d.c.source, d.c.principal_type, d.c.principal_id, d.c.category)
    )
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for source, ptype, pid, category, n30, n90, last_at in rows:
        entry = out.setdefault((source, f"{ptype}:{pid}"), {"n30": {}, "n90": {}, "last": None})
        entry["n30"][category] = entry["n30"].get(category, 0) + int(n30 or 0)
        entry["n90"][category] = entry["n90"].get(category, 0) + int(n90 or 0)
        if last_at is not None and (entry["last"] is None or last_at > entry["last"]):
            entry["last"] = last_at
    return out


def _usage(
    conn: sa.Connection, c30: date, c90: date, weeks_from: date, today: date
) -> dict[tuple[str, str], dict[str, Any]]:
    # Anthropic's usage report counts tokens, not requests: a day is "used" when either is.
    u = schema.usage_daily
    tokens = u.c.input_tokens + u.c.output_tokens
    used = sa.or_(u.c.requests > 0, tokens > 0)
    totals = conn.execute(
        sa.select(
            u.c.source, u.c.subject_id,
            sa.func.max(sa.case((used, u.c.day))).label("last_day"),
            sa.func.sum(sa.case((u.c.day >= c30, u.c.requests), else_=0)).label("r30"),
            sa.func.sum(sa.case((u.c.day >= c90, u.c.requests), else_=0)).label("r90"),
            sa.func.sum(sa.case((u.c.day >= c30, tokens), else_=0)).label("t30"),
            sa.func.sum(sa.case((u.c.day >= c90, tokens), else_=0)).label("t90"),
        ).where(u.c.subject_type == "api_key").group_by(u.c.source, u.c.subject_id)
    )
    out: dict[tuple[str, str], dict[str, Any]] = {
        (source, sid): {"last_day": last_day, "r30": int(r30 or 0), "r90": int(r90 or 0),
                        "t30": int(t30 or 0), "t90": int(t90 or 0),
                        "weekly": [0] * WEEKS, "weekly_tokens": [0] * WEEKS}
        for source, sid, last_day, r30, r90, t30, t90 in totals
    }
    recent = conn.execute(
        sa.select(u.c.source, u.c.subject_id, u.c.day, u.c.requests, tokens)
        .where(u.c.subject_type == "api_key", u.c.day > weeks_from, used)
    )
    for source, sid, day, requests, day_tokens in recent:
        week = WEEKS - 1 - (today - day).days // 7
        if 0 <= week < WEEKS and (source, sid) in out:
            out[(source, sid)]["weekly"][week] += int(requests)
            out[(source, sid)]["weekly_tokens"][week] += int(day_tokens)
    return out


def _people(conn: sa.Connection) -> dict[str, PersonContext]:
    return {
        r["email"]: PersonContext(r["email"], r["name"], r["status"], r["department"],
                                  r["title"], r["manager_email"], r["end_date"])
        for r in conn.execute(sa.select(P).where(P.c.removed_at.is_(None))).mappings()
    }


def _open_findings(conn: sa.Connection, now: datetime) -> dict[tuple[str, str], list[FindingRef]]:
    """Failing findings per (source, subject id), muted ones flagged, evidence in words."""
    f, m = schema.findings, schema.finding_mutes
    muted = set(conn.execute(
        sa.select(m.c.finding_id).where(m.c.expired_at.is_(None), m.c.until > now)).scalars())
    out: dict[tuple[str, str], list[FindingRef]] = defaultdict(list)
    for fid, check, severity, source, subject_id, evidence in conn.execute(
        sa.select(f.c.id, f.c.check_id, f.c.severity, f.c.source, f.c.subject_id, f.c.evidence)
        .where(f.c.status == "fail").order_by(f.c.id)
    ):
        out[(source, subject_id)].append(FindingRef(fid, check, severity, fid in muted,
                                                    describe(check, evidence or {})))
    return out


def _purposes(conn: sa.Connection, now: datetime) -> dict[str, PurposeContext]:
    pu, ws = schema.purposes, schema.workspaces
    archived = set(conn.execute(sa.select(ws.c.external_id).where(ws.c.status == "archived"))
                   .scalars())
    out: dict[str, PurposeContext] = {}
    for r in conn.execute(sa.select(pu).where(pu.c.withdrawn_at.is_(None))
                          .order_by(pu.c.created_at)).mappings():
        expired = ((r["expires_at"] is not None and r["expires_at"] <= now)
                   or (r["project_id"] is not None and r["project_id"] in archived))
        out[r["subject_ref"]] = PurposeContext(r["reason"], r["owner_email"], r["expires_at"],
                                               r["project_id"], expired)
    return out


def _activity_gaps(conn: sa.Connection) -> set[str]:
    """Sources whose latest run could not read activity or usage."""
    runs, gaps = schema.sync_runs, schema.gaps
    latest = (sa.select(runs.c.source, sa.func.max(runs.c.started_at).label("at"))
              .where(runs.c.status != str(RunStatus.RUNNING)).group_by(runs.c.source)
              .subquery())
    rows = conn.execute(
        sa.select(gaps.c.source).join(runs, runs.c.id == gaps.c.sync_run_id)
        .join(latest, sa.and_(latest.c.source == runs.c.source,
                              latest.c.at == runs.c.started_at))
        .where(gaps.c.record_type.in_(("activity", "usage")))
    )
    return set(rows.scalars())


def _groups(conn: sa.Connection) -> dict[str, list[str]]:
    """Identity-provider groups (display names) per person email, from SCIM pushes."""
    users, groups, members = schema.scim_users, schema.scim_groups, schema.scim_group_members
    out: dict[str, set[str]] = defaultdict(set)
    for email, name in conn.execute(
        sa.select(users.c.email, groups.c.display_name)
        .join(members, members.c.user_id == users.c.id)
        .join(groups, groups.c.id == members.c.group_id).where(users.c.email.is_not(None))
    ):
        out[email.lower()].add(name)
    return {email: sorted(names) for email, names in out.items()}


def build_snapshots(conn: sa.Connection, scope: Scope, now: datetime, *,
                    idp_owners: Mapping[str, str] | None = None) -> list[ItemSnapshot]:
    """The campaign population with its usage context, filtered by the scope.

    ``idp_owners``: SCIM source → the email that owns it (``[reviews] idp_owners``), the
    owner of a SCIM-managed group when none is recorded in Tenure."""
    c30, c90, weeks_from = _as_of_cutoffs(now)
    subjects = _subjects(conn, scope)
    activity = _activity(conn, c30, c90)
    usage = _usage(conn, c30, c90, weeks_from, now.date())
    people = _people(conn)
    findings = _open_findings(conn, now)
    purposes = _purposes(conn, now)
    blind = _activity_gaps(conn)
    groups = _groups(conn)
    accounts = {(r["source"], r["external_id"]): dict(r)
                for r in conn.execute(sa.select(A)).mappings()}
    # Only the four fields a snapshot reads: an organization has grants in the hundreds of
    # thousands (org admins hold a role in every workspace), and whole rows cost ~200 MB.
    grants_of: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for source, account_id, entitlement_id, inherited, privileged, scope_type in conn.execute(
            sa.select(G.c.source, G.c.account_id, G.c.entitlement_id, G.c.inherited,
                      G.c.privileged, G.c.scope_type).where(G.c.removed_at.is_(None))):
        grants_of[(source, account_id)].append({
            "entitlement_id": entitlement_id, "inherited": inherited, "privileged": privileged,
            "scope_type": scope_type})
    workspaces = {(r["source"], r["external_id"]): (r["name"], r["status"])
                  for r in conn.execute(sa.select(W.c.source, W.c.external_id, W.c.name,
                                                  W.c.status)).mappings()}
    nhi = NhiContext(conn, people)
    key_owner = service_account_keys(conn)
    out = []
    for row in subjects:
        snap = _snapshot(row, activity=activity, usage=usage, people=people, findings=findings,
                         purposes=purposes, blind=blind, groups=groups, accounts=accounts,
                         grants_of=grants_of, workspaces=workspaces)
        if _in_scope(snap, scope, now):
            out.append(enrich(snap, nhi, key_owner))
    out += [snap for snap in own_items(conn, scope, nhi, findings, workspaces)
            if _in_scope(snap, scope, now)]

    def usage_of(source: str, account_id: str, email: str | None) -> UsageContext:
        row = {"source": source, "external_id": account_id, "email": email}
        return _usage_of(row, SubjectKind.ACCOUNT, activity, usage, known=source not in blind)

    out += [snap for snap in access_items(conn, scope, people=people, findings=findings,
                                          purposes=purposes, usage_of=usage_of,
                                          idp_owners=idp_owners)
            if _in_scope(snap, scope, now)]
    out.sort(key=lambda s: (s.source, s.kind, s.label, s.subject_id))
    return out


def _later(a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None or b is None:
        return a or b
    return max(a, b)


def _usage_of(
    row: dict[str, Any], kind: SubjectKind, activity: dict[tuple[str, str], dict[str, Any]],
    usage: dict[tuple[str, str], dict[str, Any]], known: bool,
) -> UsageContext:
    source = row["source"]
    keys: list[str] = []
    if kind in (SubjectKind.ACCOUNT, SubjectKind.SERVICE_ACCOUNT):
        keys = [f"account:{row['external_id']}"]
        if row.get("email"):
            keys.append(f"email:{row['email']}")
    elif kind is SubjectKind.API_KEY:
        keys = [f"credential:{row['external_id']}"]
    elif kind is SubjectKind.GRANT:
        keys = [f"account:{row['account_id']}"]
    n30: dict[str, int] = defaultdict(int)
    n90: dict[str, int] = defaultdict(int)
    last: datetime | None = None
    for key in keys:
        entry = activity.get((source, key))
        if entry is None:
            continue
        # An event is rolled up by account id or, when it names no account, by email: the
        # two never overlap, so they add up.
        for category, n in entry["n30"].items():
            n30[category] += n
        for category, n in entry["n90"].items():
            n90[category] += n
        last = _later(last, entry["last"])
    requests_30 = requests_90 = tokens_30 = tokens_90 = 0
    weekly: list[int] = []
    weekly_tokens: list[int] = []
    if kind is SubjectKind.API_KEY:
        used = usage.get((source, row["external_id"]))
        last_used = row.get("last_used_at")
        if used is not None:
            requests_30, requests_90, weekly = used["r30"], used["r90"], used["weekly"]
            tokens_30, tokens_90, weekly_tokens = used["t30"], used["t90"], used["weekly_tokens"]
            if used["last_day"] is not None:
                # the report is daily: the day's start is the latest time we can vouch for
                last = _later(last, datetime.combine(used["last_day"], time(0), tzinfo=UTC))
        last = _later(last, last_used)
    return UsageContext(known=known, last_activity_at=last, events_30d=dict(n30),
                        events_90d=dict(n90), admin_actions_90d=n90.get("admin", 0),
                        requests_30d=requests_30, requests_90d=requests_90,
                        tokens_30d=tokens_30, tokens_90d=tokens_90,
                        weekly_requests=weekly, weekly_tokens=weekly_tokens)


def _snapshot(
    row: dict[str, Any], *, activity: dict[tuple[str, str], dict[str, Any]],
    usage: dict[tuple[str, str], dict[str, Any]], people: dict[str, PersonContext],
    findings: dict[tuple[str, str], list[FindingRef]], purposes: dict[str, PurposeContext],
    blind: set[str], groups: dict[str, list[str]],
    accounts: dict[tuple[str, str], dict[str, Any]],
    grants_of: dict[tuple[str, str], list[dict[str, Any]]],
    workspaces: dict[tuple[str, str], tuple[str, str]],
) -> ItemSnapshot:
    kind: SubjectKind = row["subject_kind"]
    source = row["source"]
    usage_ctx = _usage_of(row, kind, activity, usage, known=source not in blind)
    owner: OwnerContext | None = None
    person: PersonContext | None = None
    grants: list[str] = []
    workspace_id: str | None = None
    extra_findings: list[FindingRef] = []
    if kind in (SubjectKind.ACCOUNT, SubjectKind.SERVICE_ACCOUNT):
        label, email, role = row["email"] or row["name"] or row["external_id"], row["email"], \
            row["role"]
        person = people.get(row["person_email"] or "")
        held = grants_of.get((source, row["external_id"]), [])
        grants = sorted(g["entitlement_id"] for g in held if not g["inherited"])
        privileged = role in PRIVILEGED_ROLES or any(g["privileged"] and not g["inherited"]
                                                     for g in held)
        status = row["status"]
        subject_id = row["external_id"]
    elif kind is SubjectKind.API_KEY:
        subject_id, role, status = row["external_id"], row["scope"], row["status"]
        owner_id = row["owner_id"] or row["creator_id"]
        owner_row = accounts.get((source, owner_id)) if owner_id else None
        owner_person = people.get(owner_row["person_email"] or "") if owner_row else None
        owner_grants = grants_of.get((source, owner_id), []) if owner_id else []
        owner = OwnerContext(
            account_id=owner_id, email=owner_row["email"] if owner_row else None,
            org_role=owner_row["role"] if owner_row else None,
            workspace_roles=sorted(g["entitlement_id"] for g in owner_grants
                                   if g["scope_type"] != ScopeType.ORGANIZATION),
            groups=groups.get(owner_person.email, []) if owner_person else [],
            present=bool(owner_row and owner_row["removed_at"] is None), person=owner_person)
        email = owner.email
        label = f"{row['name'] or subject_id} ({row['partial_hint'] or subject_id})"
        privileged = row["kind"] == "admin_key" or row["scope"] == ScopeType.ORGANIZATION
        workspace_id = row["workspace_id"]
    else:
        subject_id, role, status = row["external_id"], row["role"], "active"
        holder = accounts.get((source, row["account_id"]))
        email = holder["email"] if holder else None
        person = people.get(holder["person_email"] or "") if holder else None
        scope_ws = workspaces.get((source, row["scope_id"]))
        org_wide = row["scope_type"] == ScopeType.ORGANIZATION
        where = scope_ws[0] if scope_ws else ("organization" if org_wide else row["scope_id"])
        label = f"{email or row['account_id']} → {where}: {row['role']}"
        privileged = bool(row["privileged"])
        workspace_id = row["scope_id"] if row["scope_type"] == ScopeType.WORKSPACE else None
        grants = [row["entitlement_id"]]
        # What the holder's account did wrong is part of the story of each of its grants.
        extra_findings = findings.get((source, row["account_id"]), [])
    ws = workspaces.get((source, workspace_id)) if workspace_id else None
    return ItemSnapshot(
        kind=str(kind), source=source, tenant=row["tenant"], subject_id=subject_id,
        label=str(label), email=email, role=role, status=status,
        created_at=row.get("created_at") or row.get("granted_at") or row.get("first_seen_at"),
        privileged=privileged, grants=grants, workspace=ws[0] if ws else workspace_id,
        workspace_status=ws[1] if ws else None, person=person, owner=owner, usage=usage_ctx,
        findings=findings.get((source, subject_id), []) + extra_findings,
        purpose=purposes.get(subject_id), groups=groups.get(person.email, []) if person else [],
    )


def _in_scope(snap: ItemSnapshot, scope: Scope, now: datetime) -> bool:
    if scope.subjects and snap.subject_id not in scope.subjects:
        return False
    if scope.privileged_only and not snap.privileged:
        return False
    if scope.with_finding and not snap.findings:
        return False
    if scope.people:
        who = {p.email for p in (snap.person, snap.owner.person if snap.owner else None) if p}
        if not who & set(scope.people):
            return False
    if scope.groups:
        held = {g.lower() for g in (snap.groups or (snap.owner.groups if snap.owner else []))}
        if not {g.lower() for g in scope.groups} & held:
            return False
    last = snap.usage.last_activity_at
    if scope.inactive_days is not None:
        window_start = now - timedelta(days=scope.inactive_days)
        if not snap.usage.known:
            return False
        # New subjects are not "inactive" until they have existed for the whole window.
        if snap.created_at is not None and snap.created_at > window_start:
            return False
        if last is not None and last > now - timedelta(days=scope.inactive_days):
            return False
    if scope.active_days is None:
        return True
    return last is not None and last > now - timedelta(days=scope.active_days)


def iter_kinds(snapshots: Iterable[ItemSnapshot]) -> dict[str, int]:
    """Population size by subject kind (for the preview)."""
    counts: dict[str, int] = defaultdict(int)
    for snap in snapshots:
        counts[snap.kind] += 1
    return dict(counts)
