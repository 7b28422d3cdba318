"""Groups, group members, roles, role assignments, analytics users and effective access

Issue 17: who holds what through groups and custom roles, and why. ``groups.role_ids`` NULL
means the vendor sent no role data (never "no roles"); ``roles.tier`` comes from the role's
permissions (tenure.privilege); ``effective_access`` is computed per sync run.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import tenure.store.types

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

BIGINT_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "analytics_users",
        sa.Column("id", BIGINT_ID, autoincrement=True, nullable=False),
        sa.Column("source", sa.String(length=128), nullable=False),
        sa.Column("tenant", sa.String(length=128), nullable=False),
        sa.Column("external_id", sa.String(length=512), nullable=False),
        sa.Column("user_id", sa.String(length=256), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("last_activity_date", sa.Date(), nullable=True),
        sa.Column(
            "activity",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("first_seen_at", tenure.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", tenure.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sync_run_id", sa.String(length=64), nullable=False),
        sa.Column("removed_at", tenure.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("removed_run_id", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_users")),
        sa.UniqueConstraint(
            "source",
            "tenant",
            "external_id",
            name=op.f("uq_analytics_users_source_tenant_external_id"),
        ),
    )
    op.create_index(
        op.f("ix_analytics_users_user_id"), "analytics_users", ["user_id"], unique=False
    )
    op.create_table(
        "effective_access",
        sa.Column("id", BIGINT_ID, autoincrement=True, nullable=False),
        sa.Column("sync_run_id", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=128), nullable=False),
        sa.Column("tenant", sa.String(length=128), nullable=False),
        sa.Column("account_id", sa.String(length=256), nullable=False),
        sa.Column("scope_type", sa.String(length=32), nullable=False),
        sa.Column("scope_id", sa.String(length=256), nullable=False),
        sa.Column("entitlement", sa.String(length=512), nullable=False),
        sa.Column("entitlement_name", sa.String(length=256), nullable=False),
        sa.Column("tier", sa.String(length=32), nullable=True),
        sa.Column("path_kind", sa.String(length=32), nullable=False),
        sa.Column("via_group_id", sa.String(length=256), nullable=True),
        sa.Column("origin", sa.String(length=32), nullable=True),
        sa.Column(
            "path",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("computed_at", tenure.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "origin IN ('api', 'feed_derived', 'legacy_role', 'project_group')",
            name=op.f("ck_effective_access_origin_enum"),
        ),
        sa.CheckConstraint(
            "path_kind IN ('direct', 'group', 'role', 'inherited')",
            name=op.f("ck_effective_access_path_kind_enum"),
        ),
        sa.CheckConstraint(
            "scope_type IN ('organization', 'workspace')",
            name=op.f("ck_effective_access_scope_type_enum"),
        ),
        sa.CheckConstraint(
            "tier IN ('admin', 'elevated', 'none')", name=op.f("ck_effective_access_tier_enum")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_effective_access")),
    )
    op.create_index(
        op.f("ix_effective_access_source_tenant_sync_run_id_tier"),
        "effective_access",
        ["source", "tenant", "sync_run_id", "tier"],
        unique=False,
    )
    op.create_index(
        op.f("ix_effective_access_sync_run_id_account_id"),
        "effective_access",
        ["sync_run_id", "account_id"],
        unique=False,
    )
    op.create_table(
        "group_members",
        sa.Column("id", BIGINT_ID, autoincrement=True, nullable=False),
        sa.Column("source", sa.String(length=128), nullable=False),
        sa.Column("tenant", sa.String(length=128), nullable=False),
        sa.Column("external_id", sa.String(length=512), nullable=False),
        sa.Column("group_id", sa.String(length=256), nullable=False),
        sa.Column("account_id", sa.String(length=256), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("added_at", tenure.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("first_seen_at", tenure.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", tenure.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sync_run_id", sa.String(length=64), nullable=False),
        sa.Column("removed_at", tenure.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("removed_run_id", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_members")),
        sa.UniqueConstraint(
            "source",
            "tenant",
            "external_id",
            name=op.f("uq_group_members_source_tenant_external_id"),
        ),
    )
    op.create_index(
        op.f("ix_group_members_account_id"), "group_members", ["account_id"], unique=False
    )
    op.create_index(op.f("ix_group_members_group_id"), "group_members", ["group_id"], unique=False)
    op.create_table(
        "groups",
        sa.Column("id", BIGINT_ID, autoincrement=True, nullable=False),
        sa.Column("source", sa.String(length=128), nullable=False),
        sa.Column("tenant", sa.String(length=128), nullable=False),
        sa.Column("external_id", sa.String(length=512), nullable=False),
        sa.Column("name", sa.String(length=256), nullable=False),
        sa.Column("source_type", sa.String(length=32), nullable=False),
        sa.Column("group_type", sa.String(length=32), nullable=False),
        sa.Column(
            "role_ids",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("created_at", tenure.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "attributes",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("first_seen_at", tenure.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", tenure.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sync_run_id", sa.String(length=64), nullable=False),
        sa.Column("removed_at", tenure.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("removed_run_id", sa.String(length=64), nullable=True),
        sa.CheckConstraint(
            "source_type IN ('direct', 'scim')", name=op.f("ck_groups_source_type_enum")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_groups")),
        sa.UniqueConstraint(
            "source", "tenant", "external_id", name=op.f("uq_groups_source_tenant_external_id")
        ),
    )
    op.create_table(
        "role_assignments",
        sa.Column("id", BIGINT_ID, autoincrement=True, nullable=False),
        sa.Column("source", sa.String(length=128), nullable=False),
        sa.Column("tenant", sa.String(length=128), nullable=False),
        sa.Column("external_id", sa.String(length=512), nullable=False),
        sa.Column("principal_kind", sa.String(length=32), nullable=False),
        sa.Column("principal_id", sa.String(length=256), nullable=False),
        sa.Column("role_id", sa.String(length=256), nullable=False),
        sa.Column("scope_type", sa.String(length=32), nullable=False),
        sa.Column("scope_id", sa.String(length=256), nullable=False),
        sa.Column("origin", sa.String(length=32), nullable=False),
        sa.Column(
            "assignment_sources",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("assigned_at", tenure.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("first_seen_at", tenure.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", tenure.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sync_run_id", sa.String(length=64), nullable=False),
        sa.Column("removed_at", tenure.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("removed_run_id", sa.String(length=64), nullable=True),
        sa.CheckConstraint(
            "origin IN ('api', 'feed_derived', 'legacy_role', 'project_group')",
            name=op.f("ck_role_assignments_origin_enum"),
        ),
        sa.CheckConstraint(
            "principal_kind IN ('user', 'group', 'service_account')",
            name=op.f("ck_role_assignments_principal_kind_enum"),
        ),
        sa.CheckConstraint(
            "scope_type IN ('organization', 'workspace')",
            name=op.f("ck_role_assignments_scope_type_enum"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_role_assignments")),
        sa.UniqueConstraint(
            "source",
            "tenant",
            "external_id",
            name=op.f("uq_role_assignments_source_tenant_external_id"),
        ),
    )
    op.create_index(
        op.f("ix_role_assignments_principal_kind_principal_id"),
        "role_assignments",
        ["principal_kind", "principal_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_role_assignments_role_id"), "role_assignments", ["role_id"], unique=False
    )
    op.create_table(
        "roles",
        sa.Column("id", BIGINT_ID, autoincrement=True, nullable=False),
        sa.Column("source", sa.String(length=128), nullable=False),
        sa.Column("tenant", sa.String(length=128), nullable=False),
        sa.Column("external_id", sa.String(length=512), nullable=False),
        sa.Column("name", sa.String(length=256), nullable=False),
        sa.Column("display_name", sa.String(length=256), nullable=False),
        sa.Column("scope_type", sa.String(length=32), nullable=False),
        sa.Column("scope_id", sa.String(length=256), nullable=False),
        sa.Column("predefined", sa.Boolean(), nullable=False),
        sa.Column(
            "permissions",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("resource_type", sa.String(length=64), nullable=False),
        sa.Column("tier", sa.String(length=32), nullable=True),
        sa.Column("first_seen_at", tenure.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", tenure.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sync_run_id", sa.String(length=64), nullable=False),
        sa.Column("removed_at", tenure.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("removed_run_id", sa.String(length=64), nullable=True),
        sa.CheckConstraint(
            "scope_type IN ('organization', 'workspace')", name=op.f("ck_roles_scope_type_enum")
        ),
        sa.CheckConstraint(
            "tier IN ('admin', 'elevated', 'none')", name=op.f("ck_roles_tier_enum")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roles")),
        sa.UniqueConstraint(
            "source", "tenant", "external_id", name=op.f("uq_roles_source_tenant_external_id")
        ),
    )


def downgrade() -> None:
    op.drop_table("roles")
    op.drop_index(op.f("ix_role_assignments_role_id"), table_name="role_assignments")
    op.drop_index(
        op.f("ix_role_assignments_principal_kind_principal_id"), table_name="role_assignments"
    )
    op.drop_table("role_assignments")
    op.drop_table("groups")
    op.drop_index(op.f("ix_group_members_group_id"), table_name="group_members")
    op.drop_index(op.f("ix_group_members_account_id"), table_name="group_members")
    op.drop_table("group_members")
    op.drop_index(op.f("ix_effective_access_sync_run_id_account_id"), table_name="effective_access")
    op.drop_index(
        op.f("ix_effective_access_source_tenant_sync_run_id_tier"), table_name="effective_access"
    )
    op.drop_table("effective_access")
    op.drop_index(op.f("ix_analytics_users_user_id"), table_name="analytics_users")
    op.drop_table("analytics_users")
