"""federation_issuers, federation_rules: Anthropic workload identity federation

Snapshot tables (keyed by source, tenant, external_id; retired after a complete run) for the
issuers an organization trusts and the rules that turn an external OIDC token into one of its
service accounts (vendor-apis-nhi.md §3). Service accounts themselves live in ``accounts``
(``kind = service_account``) and their workspace memberships in ``grants``.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import tenure.store.types

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _UTC() -> tenure.store.types.UTCDateTime:
    return tenure.store.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table('federation_issuers',
    sa.Column('id', _ID, autoincrement=True, nullable=False),
    sa.Column('source', sa.String(length=128), nullable=False),
    sa.Column('tenant', sa.String(length=128), nullable=False),
    sa.Column('external_id', sa.String(length=512), nullable=False),
    sa.Column('name', sa.String(length=256), nullable=False),
    sa.Column('issuer_url', sa.String(length=1024), nullable=False),
    sa.Column('check_jti', sa.Boolean(), nullable=False),
    sa.Column('jwks_type', sa.String(length=32), nullable=False),
    sa.Column('jwks_polling_disabled_at', _UTC(), nullable=True),
    sa.Column('max_jwt_lifetime_seconds', sa.Integer(), nullable=True),
    sa.Column('consecutive_failures', sa.Integer(), nullable=False),
    sa.Column('last_fetched_at', _UTC(), nullable=True),
    sa.Column('next_poll_at', _UTC(), nullable=True),
    sa.Column('created_at', _UTC(), nullable=True),
    sa.Column('updated_at', _UTC(), nullable=True),
    sa.Column('archived_at', _UTC(), nullable=True),
    sa.Column('created_by_actor_id', sa.String(length=256), nullable=True),
    sa.Column('attributes', _JSON, nullable=False),
    sa.Column('first_seen_at', _UTC(), nullable=False),
    sa.Column('last_seen_at', _UTC(), nullable=False),
    sa.Column('sync_run_id', sa.String(length=64), nullable=False),
    sa.Column('removed_at', _UTC(), nullable=True),
    sa.Column('removed_run_id', sa.String(length=64), nullable=True),
    sa.CheckConstraint("jwks_type IN ('discovery', 'explicit_url', 'inline', 'unknown')",
                       name=op.f('ck_federation_issuers_jwks_type_enum')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_federation_issuers')),
    sa.UniqueConstraint('source', 'tenant', 'external_id',
                        name=op.f('uq_federation_issuers_source_tenant_external_id'))
    )
    op.create_table('federation_rules',
    sa.Column('id', _ID, autoincrement=True, nullable=False),
    sa.Column('source', sa.String(length=128), nullable=False),
    sa.Column('tenant', sa.String(length=128), nullable=False),
    sa.Column('external_id', sa.String(length=512), nullable=False),
    sa.Column('name', sa.String(length=256), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('issuer_id', sa.String(length=256), nullable=False),
    sa.Column('subject_prefix', sa.Text(), nullable=True),
    sa.Column('audience', sa.Text(), nullable=True),
    sa.Column('claims', _JSON, nullable=False),
    sa.Column('condition', sa.Text(), nullable=True),
    sa.Column('match', _JSON, nullable=False),
    sa.Column('target_service_account_id', sa.String(length=256), nullable=True),
    sa.Column('oauth_scope', sa.String(length=512), nullable=False),
    sa.Column('token_lifetime_seconds', sa.Integer(), nullable=True),
    sa.Column('applies_to_all_workspaces', sa.Boolean(), nullable=False),
    sa.Column('workspace_ids', _JSON, nullable=False),
    sa.Column('created_at', _UTC(), nullable=True),
    sa.Column('updated_at', _UTC(), nullable=True),
    sa.Column('archived_at', _UTC(), nullable=True),
    sa.Column('created_by_actor_id', sa.String(length=256), nullable=True),
    sa.Column('attributes', _JSON, nullable=False),
    sa.Column('first_seen_at', _UTC(), nullable=False),
    sa.Column('last_seen_at', _UTC(), nullable=False),
    sa.Column('sync_run_id', sa.String(length=64), nullable=False),
    sa.Column('removed_at', _UTC(), nullable=True),
    sa.Column('removed_run_id', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_federation_rules')),
    sa.UniqueConstraint('source', 'tenant', 'external_id',
                        name=op.f('uq_federation_rules_source_tenant_external_id'))
    )
    op.create_index(op.f('ix_federation_rules_issuer_id'),
                    'federation_rules', ['issuer_id'], unique=False)
    op.create_index(op.f('ix_federation_rules_target_service_account_id'),
                    'federation_rules', ['target_service_account_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_federation_rules_target_service_account_id'),
                  table_name='federation_rules')
    op.drop_index(op.f('ix_federation_rules_issuer_id'), table_name='federation_rules')
    op.drop_table('federation_rules')
    op.drop_table('federation_issuers')
