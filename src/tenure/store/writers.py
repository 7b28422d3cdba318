"""Writers: every write is part of a sync run; snapshot records are upserted by
(source, tenant, external_id) and retired only after a complete listing."""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from tenure.model import (
    SERVICE_ACCOUNT_TYPE,
    Account,
    AccountKind,
    Credential,
    FederationIssuer,
    FederationRule,
    Grant,
    Invite,
    RunStatus,
    Usage,
    Workspace,
    record_values,
)
from tenure.redact import redact_known_bytes
from tenure.store import agent_rows, schema
from tenure.store.upsert import insert_for

SNAPSHOT_TABLES: dict[str, sa.Table] = {
    "person": schema.people,
    "account": schema.accounts,
    "invite": schema.invites,
    "workspace": schema.workspaces,
    "credential": schema.credentials,
    "grant": schema.grants,
    "federation_issuer": schema.federation_issuers,
    "federation_rule": schema.federation_rules,
    **agent_rows.TABLES,
    "group": schema.groups,
    "group_member": schema.group_members,
    "role": schema.roles,
    "role_assignment": schema.role_assignments,
    "analytics_user": schema.analytics_users,
}
"""The table holding each snapshot record type."""


def service_account_ids(source: str, tenant: str) -> sa.Select[tuple[str]]:
    """The external ids of a source's service-account accounts (a subquery)."""
    a = schema.accounts
    return sa.select(a.c.external_id).where(a.c.source == source, a.c.tenant == tenant,
                                            a.c.kind == str(AccountKind.SERVICE_ACCOUNT))


def subset_rows(record_type: str, table: sa.Table, source: str, tenant: str
                ) -> sa.ColumnElement[bool] | None:
    """The rows of ``table`` that belong to the sub-type ``record_type`` (None: not one).

    Service accounts (:data:`tenure.model.SERVICE_ACCOUNT_TYPE`) are accounts and grants that
    a source may read with a credential of their own: their rows are these, in both tables.
    """
    if record_type != SERVICE_ACCOUNT_TYPE:
        return None
    if table is schema.accounts:
        return schema.accounts.c.kind == str(AccountKind.SERVICE_ACCOUNT)
    if table is schema.grants:
        return schema.grants.c.account_id.in_(service_account_ids(source, tenant))
    return None


SUBSET_TABLES: dict[str, tuple[sa.Table, ...]] = {
    SERVICE_ACCOUNT_TYPE: (schema.accounts, schema.grants),
}
"""Record types that are a subset of other snapshot tables (retired on their own)."""

_KEY = ("source", "tenant", "external_id")
_BOOKKEEPING = {"id", "first_seen_at", *_KEY}


def upsert_snapshot(
    conn: sa.Connection,
    table: sa.Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    source: str,
    tenant: str,
    run_id: str,
    now: datetime,
) -> int:
    """Insert or update ``rows`` (typed columns only) and stamp them with the run.

    A row seen again after being retired is revived (``removed_at`` cleared).
    """
    if not rows:
        return 0
    values = [
        {**row, "source": source, "tenant": tenant, "first_seen_at": now, "last_seen_at": now,
         "sync_run_id": run_id, "removed_at": None, "removed_run_id": None}
        for row in rows
    ]
    stmt = insert_for(conn, table)
    updated = {
        c.name: stmt.excluded[c.name] for c in table.columns if c.name not in _BOOKKEEPING
        and c.name in values[0]
    }
    stmt = stmt.on_conflict_do_update(index_elements=list(_KEY), set_=updated)
    conn.execute(stmt, values)
    return len(values)


def retire_missing(
    conn: sa.Connection, table: sa.Table, *, source: str, tenant: str, run_id: str,
    now: datetime, only: sa.ColumnElement[bool] | None = None,
    keep: Sequence[sa.ColumnElement[bool]] = (),
) -> int:
    """Mark removed every present row of the source/tenant that ``run_id`` did not see.

    Call only after a run enumerated this record type completely. ``only`` narrows it to a
    sub-type's rows; ``keep`` spares rows of sub-types the run could not read (a Gap).
    """
    conditions = [table.c.source == source, table.c.tenant == tenant,
                  table.c.removed_at.is_(None), table.c.sync_run_id != run_id]
    if only is not None:
        conditions.append(only)
    conditions += [sa.not_(k) for k in keep]
    result = conn.execute(
        table.update().where(*conditions).values(removed_at=now, removed_run_id=run_id)
    )
    return result.rowcount or 0


