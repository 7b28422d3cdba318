"""revocation plans

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import tenure.store.types

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "revocation_plans",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("origin", sa.String(length=256), nullable=False),
        sa.Column(
            "document",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", tenure.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=320), nullable=False),
        sa.Column("approved_by", sa.String(length=320), nullable=True),
        sa.Column("approved_at", tenure.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("applied_at", tenure.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("applied_by", sa.String(length=320), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_revocation_plans")),
    )
    op.create_table(
        "manual_tasks",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("plan_id", sa.String(length=40), nullable=False),
        sa.Column("step_index", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=128), nullable=False),
        sa.Column("subject_id", sa.String(length=512), nullable=False),
        sa.Column("owner", sa.String(length=320), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("why", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", tenure.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("done_at", tenure.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("done_by", sa.String(length=320), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["revocation_plans.id"],
            name=op.f("fk_manual_tasks_plan_id_revocation_plans"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_manual_tasks")),
        sa.UniqueConstraint(
            "plan_id", "step_index", name=op.f("uq_manual_tasks_plan_id_step_index")
        ),
    )
    op.create_table(
        "plan_actions",
        sa.Column("plan_id", sa.String(length=40), nullable=False),
        sa.Column("step_index", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=128), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.String(length=512), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("intent_at", tenure.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("outcome_at", tenure.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("verified", sa.Boolean(), nullable=True),
        sa.Column("verified_at", tenure.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["revocation_plans.id"],
            name=op.f("fk_plan_actions_plan_id_revocation_plans"),
        ),
        sa.PrimaryKeyConstraint("plan_id", "step_index", name=op.f("pk_plan_actions")),
    )


def downgrade() -> None:
    op.drop_table("plan_actions")
    op.drop_table("manual_tasks")
    op.drop_table("revocation_plans")
