"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import tenure.store.types

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("source", sa.String(length=128), nullable=False),
        sa.Column("tenant", sa.String(length=128), nullable=False),
        sa.Column("external_id", sa.String(length=512), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("name", sa.String(length=256), nullable=False),
        sa.Column("role", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("created_at", tenure.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "attributes",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("person_email", sa.String(length=320), nullable=True),
        sa.Column("match_method", sa.String(length=16), nullable=True),
        sa.Column("first_seen_at", tenure.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", tenure.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sync_run_id", sa.String(length=64), nullable=False),
        sa.Column("removed_at", tenure.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("removed_run_id", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
        sa.UniqueConstraint(
            "source", "tenant", "external_id", name=op.f("uq_accounts_source_tenant_external_id")
        ),
    )
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_accounts_email"), ["email"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_accounts_person_email"), ["person_email"], unique=False
        )

    op.create_table(
        "activities",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("source", sa.String(length=128), nullable=False),
        sa.Column("tenant", sa.String(length=128), nullable=False),
        sa.Column("external_id", sa.String(length=256), nullable=False),
        sa.Column("occurred_at", tenure.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_kind", sa.String(length=32), nullable=False),
        sa.Column("actor_id", sa.String(length=256), nullable=True),
        sa.Column("actor_email", sa.String(length=320), nullable=True),
        sa.Column("action", sa.String(length=128), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("target_type", sa.String(length=64), nullable=True),
        sa.Column("target_id", sa.String(length=256), nullable=True),
        sa.Column("workspace_id", sa.String(length=256), nullable=True),
        sa.Column("credential_id", sa.String(length=256), nullable=True),
        sa.Column("sync_run_id", sa.String(length=64), nullable=False),
        sa.Column(
            "raw_page_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activities")),
        sa.UniqueConstraint(
            "source",
            "tenant",
            "external_id",
            "occurred_at",
            name=op.f("uq_activities_source_tenant_external_id_occurred_at"),
        ),
    )
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_activities_actor_id_occurred_at"),
            ["actor_id", "occurred_at"],
            unique=False,
        )

    op.create_table(
        "activity_daily",
        sa.Column("source", sa.String(length=128), nullable=False),
        sa.Column("tenant", sa.String(length=128), nullable=False),
        sa.Column("principal_type", sa.String(length=32), nullable=False),
        sa.Column("principal_id", sa.String(length=256), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("events", sa.BigInteger(), nullable=False),
        sa.Column("last_at", tenure.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "source",
            "tenant",
            "principal_type",
            "principal_id",
            "day",
            "category",
            name=op.f("pk_activity_daily"),
        ),
    )
    op.create_table(
        "credentials",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("source", sa.String(length=128), nullable=False),
        sa.Column("tenant", sa.String(length=128), nullable=False),
        sa.Column("external_id", sa.String(length=512), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=256), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("owner_type", sa.String(length=32), nullable=True),
        sa.Column("owner_id", sa.String(length=256), nullable=True),
        sa.Column("creator_id", sa.String(length=256), nullable=True),
        sa.Column("workspace_id", sa.String(length=256), nullable=True),
        sa.Column("scope", sa.String(length=32), nullable=False),
        sa.Column("partial_hint", sa.String(length=128), nullable=True),
        sa.Column("created_at", tenure.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("expires_at", tenure.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", tenure.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("first_seen_at", tenure.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", tenure.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sync_run_id", sa.String(length=64), nullable=False),
        sa.Column("removed_at", tenure.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("removed_run_id", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credentials")),
        sa.UniqueConstraint(
            "source", "tenant", "external_id", name=op.f("uq_credentials_source_tenant_external_id")
        ),
    )
    with op.batch_alter_table("credentials", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_credentials_creator_id"), ["creator_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_credentials_owner_id"), ["owner_id"], unique=False)

    op.create_table(
        "entitlements",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("source", sa.String(length=128), nullable=False),
        sa.Column("tenant", sa.String(length=128), nullable=False),
        sa.Column("external_id", sa.String(length=512), nullable=False),
        sa.Column("scope_type", sa.String(length=32), nullable=False),
        sa.Column("scope_id", sa.String(length=256), nullable=False),
        sa.Column("role", sa.String(length=64), nullable=False),
        sa.Column("privileged", sa.Boolean(), nullable=False),
        sa.Column("first_seen_at", tenure.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_entitlements")),
        sa.UniqueConstraint(
            "source",
            "tenant",
            "external_id",
            name=op.f("uq_entitlements_source_tenant_external_id"),
        ),
    )
    op.create_table(
        "grants",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("source", sa.String(length=128), nullable=False),
        sa.Column("tenant", sa.String(length=128), nullable=False),
        sa.Column("external_id", sa.String(length=512), nullable=False),
        sa.Column("account_id", sa.String(length=256), nullable=False),
        sa.Column("entitlement_id", sa.String(length=512), nullable=False),
        sa.Column("scope_type", sa.String(length=32), nullable=False),
        sa.Column("scope_id", sa.String(length=256), nullable=False),
        sa.Column("role", sa.String(length=64), nullable=False),
        sa.Column("privileged", sa.Boolean(), nullable=False),
        sa.Column("inherited", sa.Boolean(), nullable=False),
        sa.Column("granted_at", tenure.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("first_seen_at", tenure.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", tenure.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sync_run_id", sa.String(length=64), nullable=False),
        sa.Column("removed_at", tenure.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("removed_run_id", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grants")),
        sa.UniqueConstraint(
            "source", "tenant", "external_id", name=op.f("uq_grants_source_tenant_external_id")
        ),
    )
    with op.batch_alter_table("grants", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_grants_account_id"), ["account_id"], unique=False)

    op.create_table(
        "identity_links",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("match_kind", sa.String(length=16), nullable=False),
        sa.Column("match_value", sa.String(length=512), nullable=False),
        sa.Column("person_email", sa.String(length=320), nullable=False),
        sa.Column("created_by", sa.String(length=320), nullable=False),
        sa.Column("created_at", tenure.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_links")),
        sa.UniqueConstraint(
            "match_kind", "match_value", name=op.f("uq_identity_links_match_kind_match_value")
        ),
    )
    op.create_table(
        "invites",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("source", sa.String(length=128), nullable=False),
        sa.Column("tenant", sa.String(length=128), nullable=False),
        sa.Column("external_id", sa.String(length=512), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("role", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("invited_at", tenure.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("expires_at", tenure.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("first_seen_at", tenure.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", tenure.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sync_run_id", sa.String(length=64), nullable=False),
        sa.Column("removed_at", tenure.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("removed_run_id", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invites")),
        sa.UniqueConstraint(
            "source", "tenant", "external_id", name=op.f("uq_invites_source_tenant_external_id")
        ),
    )
    op.create_table(
        "ledger_checkpoints",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("tree_size", sa.BigInteger(), nullable=False),
        sa.Column("head_hash", sa.String(length=64), nullable=False),
        sa.Column("merkle_root", sa.String(length=64), nullable=False),
        sa.Column("ts", tenure.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("public_key", sa.Text(), nullable=False),
        sa.Column("signature", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_checkpoints")),
        sa.UniqueConstraint(
            "tree_size", "key_id", name=op.f("uq_ledger_checkpoints_tree_size_key_id")
        ),
    )
    op.create_table(
        "ledger_entries",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column("ts", tenure.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=320), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=512), nullable=True),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("payload_hash", sa.String(length=64), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("entry_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_ledger_entries")),
    )
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ledger_entries_kind"), ["kind"], unique=False)

    op.create_table(
        "people",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("source", sa.String(length=128), nullable=False),
        sa.Column("tenant", sa.String(length=128), nullable=False),
        sa.Column("external_id", sa.String(length=512), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("name", sa.String(length=256), nullable=False),
        sa.Column("employee_id", sa.String(length=128), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("department", sa.String(length=256), nullable=False),
        sa.Column("title", sa.String(length=256), nullable=False),
        sa.Column("manager_email", sa.String(length=320), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("first_seen_at", tenure.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", tenure.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sync_run_id", sa.String(length=64), nullable=False),
        sa.Column("removed_at", tenure.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("removed_run_id", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people")),
        sa.UniqueConstraint(
            "source", "tenant", "external_id", name=op.f("uq_people_source_tenant_external_id")
        ),
    )
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_people_email"), ["email"], unique=False)

    op.create_table(
        "person_changes",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("source", sa.String(length=128), nullable=False),
        sa.Column("person_email", sa.String(length=320), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("field", sa.String(length=64), nullable=True),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.Column("observed_at", tenure.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sync_run_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_changes")),
    )
    with op.batch_alter_table("person_changes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_person_changes_kind_observed_at"), ["kind", "observed_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_person_changes_person_email_observed_at"),
            ["person_email", "observed_at"],
            unique=False,
        )

    op.create_table(
        "purposes",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("subject_type", sa.String(length=32), nullable=False),
        sa.Column("subject_ref", sa.String(length=512), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("owner_email", sa.String(length=320), nullable=False),
        sa.Column("approved_by", sa.String(length=320), nullable=True),
        sa.Column("approved_at", tenure.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("expires_at", tenure.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("project_id", sa.String(length=256), nullable=True),
        sa.Column("created_at", tenure.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=320), nullable=False),
        sa.Column("withdrawn_at", tenure.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purposes")),
    )
    with op.batch_alter_table("purposes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_purposes_subject_ref"), ["subject_ref"], unique=False)

    op.create_table(
        "raw_pages",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("sync_run_id", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=128), nullable=False),
        sa.Column("stream", sa.String(length=128), nullable=False),
        sa.Column("locator", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("fetched_at", tenure.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_raw_pages")),
    )
    with op.batch_alter_table("raw_pages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_raw_pages_sync_run_id"), ["sync_run_id"], unique=False)

    op.create_table(
        "sync_cursors",
        sa.Column("source", sa.String(length=128), nullable=False),
        sa.Column("stream", sa.String(length=128), nullable=False),
        sa.Column(
            "cursor",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("sync_run_id", sa.String(length=64), nullable=False),
        sa.Column("updated_at", tenure.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("source", "stream", name=op.f("pk_sync_cursors")),
    )
    op.create_table(
        "sync_runs",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=128), nullable=False),
        sa.Column("source_type", sa.String(length=64), nullable=False),
        sa.Column("tenant", sa.String(length=128), nullable=False),
        sa.Column("started_at", tenure.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", tenure.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column(
            "complete_types",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "stats",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_runs")),
    )
    with op.batch_alter_table("sync_runs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sync_runs_source_started_at"), ["source", "started_at"], unique=False
        )

    op.create_table(
        "usage_daily",
        sa.Column("source", sa.String(length=128), nullable=False),
        sa.Column("tenant", sa.String(length=128), nullable=False),
        sa.Column("subject_type", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.String(length=256), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("requests", sa.BigInteger(), nullable=False),
        sa.Column("input_tokens", sa.BigInteger(), nullable=False),
        sa.Column("output_tokens", sa.BigInteger(), nullable=False),
        sa.Column("sync_run_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint(
            "source", "tenant", "subject_type", "subject_id", "day", name=op.f("pk_usage_daily")
        ),
    )
    op.create_table(
        "workspaces",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("source", sa.String(length=128), nullable=False),
        sa.Column("tenant", sa.String(length=128), nullable=False),
        sa.Column("external_id", sa.String(length=512), nullable=False),
        sa.Column("name", sa.String(length=256), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", tenure.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("archived_at", tenure.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("first_seen_at", tenure.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", tenure.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sync_run_id", sa.String(length=64), nullable=False),
        sa.Column("removed_at", tenure.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("removed_run_id", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workspaces")),
        sa.UniqueConstraint(
            "source", "tenant", "external_id", name=op.f("uq_workspaces_source_tenant_external_id")
        ),
    )
    op.create_table(
        "gaps",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("sync_run_id", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=128), nullable=False),
        sa.Column("tenant", sa.String(length=128), nullable=False),
        sa.Column("record_type", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=256), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("created_at", tenure.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["sync_run_id"], ["sync_runs.id"], name=op.f("fk_gaps_sync_run_id_sync_runs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gaps")),
    )
    with op.batch_alter_table("gaps", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_gaps_source_record_type"), ["source", "record_type"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("gaps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_gaps_source_record_type"))

    op.drop_table("gaps")
    op.drop_table("workspaces")
    op.drop_table("usage_daily")
    with op.batch_alter_table("sync_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sync_runs_source_started_at"))

    op.drop_table("sync_runs")
    op.drop_table("sync_cursors")
    with op.batch_alter_table("raw_pages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_raw_pages_sync_run_id"))

    op.drop_table("raw_pages")
    with op.batch_alter_table("purposes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_purposes_subject_ref"))

    op.drop_table("purposes")
    with op.batch_alter_table("person_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_changes_person_email_observed_at"))
        batch_op.drop_index(batch_op.f("ix_person_changes_kind_observed_at"))

    op.drop_table("person_changes")
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_people_email"))

    op.drop_table("people")
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_entries_kind"))

    op.drop_table("ledger_entries")
    op.drop_table("ledger_checkpoints")
    op.drop_table("invites")
    op.drop_table("identity_links")
    with op.batch_alter_table("grants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_grants_account_id"))

    op.drop_table("grants")
    op.drop_table("entitlements")
    with op.batch_alter_table("credentials", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credentials_owner_id"))
        batch_op.drop_index(batch_op.f("ix_credentials_creator_id"))

    op.drop_table("credentials")
    op.drop_table("activity_daily")
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_activities_actor_id_occurred_at"))

    op.drop_table("activities")
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_accounts_person_email"))
        batch_op.drop_index(batch_op.f("ix_accounts_email"))

    op.drop_table("accounts")
