"""Effective access: what every account of a source really holds after a sync run, and why.

Computed set-at-a-time in SQL — four ``INSERT … SELECT`` statements (grants, org roles listed only
on the account, direct role assignments, group role assignments), whatever
the number of accounts — from the present rows of the run's source and tenant:

- ``direct``: a grant of the platform's own (legacy) role, at organization or workspace level;
- ``inherited``: a grant implied by the account's organization role (an org admin in every
  workspace), with the org role as the first step of the path;
- ``role``: a custom/RBAC role assigned to the account itself (``origin`` says how Tenure knows:
  the API, or replayed from the activity feed when the platform has no read endpoint);
- ``group``: a role assigned to a group the account is a member of (``via_group_id``), with the
  group's source (direct, or SCIM — "pushed by" the Tenure SCIM source whose group has the same
  name).

Rows are kept per run (``effective_access`` + ``effective_access_runs``); the newest
:data:`KEEP_RUNS` runs of each source are kept. Readers use :func:`current_access`, which
selects every source's newest computed run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from tenure.model import (
    AccessPathKind,
    AssignmentOrigin,
    PrincipalKind,
    PrivilegeTier,
    ScopeType,
)
from tenure.privilege import LEGACY_ROLE_PERMISSIONS, legacy_role_tier, tiers_at_least
from tenure.store import schema

EA = schema.effective_access
RUNS = schema.effective_access_runs
KEEP_RUNS = 5
"""How many computed runs of each source are kept (older ones are pruned)."""


# -- dialect helpers ---------------------------------------------------------------------------
def _obj(dialect: str, **pairs: Any) -> Any:
    """A JSON object built in SQL (``json_object`` / ``jsonb_build_object``)."""
    fn = sa.func.jsonb_build_object if dialect == "postgresql" else sa.func.json_object
    args: list[Any] = []
    for key, value in pairs.items():
        args += [sa.literal(key), value]
    return fn(*args)


def _array(dialect: str, *items: Any) -> Any:
    fn = sa.func.jsonb_build_array if dialect == "postgresql" else sa.func.json_array
    return fn(*items)


def _text(value: Any) -> Any:
    return sa.literal(str(value))


def legacy_tier_sql(role: Any, scope_type: Any) -> Any:
    """SQL CASE giving a legacy role's tier (``tenure.privilege.legacy_role_tier``)."""
    whens = [(sa.and_(scope_type == str(scope), role == name),
              str(legacy_role_tier(name, scope)))
             for name in LEGACY_ROLE_PERMISSIONS for scope in ScopeType]
    return sa.case(*whens, else_=str(PrivilegeTier.NONE))


# -- computation -------------------------------------------------------------------------------
READS = ("accounts", "grants", "role_assignments", "roles", "group_members", "groups",
         "scim_groups")
"""The tables :func:`compute` joins (their planner statistics must be current)."""


