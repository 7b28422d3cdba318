"""server-side web sessions (sign-out and password changes end them)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tenure.store.types

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_sessions",
        sa.Column("id_sha256", sa.String(length=64), nullable=False),
        sa.Column("user_email", sa.String(length=320), nullable=False),
        sa.Column("created_at", tenure.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", tenure.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", tenure.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(["user_email"], ["web_users.email"],
                                name=op.f("fk_web_sessions_user_email_web_users")),
        sa.PrimaryKeyConstraint("id_sha256", name=op.f("pk_web_sessions")),
    )
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_web_sessions_user_email"), ["user_email"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_web_sessions_user_email"))
    op.drop_table("web_sessions")
