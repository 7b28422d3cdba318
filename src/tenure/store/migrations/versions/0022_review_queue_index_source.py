"""review_items: the queue's covering index also holds the source, so the queue's campaign and
source filters are read from the index too

Replaces ``ix_review_items_queue`` (0021) with ``ix_review_items_queue_by_source``.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_review_items_queue", table_name="review_items")
    op.create_index("ix_review_items_queue_by_source", "review_items",
                    ["reviewer", "status", "group_key", "risk", "label", "campaign_id",
                     "source"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_review_items_queue_by_source", table_name="review_items")
    op.create_index("ix_review_items_queue", "review_items",
                    ["reviewer", "status", "group_key", "risk", "label", "campaign_id"],
                    unique=False)
