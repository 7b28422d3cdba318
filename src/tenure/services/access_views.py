"""Effective access in words for the person and account pages (names, not ids)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from tenure.services import effective_access
from tenure.store import schema


def access_in_words(conn: sa.Connection, principals: Sequence[tuple[str, str]]
                    ) -> list[dict[str, Any]]:
    """The current effective access of these (source, account id) pairs, each row with its
    path in words ("admin via group Platform-Admins → role Org Admin, pushed by Okta") and
    workspace/project names in place of their ids; strongest tier first."""
    if not principals:
        return []
    rows = [r for r in effective_access.access_of(
        conn, account_ids=sorted({ext for _, ext in principals}))
        if (r["source"], r["account_id"]) in set(principals)]
    w = schema.workspaces
    names = {(s, e): n for s, e, n in conn.execute(
        sa.select(w.c.source, w.c.external_id, w.c.name).where(
            w.c.external_id.in_({str(r["scope_id"]) for r in rows if r["scope_id"]})))}
    order = {"admin": 0, "elevated": 1, "none": 2}
    out = []
    for r in rows:
        text = str(r["explanation"])
        name = names.get((r["source"], r["scope_id"]))
        if name:
            text = text.replace(f"workspace {r['scope_id']}", f"workspace {name}")
        out.append({**r, "explanation": text})
    out.sort(key=lambda r: (order.get(str(r["tier"]), 3), r["source"], r["explanation"]))
    # The same words twice (one role reached through two grants) read as one line.
    seen: set[tuple[str, str]] = set()
    unique = []
    for r in out:
        key = (r["source"], r["explanation"])
        if key not in seen:
            seen.add(key)
            unique.append(r)
    return unique


def item_holds(conn: sa.Connection, kind: str, source: str, subject_id: str
               ) -> list[dict[str, Any]]:
    """What a group-membership or role-assignment item grants now, one row per role and
    scope: ``scope``, ``where`` (workspace name, or "organization"), ``role``, ``privileged``
    (admin tier), ``via``. Read from the current effective access."""
    cur = effective_access.current_access()
    if kind == "group_member":
        group_id, _, account_id = subject_id.partition(":")
        cond = [cur.c.via_group_id == group_id, cur.c.account_id == account_id]
    else:
        ra = schema.role_assignments
        row = conn.execute(sa.select(ra.c.principal_kind, ra.c.principal_id, ra.c.role_id)
                           .where(ra.c.source == source, ra.c.external_id == subject_id)).first()
        if row is None:
            return []
        who = (cur.c.via_group_id == row.principal_id if row.principal_kind == "group"
               else sa.and_(cur.c.account_id == row.principal_id, cur.c.via_group_id.is_(None)))
        cond = [who, cur.c.entitlement == row.role_id]
    rows = conn.execute(sa.select(cur.c.scope_type, cur.c.scope_id, cur.c.entitlement_name,
                                  cur.c.tier, cur.c.path_kind, cur.c.via_group_id)
                        .where(cur.c.source == source, *cond).distinct()).mappings().all()
    w, g = schema.workspaces, schema.groups
    names = dict(conn.execute(sa.select(w.c.external_id, w.c.name).where(w.c.source == source)
                              ).all())
    groups = dict(conn.execute(sa.select(g.c.external_id, g.c.name).where(g.c.source == source)
                               ).all())
    out = []
    for r in rows:
        where = ("organization" if r["scope_type"] == "organization"
                 else names.get(r["scope_id"], r["scope_id"]))
        via = (f"group {groups.get(r['via_group_id'], r['via_group_id'])}"
               if r["via_group_id"] else "the role itself")
        out.append({"scope": str(r["scope_type"]), "where": where,
                    "role": str(r["entitlement_name"]), "privileged": r["tier"] == "admin",
                    "via": via})
    return sorted(out, key=lambda h: (not h["privileged"], h["where"], h["role"]))
