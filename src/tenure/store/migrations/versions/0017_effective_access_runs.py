"""effective_access_runs: which sync runs had their effective access computed

The newest row of each source names its current effective access (ordered by id: runs under a
fixed clock have equal times). A run whose computation found nothing still gets a row, so an
account that lost everything is not shown its previous run's access.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tenure.store.types

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "effective_access_runs",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True,
                  nullable=False),
        sa.Column("sync_run_id", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=128), nullable=False),
        sa.Column("tenant", sa.String(length=128), nullable=False),
        sa.Column("computed_at", tenure.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_effective_access_runs")),
        sa.UniqueConstraint("sync_run_id", name=op.f("uq_effective_access_runs_sync_run_id")),
    )
    op.create_index(op.f("ix_effective_access_runs_source"), "effective_access_runs",
                    ["source"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_effective_access_runs_source"), table_name="effective_access_runs")
    op.drop_table("effective_access_runs")
