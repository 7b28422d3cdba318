"""Migration 0010: scope types and key owner kinds are one spelling, enforced by the store."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tenure.model import ScopeType
from tenure.store import schema
from tenure.store.db import make_engine, migrate
from tests.integration.test_partitions import _alembic

NOW = "2026-11-01 00:00:00"


def _insert_legacy(conn: sa.Connection) -> None:
    stamp = NOW + ("+00" if conn.dialect.name == "postgresql" else "")
    conn.execute(sa.text(
        "INSERT INTO grants (source, tenant, external_id, account_id, entitlement_id, "
        "scope_type, scope_id, role, privileged, inherited, first_seen_at, last_seen_at, "
        "sync_run_id) VALUES ('c', 't', 'u@org:o:admin', 'u', 'org:o:admin', 'org', 'o', "
        "'admin', true, false, :at, :at, 'r')"), {"at": stamp})
    conn.execute(sa.text(
        "INSERT INTO credentials (source, tenant, external_id, kind, name, status, owner_type, "
        "creator_id, scope, first_seen_at, last_seen_at, sync_run_id) VALUES ('c', 't', 'k1', "
        "'api_key', 'k', 'active', 'robot', 'u', 'org', :at, :at, 'r')"), {"at": stamp})


def test_0010_normalises_legacy_spellings_and_enforces_the_enum(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        _alembic(engine, "downgrade", "0009")
        with engine.begin() as conn:
            _insert_legacy(conn)
        migrate(engine)
        with engine.connect() as conn:
            grant = conn.execute(sa.select(schema.grants.c.scope_type)).scalar_one()
            key = conn.execute(sa.select(schema.credentials.c.scope,
                                         schema.credentials.c.owner_type,
                                         schema.credentials.c.creator_id)).one()
        assert grant is ScopeType.ORGANIZATION
        assert key.scope is ScopeType.ORGANIZATION
        assert key.owner_type is None  # an unreadable owner falls back to the creator
        assert key.creator_id == "u"
        # a raw writer outside Python cannot store another spelling either
        with engine.connect() as conn, pytest.raises(sa.exc.IntegrityError):
            conn.execute(sa.text("UPDATE grants SET scope_type = 'org'"))
        with engine.connect() as conn, pytest.raises(sa.exc.IntegrityError):
            conn.execute(sa.text("UPDATE credentials SET owner_type = 'robot'"))
        # and the Python layer refuses before SQL is sent
        with engine.connect() as conn, pytest.raises(sa.exc.StatementError):
            conn.execute(schema.grants.update().values(scope_type="org"))
        _alembic(engine, "downgrade", "0009")
        with engine.begin() as conn:  # the constraint is gone again
            conn.execute(sa.text("UPDATE credentials SET owner_type = 'robot'"))
            conn.execute(sa.text("DELETE FROM credentials"))
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM grants"))
            conn.execute(sa.text("DELETE FROM credentials"))
        migrate(engine)
        engine.dispose()
