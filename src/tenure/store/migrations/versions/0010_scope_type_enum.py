"""Scope type and key owner kind are enums: one spelling, enforced by CHECK constraints

Earlier code compared grant scopes with ``"org"`` while connectors wrote ``"organization"``;
any row spelled ``org`` is normalised, and key owner types outside the owner-kind enum (an
owner shape an older connector copied verbatim) are cleared, so the constraints can hold.
The key keeps its ``creator_id``, which is what an unreadable owner falls back to.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

SCOPES = "'organization', 'workspace'"
OWNERS = "'user', 'service_account'"


def upgrade() -> None:
    for table in ("grants", "entitlements"):
        op.execute(sa.text(f"UPDATE {table} SET scope_type = 'organization' "  # noqa: S608
                           "WHERE scope_type = 'org'"))
    op.execute(sa.text("UPDATE credentials SET scope = 'organization' WHERE scope = 'org'"))
    op.execute(sa.text(f"UPDATE credentials SET owner_type = NULL "  # noqa: S608
                       f"WHERE owner_type IS NOT NULL AND owner_type NOT IN ({OWNERS})"))
    for table in ("grants", "entitlements"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_check_constraint(op.f(f"ck_{table}_scope_type_enum"),
                                            f"scope_type IN ({SCOPES})")
    with op.batch_alter_table("credentials", schema=None) as batch_op:
        batch_op.create_check_constraint(op.f("ck_credentials_scope_enum"),
                                        f"scope IN ({SCOPES})")
        batch_op.create_check_constraint(op.f("ck_credentials_owner_type_enum"),
                                        f"owner_type IN ({OWNERS})")


def downgrade() -> None:
    with op.batch_alter_table("credentials", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_credentials_owner_type_enum"), type_="check")
        batch_op.drop_constraint(op.f("ck_credentials_scope_enum"), type_="check")
    for table in ("grants", "entitlements"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f"ck_{table}_scope_type_enum"), type_="check")
