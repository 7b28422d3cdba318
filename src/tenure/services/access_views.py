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
