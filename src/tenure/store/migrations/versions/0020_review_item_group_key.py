"""review_items.group_key and review_items.findings: the queue's grouping and has-finding
filter as plain indexed columns instead of JSON expressions

``group_key`` is the item's person, else the account email its snapshot names, else the item
id; ``findings`` is the number of open findings in its snapshot. Both are filled from the
snapshot for existing items (a snapshot never changes after the item is created).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("review_items", sa.Column("group_key", sa.String(length=512), nullable=True))
    op.add_column("review_items", sa.Column("findings", sa.Integer(), server_default="0",
                                            nullable=False))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("UPDATE review_items SET group_key = left(coalesce(person_email, "
                   "snapshot->>'email', id), 512), findings = coalesce(jsonb_array_length("
                   "CASE WHEN jsonb_typeof(snapshot->'findings') = 'array' "
                   "THEN snapshot->'findings' END), 0)")
    else:
        op.execute("UPDATE review_items SET group_key = substr(coalesce(person_email, "
                   "json_extract(snapshot, '$.email'), id), 1, 512), findings = coalesce("
                   "json_array_length(snapshot, '$.findings'), 0)")
    op.create_index("ix_review_items_reviewer_status_group_key", "review_items",
                    ["reviewer", "status", "group_key"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_review_items_reviewer_status_group_key", table_name="review_items")
    op.drop_column("review_items", "findings")
    op.drop_column("review_items", "group_key")
