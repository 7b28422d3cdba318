"""web app users and API tokens

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tenure.store.types

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_users",
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=True),
        sa.Column("created_at", tenure.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=320), nullable=False),
        sa.Column("disabled_at", tenure.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("email", name=op.f("pk_web_users")),
    )
    op.create_table(
        "web_tokens",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("user_email", sa.String(length=320), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("salt", sa.String(length=64), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", tenure.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=320), nullable=False),
        sa.Column("revoked_at", tenure.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_email"], ["web_users.email"],
                                name=op.f("fk_web_tokens_user_email_web_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_tokens")),
    )
    with op.batch_alter_table("web_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_web_tokens_user_email"), ["user_email"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("web_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_web_tokens_user_email"))
    op.drop_table("web_tokens")
    op.drop_table("web_users")