def account_row(record: Account) -> dict[str, Any]:
    """Column values of an account record."""
    return {
        "external_id": record.external_id, "kind": str(record.kind),
        "email": record.email.strip().lower() if record.email else None,
        "name": record.name, "role": record.role, "status": record.status,
        "created_at": record.created_at, "attributes": dict(record.attributes),
    }


def invite_row(record: Invite) -> dict[str, Any]:
    """Column values of an invite record."""
    row = record_values(record)
    row["email"] = record.email.strip().lower()
    return row


def workspace_row(record: Workspace) -> dict[str, Any]:
    """Column values of a workspace/project record."""
    return {**record_values(record), "status": record.status}


def credential_row(record: Credential) -> dict[str, Any]:
    """Column values of a credential record."""
    return {**record_values(record), "kind": str(record.kind)}


def federation_issuer_row(record: FederationIssuer) -> dict[str, Any]:
    """Column values of a federation issuer record."""
    return {**record_values(record), "attributes": dict(record.attributes)}


def federation_rule_row(record: FederationRule) -> dict[str, Any]:
    """Column values of a federation rule record."""
    return {**record_values(record), "claims": dict(record.claims), "match": dict(record.match),
            "workspace_ids": list(record.workspace_ids),
            "attributes": dict(record.attributes)}


def grant_row(record: Grant) -> dict[str, Any]:
    """Column values of a grant record (the entitlement is flattened)."""
    ent = record.entitlement
    return {
        "external_id": record.external_id, "account_id": record.account_id,
        "entitlement_id": ent.external_id, "scope_type": ent.scope_type,
        "scope_id": ent.scope_id, "role": ent.role, "privileged": ent.privileged,
        "inherited": record.inherited, "granted_at": record.granted_at,
    }


def upsert_entitlements(
    conn: sa.Connection, grants: Iterable[Grant], *, source: str, tenant: str, now: datetime
) -> None:
    """Record every entitlement the grants refer to (the catalogue only grows)."""
    seen = {g.entitlement.external_id: g.entitlement for g in grants}
    if not seen:
        return
    stmt = insert_for(conn, schema.entitlements).on_conflict_do_nothing(
        index_elements=list(_KEY)
    )
    conn.execute(stmt, [
        {"source": source, "tenant": tenant, "external_id": key, "scope_type": e.scope_type,
         "scope_id": e.scope_id, "role": e.role, "privileged": e.privileged,
         "first_seen_at": now}
        for key, e in seen.items()
    ])


def write_usage(
    conn: sa.Connection, usage: Sequence[Usage], *, source: str, tenant: str, run_id: str
) -> int:
    """Upsert daily usage; a re-read of a day replaces the vendor's figures for it."""
    if not usage:
        return 0
    stmt = insert_for(conn, schema.usage_daily)
    stmt = stmt.on_conflict_do_update(
        index_elements=["source", "tenant", "subject_type", "subject_id", "day"],
        set_={name: stmt.excluded[name]
              for name in ("requests", "input_tokens", "output_tokens", "sync_run_id")},
    )
    conn.execute(stmt, [
        {**record_values(u), "source": source, "tenant": tenant, "sync_run_id": run_id}
        for u in usage
    ])
    return len(usage)


@dataclass(frozen=True, slots=True)
class PackedPage:
    """A raw vendor page compressed for storage, with the SHA-256 of its uncompressed bytes."""

    compressed: bytes
    sha256: str


