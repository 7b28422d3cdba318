"""review_items: the queue's index covers what grouping reads (reviewer, status, group key,
risk, label, campaign), so grouping 15,000 items never reads their snapshots

Replaces ``ix_review_items_reviewer_status_group_key`` (0020).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_review_items_reviewer_status_group_key", table_name="review_items")
    op.create_index("ix_review_items_queue", "review_items",
                    ["reviewer", "status", "group_key", "risk", "label", "campaign_id"],
                    unique=False)


def downgrade() -> None:
    op.drop_index("ix_review_items_queue", table_name="review_items")
    op.create_index("ix_review_items_reviewer_status_group_key", "review_items",
                    ["reviewer", "status", "group_key"], unique=False)
