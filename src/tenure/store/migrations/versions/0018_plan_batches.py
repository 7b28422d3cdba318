"""plan_batches: approved batches of a plan over the max-actions guard

One row per approved batch (plan id, 1-based batch number), with the batch size the layout was
cut at, its step range, its vendor-call count, who approved and applied it and how many of its
vendor actions verified.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tenure.store.types

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "plan_batches",
        sa.Column("plan_id", sa.String(length=40), nullable=False),
        sa.Column("batch", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("first_step", sa.Integer(), nullable=False),
        sa.Column("last_step", sa.Integer(), nullable=False),
        sa.Column("calls", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("approved_by", sa.String(length=320), nullable=False),
        sa.Column("approved_at", tenure.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("applied_by", sa.String(length=320), nullable=True),
        sa.Column("applied_at", tenure.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("verified", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["plan_id"], ["revocation_plans.id"],
                                name=op.f("fk_plan_batches_plan_id_revocation_plans")),
        sa.PrimaryKeyConstraint("plan_id", "batch", name=op.f("pk_plan_batches")),
    )


def downgrade() -> None:
    op.drop_table("plan_batches")