def compute(conn: sa.Connection, *, source: str, tenant: str, run_id: str,
            now: datetime) -> int:
    """Compute and keep the effective access of ``source``/``tenant`` for ``run_id``.

    Returns the number of rows written. Idempotent for a run (its rows are replaced)."""
    dialect = conn.dialect.name
    conn.execute(EA.delete().where(EA.c.sync_run_id == run_id))
    conn.execute(RUNS.delete().where(RUNS.c.sync_run_id == run_id))
    a, g = schema.accounts.alias("a"), schema.grants.alias("g")
    ra, r = schema.role_assignments.alias("ra"), schema.roles.alias("r")
    gm, grp = schema.group_members.alias("gm"), schema.groups.alias("grp")
    sg = (sa.select(schema.scim_groups.c.display_name_key.label("key"),
                    sa.func.min(schema.scim_groups.c.source).label("idp"))
          .group_by(schema.scim_groups.c.display_name_key).subquery("sg"))
    columns = ["sync_run_id", "source", "tenant", "account_id", "scope_type", "scope_id",
               "entitlement", "entitlement_name", "tier", "path_kind", "via_group_id",
               "origin", "path", "computed_at"]

    def present(table: Any) -> list[Any]:
        return [table.c.source == source, table.c.tenant == tenant, table.c.removed_at.is_(None)]

    def account_step(account_id: Any) -> Any:
        return _obj(dialect, step=_text("account"), id=account_id,
                    name=sa.func.coalesce(a.c.email, a.c.name, account_id))

    def role_step(role_id: Any, name: Any, tier: Any, **extra: Any) -> Any:
        return _obj(dialect, step=_text("role"), id=role_id, name=name, tier=tier, **extra)

    legacy_tier = legacy_tier_sql(g.c.role, g.c.scope_type)
    account_join = sa.and_(a.c.source == g.c.source, a.c.tenant == g.c.tenant,
                           a.c.external_id == g.c.account_id)
    legacy_role = role_step(g.c.role, g.c.role, legacy_tier, legacy=sa.true(),
                            scope_type=g.c.scope_type, scope_id=g.c.scope_id)
    grants_sel = (
        sa.select(
            _text(run_id), _text(source), _text(tenant), g.c.account_id, g.c.scope_type,
            g.c.scope_id, g.c.role, g.c.role, legacy_tier,
            sa.case((g.c.inherited, _text(AccessPathKind.INHERITED)),
                    else_=_text(AccessPathKind.DIRECT)),
            sa.null(), _text(AssignmentOrigin.LEGACY_ROLE),
            sa.case((g.c.inherited, _array(
                dialect, account_step(g.c.account_id),
                _obj(dialect, step=_text("org_role"), name=a.c.role), legacy_role)),
                else_=_array(dialect, account_step(g.c.account_id), legacy_role)),
            sa.literal(now, schema.effective_access.c.computed_at.type))
        .select_from(g.outerjoin(a, account_join))
        .where(*present(g)))

    # A legacy role named on an assignment (a linked org's org role from the Compliance
    # directory, an OpenAI user's owner/reader) has no roles row: the privilege table decides.
    role_tier = sa.func.coalesce(r.c.tier, sa.case(
        (ra.c.origin == str(AssignmentOrigin.LEGACY_ROLE),
         legacy_tier_sql(ra.c.role_id, ra.c.scope_type)), else_=sa.null()))
    role_name = sa.func.coalesce(sa.func.nullif(r.c.display_name, ""), r.c.name, ra.c.role_id)
    role_join = sa.and_(r.c.source == ra.c.source, r.c.tenant == ra.c.tenant,
                        r.c.external_id == ra.c.role_id, r.c.removed_at.is_(None))
    custom_role = role_step(ra.c.role_id, role_name, role_tier, origin=ra.c.origin,
                            predefined=sa.func.coalesce(r.c.predefined, sa.false()),
                            scope_type=ra.c.scope_type, scope_id=ra.c.scope_id)
    direct_join = sa.and_(a.c.source == ra.c.source, a.c.tenant == ra.c.tenant,
                          a.c.external_id == ra.c.principal_id)
    direct_sel = (
        sa.select(
            _text(run_id), _text(source), _text(tenant), ra.c.principal_id, ra.c.scope_type,
            ra.c.scope_id, ra.c.role_id, role_name, role_tier,
            sa.case((ra.c.origin == str(AssignmentOrigin.LEGACY_ROLE),
                     _text(AccessPathKind.DIRECT)), else_=_text(AccessPathKind.ROLE)),
            sa.null(), ra.c.origin,
            _array(dialect, account_step(ra.c.principal_id), custom_role),
            sa.literal(now, schema.effective_access.c.computed_at.type))
        .select_from(ra.outerjoin(r, role_join).outerjoin(a, direct_join))
        .where(*present(ra), ra.c.principal_kind.in_(
            [str(PrincipalKind.USER), str(PrincipalKind.SERVICE_ACCOUNT)])))

    group_join = sa.and_(grp.c.source == gm.c.source, grp.c.tenant == gm.c.tenant,
                         grp.c.external_id == gm.c.group_id, grp.c.removed_at.is_(None))
    assign_join = sa.and_(ra.c.source == gm.c.source, ra.c.tenant == gm.c.tenant,
                          ra.c.principal_kind == str(PrincipalKind.GROUP),
                          ra.c.principal_id == gm.c.group_id, ra.c.removed_at.is_(None))
    member_join = sa.and_(a.c.source == gm.c.source, a.c.tenant == gm.c.tenant,
                          a.c.external_id == gm.c.account_id)
    group_step = _obj(dialect, step=_text("group"), id=gm.c.group_id,
                      name=sa.func.coalesce(grp.c.name, gm.c.group_id),
                      source_type=grp.c.source_type, pushed_by=sg.c.idp)
    group_sel = (
        sa.select(
            _text(run_id), _text(source), _text(tenant), gm.c.account_id, ra.c.scope_type,
            ra.c.scope_id, ra.c.role_id, role_name, role_tier, _text(AccessPathKind.GROUP),
            gm.c.group_id, ra.c.origin,
            _array(dialect, account_step(gm.c.account_id), group_step, custom_role),
            sa.literal(now, schema.effective_access.c.computed_at.type))
        .select_from(gm.join(ra, assign_join).outerjoin(grp, group_join)
                     .outerjoin(r, role_join).outerjoin(a, member_join)
                     .outerjoin(sg, sg.c.key == sa.func.lower(grp.c.name)))
        .where(*present(gm)))

    # An account's own org role when no org-level grant carries it (a source that lists the
    # role only on the account): the same direct legacy path.
    seat_tier = legacy_tier_sql(a.c.role, sa.literal(str(ScopeType.ORGANIZATION)))
    has_grant = sa.exists().where(
        g.c.source == a.c.source, g.c.tenant == a.c.tenant, g.c.account_id == a.c.external_id,
        g.c.removed_at.is_(None), g.c.scope_type == str(ScopeType.ORGANIZATION),
        g.c.role == a.c.role)
    seat_role = role_step(a.c.role, a.c.role, seat_tier, legacy=sa.true(),
                          scope_type=_text(ScopeType.ORGANIZATION), scope_id=_text(tenant))
    seat_sel = (
        sa.select(
            _text(run_id), _text(source), _text(tenant), a.c.external_id,
            _text(ScopeType.ORGANIZATION), _text(tenant), a.c.role, a.c.role, seat_tier,
            _text(AccessPathKind.DIRECT), sa.null(), _text(AssignmentOrigin.LEGACY_ROLE),
            _array(dialect, account_step(a.c.external_id), seat_role),
            sa.literal(now, schema.effective_access.c.computed_at.type))
        .where(*present(a), a.c.role != "", sa.not_(has_grant)))

    for select in (grants_sel, seat_sel, direct_sel, group_sel):
        conn.execute(EA.insert().from_select(columns, select))
    # Counted, not summed from rowcount: drivers need not report it for INSERT … SELECT.
    written = conn.execute(sa.select(sa.func.count()).select_from(EA)
                           .where(EA.c.sync_run_id == run_id)).scalar_one()
    conn.execute(RUNS.insert().values(sync_run_id=run_id, source=source, tenant=tenant,
                                      computed_at=now, rows=written))
    _prune(conn, source)
    return written


