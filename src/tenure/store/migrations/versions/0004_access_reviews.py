"""access reviews

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import tenure.store.types

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "campaigns",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=256), nullable=False),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("reviewer_rule", sa.Text(), nullable=False),
        sa.Column("fallback_reviewer", sa.String(length=320), nullable=False),
        sa.Column("if_no_response", sa.String(length=16), nullable=False),
        sa.Column("stages", sa.Integer(), nullable=False),
        sa.Column("stage2_reviewer", sa.String(length=320), nullable=True),
        sa.Column("outcome_strategy", sa.String(length=32), nullable=False),
        sa.Column("require_justification", sa.Boolean(), nullable=False),
        sa.Column("allow_self_review", sa.Boolean(), nullable=False),
        sa.Column("due_at", tenure.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("as_of", tenure.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("population_query", sa.Text(), nullable=False),
        sa.Column("population_size", sa.Integer(), nullable=False),
        sa.Column("population_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", tenure.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=320), nullable=False),
        sa.Column("closed_at", tenure.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=320), nullable=True),
        sa.Column(
            "plan",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("plan_hash", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
    )
    op.create_table(
        "review_notifications",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("campaign_id", sa.String(length=40), nullable=False),
        sa.Column("reviewer", sa.String(length=320), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("items", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("sent_at", tenure.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_notifications")),
    )
    with op.batch_alter_table("review_notifications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_review_notifications_campaign_id_reviewer_kind"),
            ["campaign_id", "reviewer", "kind"],
            unique=False,
        )

    op.create_table(
        "review_items",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("campaign_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=128), nullable=False),
        sa.Column("tenant", sa.String(length=128), nullable=False),
        sa.Column("subject_id", sa.String(length=512), nullable=False),
        sa.Column("label", sa.String(length=512), nullable=False),
        sa.Column("person_email", sa.String(length=320), nullable=True),
        sa.Column("privileged", sa.Boolean(), nullable=False),
        sa.Column(
            "snapshot",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("snapshot_hash", sa.String(length=64), nullable=False),
        sa.Column("recommendation", sa.String(length=16), nullable=False),
        sa.Column("recommendation_reason", sa.Text(), nullable=False),
        sa.Column("risk", sa.Integer(), nullable=False),
        sa.Column("stage", sa.Integer(), nullable=False),
        sa.Column("reviewer", sa.String(length=320), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=True),
        sa.Column("decided_by", sa.String(length=320), nullable=True),
        sa.Column("decided_at", tenure.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("justification", sa.Text(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("outcome_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_review_items_campaign_id_campaigns")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_items")),
    )
    with op.batch_alter_table("review_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_review_items_campaign_id_reviewer_status"),
            ["campaign_id", "reviewer", "status"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_review_items_campaign_id_status"),
            ["campaign_id", "status"],
            unique=False,
        )

    op.create_table(
        "review_assignments",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("item_id", sa.String(length=40), nullable=False),
        sa.Column("campaign_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("from_reviewer", sa.String(length=320), nullable=False),
        sa.Column("to_reviewer", sa.String(length=320), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("at", tenure.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=320), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["review_items.id"],
            name=op.f("fk_review_assignments_item_id_review_items"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_assignments")),
    )
    with op.batch_alter_table("review_assignments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_review_assignments_item_id"), ["item_id"], unique=False
        )

    op.create_table(
        "review_decisions",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("item_id", sa.String(length=40), nullable=False),
        sa.Column("campaign_id", sa.String(length=40), nullable=False),
        sa.Column("stage", sa.Integer(), nullable=False),
        sa.Column("reviewer", sa.String(length=320), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("justification", sa.Text(), nullable=False),
        sa.Column("snapshot_hash", sa.String(length=64), nullable=False),
        sa.Column("decided_at", tenure.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=320), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"], ["review_items.id"], name=op.f("fk_review_decisions_item_id_review_items")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_decisions")),
    )
    with op.batch_alter_table("review_decisions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_review_decisions_item_id"), ["item_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("review_decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_decisions_item_id"))

    op.drop_table("review_decisions")
    with op.batch_alter_table("review_assignments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_assignments_item_id"))

    op.drop_table("review_assignments")
    with op.batch_alter_table("review_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_items_campaign_id_status"))
        batch_op.drop_index(batch_op.f("ix_review_items_campaign_id_reviewer_status"))

    op.drop_table("review_items")
    with op.batch_alter_table("review_notifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_notifications_campaign_id_reviewer_kind"))

    op.drop_table("review_notifications")
    op.drop_table("campaigns")
