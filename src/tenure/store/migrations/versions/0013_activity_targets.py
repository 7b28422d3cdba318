"""activity_targets: who or what each identity event affected (one row per target)

Keyed by the activity's key ``(source, tenant, occurred_at, external_id)`` plus the target's
position in the event. Not partitioned on PostgreSQL (identity events are a small share of the
feed). Activities stored before this revision have no targets; a full re-sync
(``tenure sync --full``) re-reads the lookback and fills them in (activities dedup, targets are
added).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tenure.store.types

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "activity_targets",
        sa.Column("source", sa.String(length=128), nullable=False),
        sa.Column("tenant", sa.String(length=128), nullable=False),
        sa.Column("occurred_at", tenure.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("external_id", sa.String(length=256), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("relation", sa.String(length=32), nullable=False),
        sa.Column("target_type", sa.String(length=64), nullable=False),
        sa.Column("target_id", sa.String(length=256), nullable=True),
        sa.Column("target_email", sa.String(length=320), nullable=True),
        sa.Column("role", sa.String(length=128), nullable=True),
        sa.PrimaryKeyConstraint("source", "tenant", "occurred_at", "external_id", "seq",
                                name="pk_activity_targets"),
    )
    op.create_index("ix_activity_targets_target_id_occurred_at", "activity_targets",
                    ["target_id", "occurred_at"], unique=False)
    op.create_index("ix_activity_targets_target_email_occurred_at", "activity_targets",
                    ["target_email", "occurred_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_activity_targets_target_email_occurred_at", table_name="activity_targets")
    op.drop_index("ix_activity_targets_target_id_occurred_at", table_name="activity_targets")
    op.drop_table("activity_targets")
