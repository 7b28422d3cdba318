"""SCIM receiver: bearer tokens, pushed users and groups, group memberships

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import tenure.store.types

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scim_groups",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=128), nullable=False),
        sa.Column("external_id", sa.String(length=512), nullable=True),
        sa.Column("display_name", sa.String(length=512), nullable=False),
        sa.Column("display_name_key", sa.String(length=512), nullable=False),
        sa.Column(
            "resource",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", tenure.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", tenure.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scim_groups")),
    )
    op.create_index(
        op.f("ix_scim_groups_source_display_name_key"),
        "scim_groups",
        ["source", "display_name_key"],
        unique=False,
    )
    op.create_index(
        op.f("ix_scim_groups_source_external_id"),
        "scim_groups",
        ["source", "external_id"],
        unique=False,
    )
    op.create_table(
        "scim_tokens",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=128), nullable=False),
        sa.Column("salt", sa.String(length=64), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", tenure.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=320), nullable=False),
        sa.Column("revoked_at", tenure.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.String(length=320), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scim_tokens")),
    )
    op.create_table(
        "scim_users",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=128), nullable=False),
        sa.Column("external_id", sa.String(length=512), nullable=True),
        sa.Column("user_name", sa.String(length=512), nullable=False),
        sa.Column("user_name_key", sa.String(length=512), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("manager_ref", sa.String(length=512), nullable=True),
        sa.Column(
            "resource",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", tenure.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", tenure.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scim_users")),
        sa.UniqueConstraint("source", "email", name=op.f("uq_scim_users_source_email")),
        sa.UniqueConstraint(
            "source", "user_name_key", name=op.f("uq_scim_users_source_user_name_key")
        ),
    )
    op.create_index(
        op.f("ix_scim_users_source_external_id"),
        "scim_users",
        ["source", "external_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_scim_users_source_manager_ref"),
        "scim_users",
        ["source", "manager_ref"],
        unique=False,
    )
    op.create_table(
        "scim_group_members",
        sa.Column("group_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("display", sa.String(length=512), nullable=True),
        sa.Column("added_at", tenure.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["scim_groups.id"],
            name=op.f("fk_scim_group_members_group_id_scim_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["scim_users.id"],
            name=op.f("fk_scim_group_members_user_id_scim_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("group_id", "user_id", name=op.f("pk_scim_group_members")),
    )
    op.create_index(
        op.f("ix_scim_group_members_user_id"), "scim_group_members", ["user_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_scim_group_members_user_id"), table_name="scim_group_members")
    op.drop_table("scim_group_members")
    op.drop_index(op.f("ix_scim_users_source_manager_ref"), table_name="scim_users")
    op.drop_index(op.f("ix_scim_users_source_external_id"), table_name="scim_users")
    op.drop_table("scim_users")
    op.drop_table("scim_tokens")
    op.drop_index(op.f("ix_scim_groups_source_external_id"), table_name="scim_groups")
    op.drop_index(op.f("ix_scim_groups_source_display_name_key"), table_name="scim_groups")
    op.drop_table("scim_groups")
