"""Alembic environment: always run on the connection Tenure passes in."""

from __future__ import annotations

from alembic import context

from tenure.store.partitions import include_name
from tenure.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through tenure.store.db.migrate()")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    include_name=include_name,  # month partitions of activities are not in the metadata
)
with context.begin_transaction():
    context.run_migrations()