def pack_page(body: bytes, level: int = 6) -> PackedPage:
    """Compress and hash ``body`` (pure CPU, no database: the import does it off-thread).

    Bulk imports pass a low ``level``: speed matters more than ratio there. Every configured
    secret is replaced first: a vendor that echoes a key inside a page does not get it kept."""
    body = redact_known_bytes(body)
    return PackedPage(zlib.compress(body, level), hashlib.sha256(body).hexdigest())


def store_packed_page(
    conn: sa.Connection, *, run_id: str, source: str, stream: str, locator: str,
    page: PackedPage, now: datetime,
) -> int:
    """Keep a packed vendor page; returns its row id."""
    result = conn.execute(
        schema.raw_pages.insert().values(
            sync_run_id=run_id, source=source, stream=stream, locator=locator,
            sha256=page.sha256, fetched_at=now, body=page.compressed,
        )
    )
    (page_id,) = result.inserted_primary_key or (0,)
    return int(page_id)


def store_raw_page(
    conn: sa.Connection, *, run_id: str, source: str, stream: str, locator: str, body: bytes,
    now: datetime, level: int = 6,
) -> tuple[int, str]:
    """Keep a vendor page compressed; returns (row id, SHA-256 of the uncompressed body)."""
    page = pack_page(body, level)
    page_id = store_packed_page(conn, run_id=run_id, source=source, stream=stream,
                                locator=locator, page=page, now=now)
    return page_id, page.sha256


def save_cursor(
    conn: sa.Connection, *, source: str, stream: str, cursor: Mapping[str, Any], run_id: str,
    now: datetime,
) -> None:
    """Commit a stream's resume point (in the same transaction as the page's rows)."""
    stmt = insert_for(conn, schema.sync_cursors)
    stmt = stmt.on_conflict_do_update(
        index_elements=["source", "stream"],
        set_={"cursor": stmt.excluded.cursor, "sync_run_id": stmt.excluded.sync_run_id,
              "updated_at": stmt.excluded.updated_at},
    )
    conn.execute(stmt, {"source": source, "stream": stream, "cursor": dict(cursor),
                        "sync_run_id": run_id, "updated_at": now})


def load_cursors(conn: sa.Connection, source: str) -> dict[str, dict[str, Any]]:
    """Every committed stream cursor of a source."""
    rows = conn.execute(
        sa.select(schema.sync_cursors.c.stream, schema.sync_cursors.c.cursor)
        .where(schema.sync_cursors.c.source == source)
    )
    return {stream: dict(cursor) for stream, cursor in rows}


def start_run(
    conn: sa.Connection, *, run_id: str, source: str, source_type: str, now: datetime
) -> None:
    """Record the start of a sync run; an earlier run of the source still marked running was
    interrupted (the process died) and is recorded as failed."""
    runs = schema.sync_runs
    conn.execute(runs.update().where(runs.c.source == source,
                                     runs.c.status == str(RunStatus.RUNNING))
                 .values(status=str(RunStatus.FAILED), finished_at=now,
                         error="interrupted: the process ended before the run finished"))
    conn.execute(schema.sync_runs.insert().values(
        id=run_id, source=source, source_type=source_type, tenant=source, started_at=now,
        status=str(RunStatus.RUNNING), complete_types=[], stats={},
    ))


def finish_run(
    conn: sa.Connection, *, run_id: str, status: RunStatus, tenant: str,
    complete_types: Sequence[str], stats: Mapping[str, Any], error: str | None, now: datetime,
) -> None:
    """Record how a sync run ended."""
    conn.execute(
        schema.sync_runs.update().where(schema.sync_runs.c.id == run_id).values(
            status=str(status), tenant=tenant, complete_types=sorted(complete_types),
            stats=dict(stats), error=error, finished_at=now,
        )
    )


def record_gap(
    conn: sa.Connection, *, run_id: str, source: str, tenant: str, record_type: str,
    reason: str, detail: str, now: datetime,
) -> None:
    """Record data a run could not read."""
    conn.execute(schema.gaps.insert().values(
        sync_run_id=run_id, source=source, tenant=tenant, record_type=record_type,
        reason=reason, detail=detail, created_at=now,
    ))
