"""What a sync or an apply changed in the store, as the data kinds checks declare they read.

A check names the data it reads (``Check.needs`` and ``Check.reads``, the Cloud Custodian way:
the resource a policy reads is part of its definition); after a sync, an apply or a campaign
close only the checks reading something that changed are re-evaluated (``checks.affected``).

"Changed" is measured, not assumed: a vendor listing rewrites every row it sees, so a snapshot
type counts as changed only when a digest of its rows' content (bookkeeping columns left out,
``removed_at`` kept) differs before and after the run. Activities and usage count as changed when
the run inserted rows; a type with a Gap now or in the source's previous run counts as changed
(its checks move between ``manual`` and judged); identity links count when any account's
matched person changed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from tenure.store import schema, writers

IDENTITY = "identity"
"""Which person each account and key belongs to (identity resolution and manual links)."""
PERSON_CHANGE = "person_change"
"""Joiner/mover/leaver history (``person_changes``)."""
EFFECTIVE_ACCESS = "effective_access"
"""The per-run effective access computed from grants, groups and roles."""
SPONSOR = "sponsor"
"""Sponsors recorded in Tenure (``tenure sponsor set``, succession) that NHI checks read."""
INSERTED = ("activity", "usage")
"""Types whose writers report only the rows they added or replaced."""
_IGNORED = frozenset({"id", "first_seen_at", "last_seen_at", "sync_run_id", "removed_run_id"})


def _hash(conn: sa.Connection, query: sa.Select[Any]) -> str:
    digest = hashlib.sha256()
    for row in conn.execute(query):
        digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def _digest(conn: sa.Connection, table: sa.Table, source: str) -> str:
    columns = [c for c in table.columns if c.name not in _IGNORED]
    key = [c for c in (table.c.get("tenant"), table.c.get("external_id")) if c is not None]
    return _hash(conn, sa.select(*columns).where(table.c.source == source)
                 .order_by(*key, *table.primary_key.columns))


@dataclass(frozen=True, slots=True)
class Before:
    """A source's snapshot digests and the identity links, taken before a run."""

    source: str
    tables: dict[str, str]
    links: str


def before(conn: sa.Connection, source: str) -> Before:
    """Digest the source's snapshot rows and everyone's identity links."""
    tables = {name: _digest(conn, table, source)
              for name, table in writers.SNAPSHOT_TABLES.items() if "source" in table.c}
    return Before(source, tables, _links(conn))


def _links(conn: sa.Connection) -> str:
    a = schema.accounts
    return _hash(conn, sa.select(a.c.source, a.c.tenant, a.c.external_id, a.c.person_email)
                 .order_by(a.c.id))


def after(conn: sa.Connection, was: Before, *, run_id: str, written: dict[str, int],
          gap_types: Iterable[str]) -> set[str]:
    """The kinds the run changed, comparing with ``was``."""
    kinds = {name for name, table in writers.SNAPSHOT_TABLES.items()
             if name in was.tables and _digest(conn, table, was.source) != was.tables[name]}
    kinds.update(t for t in INSERTED if written.get(t))
    kinds.update(gap_types)
    runs, gaps = schema.sync_runs, schema.gaps
    previous = conn.execute(sa.select(runs.c.id).where(
        runs.c.source == was.source, runs.c.id != run_id, runs.c.finished_at.is_not(None))
        .order_by(runs.c.started_at.desc()).limit(1)).scalar()
    if previous is not None:
        kinds.update(conn.execute(sa.select(gaps.c.record_type).where(
            gaps.c.sync_run_id == previous)).scalars())
    if kinds & {"account", "grant"}:
        # service accounts are a sub-type of accounts and grants (writers.SUBSET_TABLES)
        kinds.update(writers.SUBSET_TABLES)
    if "person" in kinds:
        kinds.add(PERSON_CHANGE)
    if kinds - {"person", PERSON_CHANGE, *INSERTED}:
        kinds.add(EFFECTIVE_ACCESS)
    if _links(conn) != was.links:
        kinds.add(IDENTITY)
    return kinds


TARGET_KINDS = {"api_key": "credential", "service_account": "account",
                "workload_identity": "federation_rule"}
"""Plan target kinds whose record type has another name."""


def of_targets(kinds: Iterable[str]) -> set[str]:
    """The record types a plan's targets live in (an applied step changes its target)."""
    out = {TARGET_KINDS.get(k, k) for k in kinds} | (
        {"service_account"} if "service_account" in kinds else set())
    return out | ({EFFECTIVE_ACCESS} if out else set())
