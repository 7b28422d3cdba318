"""SCIM deactivations held by the burst guard

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tenure.store.types

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scim_held_deactivations",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  autoincrement=True, nullable=False),
        sa.Column("source", sa.String(length=128), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("user_name", sa.Text(), nullable=False),
        sa.Column("held_at", tenure.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("resolved_at", tenure.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.String(length=320), nullable=True),
        sa.Column("resolution", sa.String(length=16), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scim_held_deactivations")),
    )
    with op.batch_alter_table("scim_held_deactivations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_scim_held_deactivations_source_resolved_at"),
                              ["source", "resolved_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("scim_held_deactivations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scim_held_deactivations_source_resolved_at"))
    op.drop_table("scim_held_deactivations")
