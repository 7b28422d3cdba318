"""The Alembic migrations produce exactly the tables the code declares, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from tenure.store import partitions, schema
from tenure.store.db import current_revision, head_revision, make_engine, migrate


def test_migrations_match_metadata(database_url: str) -> None:
    engine = make_engine(database_url)
    migrate(engine)  # idempotent on an up-to-date database
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={
            "compare_type": False, "include_name": partitions.include_name}),
                                schema.metadata)
    engine.dispose()
    assert diff == []
