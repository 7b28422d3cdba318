"""activities: the dedup key is the primary key; monthly range partitions on PostgreSQL

The surrogate ``id`` goes (nothing reads it; checks read the ``activity_daily`` rollups) and
``(source, tenant, external_id, occurred_at)`` becomes the primary key. On PostgreSQL the table
becomes ``PARTITION BY RANGE (occurred_at)`` with one partition per month present in the rows
(``tenure.store.partitions``); later months are created by ingest. On SQLite the table is
rebuilt as an ordinary rowid table and every row keeps its rowid (the old ``id``), so rowids
keep growing in insertion order.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from alembic import op

import tenure.store.types
from tenure.store import partitions

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_BIGINT_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_KEY = ("source", "tenant", "external_id", "occurred_at")
# Time before id: feeds arrive in time order, so new keys land at one edge of the index
# instead of at random pages (what keeps ingest flat at 10M rows and more).
_NEW_KEY = ("source", "tenant", "occurred_at", "external_id")
_DATA = ("source", "tenant", "external_id", "occurred_at", "actor_kind", "actor_id",
         "actor_email", "action", "category", "target_type", "target_id", "workspace_id",
         "credential_id", "sync_run_id", "raw_page_id")
_COLUMNS = ", ".join(_DATA)
# Fixed text: table and column names only.
_MONTHS_PG = ("SELECT DISTINCT (date_trunc('month', occurred_at AT TIME ZONE 'UTC'))::date "
              "FROM activities_0007")
_COPY_UP_PG = f"INSERT INTO activities ({_COLUMNS}) SELECT {_COLUMNS} FROM activities_0007"  # noqa: S608
_COPY_UP_SQLITE = (f"INSERT INTO activities_0008 (rowid, {_COLUMNS}) "  # noqa: S608
                   f"SELECT id, {_COLUMNS} FROM activities")
_COPY_DOWN_PG = (f"INSERT INTO activities ({_COLUMNS}) "  # noqa: S608
                 f"SELECT {_COLUMNS} FROM activities_0008 ORDER BY occurred_at")
_COPY_DOWN_SQLITE = (f"INSERT INTO activities_0007 (id, {_COLUMNS}) "  # noqa: S608
                     f"SELECT rowid, {_COLUMNS} FROM activities ORDER BY rowid")


def _data_columns(*, key: bool) -> list[sa.Column[object]]:
    """The activity columns after ``id``; ``key`` makes the dedup key the primary key."""
    return [
        sa.Column("source", sa.String(length=128), nullable=False, primary_key=key),
        sa.Column("tenant", sa.String(length=128), nullable=False, primary_key=key),
        sa.Column("external_id", sa.String(length=256), nullable=False, primary_key=key),
        sa.Column("occurred_at", tenure.store.types.UTCDateTime(timezone=True), nullable=False,
                  primary_key=key),
        sa.Column("actor_kind", sa.String(length=32), nullable=False),
        sa.Column("actor_id", sa.String(length=256), nullable=True),
        sa.Column("actor_email", sa.String(length=320), nullable=True),
        sa.Column("action", sa.String(length=128), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("target_type", sa.String(length=64), nullable=True),
        sa.Column("target_id", sa.String(length=256), nullable=True),
        sa.Column("workspace_id", sa.String(length=256), nullable=True),
        sa.Column("credential_id", sa.String(length=256), nullable=True),
        sa.Column("sync_run_id", sa.String(length=64), nullable=False),
        sa.Column("raw_page_id", _BIGINT_ID, nullable=True),
    ]


def _create_new(name: str, **kwargs: Any) -> None:
    op.create_table(
        name,
        *_data_columns(key=True),
        sa.PrimaryKeyConstraint(*_NEW_KEY, name="pk_activities"),
        **kwargs,
    )


def _create_old(name: str) -> None:
    op.create_table(
        name,
        sa.Column("id", _BIGINT_ID, autoincrement=True, nullable=False),
        *_data_columns(key=False),
        sa.PrimaryKeyConstraint("id", name="pk_activities"),
        sa.UniqueConstraint(*_KEY, name="uq_activities_source_tenant_external_id_occurred_at"),
    )


def _create_index() -> None:
    op.create_index("ix_activities_actor_id_occurred_at", "activities",
                    ["actor_id", "occurred_at"], unique=False)


def _stored_months() -> list[date]:
    return sorted(op.get_bind().exec_driver_sql(_MONTHS_PG).scalars())


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # Move the old table and its constraint/index names aside (index names are global).
        op.execute('ALTER TABLE activities RENAME TO activities_0007')
        op.execute('ALTER TABLE activities_0007 RENAME CONSTRAINT pk_activities '
                   'TO pk_activities_0007')
        op.execute('ALTER TABLE activities_0007 RENAME CONSTRAINT '
                   'uq_activities_source_tenant_external_id_occurred_at '
                   'TO uq_activities_0007')
        op.execute('ALTER INDEX ix_activities_actor_id_occurred_at '
                   'RENAME TO ix_activities_0007')
        _create_new("activities", postgresql_partition_by="RANGE (occurred_at)")
        _create_index()
        for month in _stored_months():
            op.execute(partitions.create_partition_sql(month))
        op.execute(_COPY_UP_PG)
        op.drop_table("activities_0007")
        return
    # SQLite: rebuild; the old id becomes the rowid so insertion order is kept.
    _create_new("activities_0008")
    op.execute(_COPY_UP_SQLITE)
    op.drop_table("activities")
    op.rename_table("activities_0008", "activities")
    _create_index()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute('ALTER TABLE activities RENAME TO activities_0008')
        op.execute('ALTER TABLE activities_0008 RENAME CONSTRAINT pk_activities '
                   'TO pk_activities_0008')
        op.execute('ALTER INDEX ix_activities_actor_id_occurred_at '
                   'RENAME TO ix_activities_0008')
        _create_old("activities")
        _create_index()
        op.execute(_COPY_DOWN_PG)
        op.drop_table("activities_0008")  # and every month partition with it
        return
    _create_old("activities_0007")
    op.execute(_COPY_DOWN_SQLITE)
    op.drop_table("activities")
    op.rename_table("activities_0007", "activities")
    _create_index()
