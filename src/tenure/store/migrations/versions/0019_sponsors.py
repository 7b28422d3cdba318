"""sponsors and sponsor_history: who answers for each non-human identity, and every change

``sponsors`` holds the current sponsor of a service account, workload-identity rule, agent or
deployment with its basis (explicit, succession, convention, creator, inherited) and whether
it is provisional; ``sponsor_history`` is append-only; ``nhi_accountability`` is the resolved
sponsor of every NHI (explicit → convention → creator → none), rebuilt before each check run.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tenure.store.types

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

_KINDS = ("service_account", "workload_identity", "agent", "deployment", "vault_credential",
          "api_key")
_BASES = ("explicit", "succession", "convention", "creator", "inherited", "none")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    op.create_table(
        "sponsors",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  autoincrement=True, nullable=False),
        sa.Column("source", sa.String(length=128), nullable=False),
        sa.Column("subject_type", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.String(length=512), nullable=False),
        sa.Column("owner_email", sa.String(length=320), nullable=False),
        sa.Column("basis", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("provisional", sa.Boolean(), nullable=False),
        sa.Column("previous_owner", sa.String(length=320), nullable=True),
        sa.Column("set_by", sa.String(length=320), nullable=False),
        sa.Column("set_at", tenure.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(_in("subject_type", _KINDS),
                           name=op.f("ck_sponsors_subject_type_enum")),
        sa.CheckConstraint(_in("basis", _BASES), name=op.f("ck_sponsors_basis_enum")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sponsors")),
        sa.UniqueConstraint("source", "subject_type", "subject_id",
                            name=op.f("uq_sponsors_source_subject_type_subject_id")),
    )
    op.create_index(op.f("ix_sponsors_owner_email"), "sponsors", ["owner_email"], unique=False)
    op.create_table(
        "sponsor_history",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  autoincrement=True, nullable=False),
        sa.Column("source", sa.String(length=128), nullable=False),
        sa.Column("subject_type", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.String(length=512), nullable=False),
        sa.Column("event", sa.String(length=32), nullable=False),
        sa.Column("owner_email", sa.String(length=320), nullable=True),
        sa.Column("basis", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("provisional", sa.Boolean(), nullable=False),
        sa.Column("previous_owner", sa.String(length=320), nullable=True),
        sa.Column("actor", sa.String(length=320), nullable=False),
        sa.Column("at", tenure.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sponsor_history")),
    )
    op.create_index(op.f("ix_sponsor_history_source_subject_type_subject_id"),
                    "sponsor_history", ["source", "subject_type", "subject_id"], unique=False)


    op.create_table(
        "nhi_accountability",
        sa.Column("source", sa.String(length=128), nullable=False),
        sa.Column("subject_type", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.String(length=512), nullable=False),
        sa.Column("tenant", sa.String(length=128), nullable=False),
        sa.Column("name", sa.String(length=512), nullable=False),
        sa.Column("live", sa.Boolean(), nullable=False),
        sa.Column("sponsor_email", sa.String(length=320), nullable=True),
        sa.Column("basis", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("provisional", sa.Boolean(), nullable=False),
        sa.Column("previous_owner", sa.String(length=320), nullable=True),
        sa.Column("refreshed_at", tenure.store.types.UTCDateTime(timezone=True),
                  nullable=False),
        sa.PrimaryKeyConstraint("source", "subject_type", "subject_id",
                                name=op.f("pk_nhi_accountability")),
    )
    op.create_index(op.f("ix_nhi_accountability_sponsor_email"), "nhi_accountability",
                    ["sponsor_email"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_nhi_accountability_sponsor_email"), table_name="nhi_accountability")
    op.drop_table("nhi_accountability")
    op.drop_index(op.f("ix_sponsor_history_source_subject_type_subject_id"),
                  table_name="sponsor_history")
    op.drop_table("sponsor_history")
    op.drop_index(op.f("ix_sponsors_owner_email"), table_name="sponsors")
    op.drop_table("sponsors")