def _prune(conn: sa.Connection, source: str) -> None:
    old = [row.sync_run_id for row in conn.execute(
        sa.select(RUNS.c.sync_run_id).where(RUNS.c.source == source)
        .order_by(RUNS.c.id.desc()).offset(KEEP_RUNS))]
    if old:
        conn.execute(EA.delete().where(EA.c.sync_run_id.in_(old)))
        conn.execute(RUNS.delete().where(RUNS.c.sync_run_id.in_(old)))


# -- reading -----------------------------------------------------------------------------------
def current_runs() -> sa.Subquery:
    """The newest computed run of each source (columns ``source``, ``sync_run_id``)."""
    newest = sa.select(sa.func.max(RUNS.c.id)).group_by(RUNS.c.source)
    return (sa.select(RUNS.c.source, RUNS.c.sync_run_id, RUNS.c.tenant)
            .where(RUNS.c.id.in_(newest)).subquery("ea_current_runs"))


def current_access() -> sa.Subquery:
    """Every row of each source's newest computed run: what checks, reviews and pages join.

    Columns are those of ``effective_access`` (``account_id``, ``tier``, ``path_kind``,
    ``via_group_id``, ``path`` …)."""
    runs = current_runs()
    return (sa.select(EA).join(runs, sa.and_(runs.c.sync_run_id == EA.c.sync_run_id,
                                             runs.c.source == EA.c.source))
            .subquery("effective_access_current"))


def rows_at_least(tier: PrivilegeTier, *, path_kinds: Sequence[AccessPathKind] = ()
                  ) -> sa.Select[Any]:
    """Current rows of ``tier`` or higher (optionally only these path kinds), as a SELECT."""
    cur = current_access()
    query = sa.select(cur).where(cur.c.tier.in_([str(t) for t in tiers_at_least(tier)]))
    if path_kinds:
        query = query.where(cur.c.path_kind.in_([str(k) for k in path_kinds]))
    return query


