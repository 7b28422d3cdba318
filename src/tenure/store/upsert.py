"""Dialect-aware INSERT … ON CONFLICT helpers (SQLite and PostgreSQL share the syntax)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite


def insert_for(conn: sa.Connection, table: sa.Table) -> Any:
    """An INSERT construct that supports ``on_conflict_*`` on the connection's dialect."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def greatest(conn: sa.Connection, *args: Any) -> Any:
    """SQL for the larger of two values (``max(a, b)`` on SQLite, ``GREATEST`` on PostgreSQL)."""
    if conn.dialect.name == "postgresql":
        return sa.func.greatest(*args)
    return sa.func.max(*args)
