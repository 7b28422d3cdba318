"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """Timezone-aware UTC on the way in and out, whatever the database keeps.

    SQLite has no time zones: values are stored as naive UTC text and made aware on read, so
    string comparison in SQL stays chronological.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} given where UTC is required")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)  # type: ignore[no-any-return]
        return value.astimezone(UTC)  # type: ignore[no-any-return]


JSONType = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
"""JSON on SQLite, JSONB on PostgreSQL."""

BigIntId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
"""A 64-bit surrogate key; SQLite needs INTEGER for its rowid alias."""


E = TypeVar("E", bound=StrEnum)


class EnumText(sa.types.TypeDecorator[E]):
    """A domain enum stored as its text value; read back as the enum member.

    Binding validates (``ScopeType("org")`` raises), so no layer can write a spelling the
    others would not match; the tables add a CHECK constraint for writers outside Python.
    """

    impl = sa.String(32)
    cache_ok = True

    def __init__(self, enum: type[E], length: int = 32) -> None:
        super().__init__(length)
        self.enum = enum

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return str(self.enum(value).value)

    def process_result_value(self, value: Any, dialect: Dialect) -> E | None:
        return None if value is None else self.enum(value)


def enum_check(column: str, enum: type[StrEnum]) -> sa.CheckConstraint:
    """``column IN (<every value of enum>)``, named after the column."""
    values = ", ".join(f"'{m.value}'" for m in enum)
    return sa.CheckConstraint(f"{column} IN ({values})", name=f"{column}_enum")