def access_of(conn: sa.Connection, *, account_ids: Sequence[str] = (),
              source: str | None = None, person_email: str | None = None
              ) -> list[dict[str, Any]]:
    """Current effective access of some accounts (by id, or every account of a person)."""
    cur = current_access()
    a = schema.accounts
    query = (sa.select(cur, a.c.person_email, a.c.email.label("account_email"))
             .select_from(cur.outerjoin(a, sa.and_(a.c.source == cur.c.source,
                                                   a.c.tenant == cur.c.tenant,
                                                   a.c.external_id == cur.c.account_id))))
    if account_ids:
        query = query.where(cur.c.account_id.in_(list(account_ids)))
    if source is not None:
        query = query.where(cur.c.source == source)
    if person_email is not None:
        email = person_email.strip().lower()
        query = query.where(sa.or_(a.c.person_email == email, a.c.email == email))
    query = query.order_by(cur.c.source, cur.c.account_id, cur.c.tier, cur.c.entitlement,
                           cur.c.path_kind)
    out = []
    for row in conn.execute(query).mappings():
        item = dict(row)
        item["explanation"] = describe(item["path"], item["tier"])
        out.append(item)
    return out


# -- wording -----------------------------------------------------------------------------------
_IDP_NAMES = {"okta": "Okta", "entra": "Entra ID", "azure": "Entra ID", "google": "Google"}


def _idp(name: str) -> str:
    for key, label in _IDP_NAMES.items():
        if key in name.lower():
            return label
    return name


def describe(path: Sequence[Mapping[str, Any]] | None, tier: str | None) -> str:
    """The path in words: "admin via group Platform-Admins → role Org Admin, pushed by Okta"."""
    steps = list(path or [])
    role: Mapping[str, Any] = next((s for s in reversed(steps) if s.get("step") == "role"), {})
    group = next((s for s in steps if s.get("step") == "group"), None)
    org_role = next((s for s in steps if s.get("step") == "org_role"), None)
    level = str(tier) if tier else "unknown tier"
    name = role.get("name") or role.get("id") or "?"
    where = "" if role.get("scope_type") in (None, str(ScopeType.ORGANIZATION)) else (
        f" in workspace {role.get('scope_id')}")
    if group is not None:
        text = f"{level} via group {group.get('name')} → role {name}{where}"
        if group.get("source_type") == "scim":
            pusher = group.get("pushed_by")
            text += f", pushed by {_idp(str(pusher))}" if pusher else ", SCIM-managed"
        return text
    if org_role is not None:
        return f"{level} inherited from org role {org_role.get('name')} → {name}{where}"
    if role.get("legacy") or role.get("origin") == str(AssignmentOrigin.LEGACY_ROLE):
        return f"{level} by direct role {name}{where}"
    text = f"{level} via role {name}{where}"
    if role.get("origin") == str(AssignmentOrigin.FEED_DERIVED):
        text += " (known from the activity feed: the platform has no read for it)"
    return text


_PATH_ORDER = {AccessPathKind.GROUP: 0, AccessPathKind.INHERITED: 1, AccessPathKind.ROLE: 2,
               AccessPathKind.DIRECT: 3}
_TIER_ORDER = {PrivilegeTier.ADMIN: 0, PrivilegeTier.ELEVATED: 1, PrivilegeTier.NONE: 2}


def example(conn: sa.Connection) -> tuple[str, str] | None:
    """One telling current path (a group path first, then inherited, the highest tier), as
    (account, explanation) — what ``tenure demo`` prints."""
    cur = current_access()
    a = schema.accounts
    rows = conn.execute(
        sa.select(cur.c.account_id, cur.c.tier, cur.c.path_kind, cur.c.path, a.c.email)
        .select_from(cur.outerjoin(a, sa.and_(a.c.source == cur.c.source,
                                              a.c.tenant == cur.c.tenant,
                                              a.c.external_id == cur.c.account_id)))
        .where(cur.c.tier.in_([str(PrivilegeTier.ADMIN), str(PrivilegeTier.ELEVATED)]))
        .order_by(cur.c.account_id, cur.c.entitlement)).all()
    if not rows:
        return None
    best = min(rows, key=lambda r: (_PATH_ORDER[AccessPathKind(r.path_kind)],
                                    _TIER_ORDER[PrivilegeTier(r.tier)]))
    return str(best.email or best.account_id), describe(best.path, str(best.tier))
