"""Table aliases and SQL fragments shared by the built-in checks."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from tenure.store import schema

A = schema.accounts
P = schema.people
C = schema.credentials
W = schema.workspaces
G = schema.grants
AD = schema.activity_daily
U = schema.usage_daily
PU = schema.purposes
PC = schema.person_changes

ACTIVE = "active"
TERMINATED = "terminated"
KEY_USAGE = "api_key"
"""``usage_daily.subject_type`` of a key's usage (equality, so the primary key index is used)."""
ACCOUNT_USAGE = "account"
"""``usage_daily.subject_type`` of an account's usage."""


def used() -> sa.ColumnElement[bool]:
    """A usage row that shows use (Anthropic reports tokens only, OpenAI also requests)."""
    return sa.or_(U.c.requests > 0, U.c.input_tokens > 0, U.c.output_tokens > 0)


def usage_volume(metric: str) -> sa.ColumnElement[Any]:
    """A day's volume: ``tokens`` (input + output) or ``requests``."""
    if metric == "requests":
        return U.c.requests
    if metric == "tokens":
        return U.c.input_tokens + U.c.output_tokens
    raise ValueError(f"metric must be tokens or requests, not {metric!r}")


def active_key(now: datetime) -> sa.ColumnElement[bool]:
    """A key that still works: listed, status active, not past its expiry."""
    return sa.and_(C.c.status == ACTIVE, C.c.removed_at.is_(None),
                   sa.or_(C.c.expires_at.is_(None), C.c.expires_at > now))


def live_human_seat() -> sa.ColumnElement[bool]:
    """A person's seat that is live access: a user account (never a service account, nor a
    user the vendor flags as one), still listed, not disabled or banned by the vendor."""
    return sa.and_(A.c.kind == "user", A.c.removed_at.is_(None), A.c.status == ACTIVE)


def key_principal() -> sa.ColumnElement[Any]:
    """The account accountable for a key: its owning user, or for a service account's key
    the user who created it."""
    return sa.case(
        (C.c.owner_type == "service_account", sa.func.coalesce(C.c.creator_id, C.c.owner_id)),
        else_=sa.func.coalesce(C.c.owner_id, C.c.creator_id),
    )


def key_created() -> sa.ColumnElement[Any]:
    """When a key was created; Tenure's first sighting when the vendor gives no date."""
    return sa.func.coalesce(C.c.created_at, C.c.first_seen_at)


def account_created() -> sa.ColumnElement[Any]:
    """When an account was created; Tenure's first sighting when the vendor gives no date."""
    return sa.func.coalesce(A.c.created_at, A.c.first_seen_at)


def same_source(table: sa.Table, other: sa.Table) -> sa.ColumnElement[bool]:
    """Rows of two tables from the same source and tenant."""
    return sa.and_(table.c.source == other.c.source, table.c.tenant == other.c.tenant)


def terminated_before(cutoff: date) -> sa.ColumnElement[bool]:
    """A present person who is terminated and whose end date (if any) is before ``cutoff``."""
    return sa.and_(P.c.removed_at.is_(None), P.c.status == TERMINATED,
                   sa.or_(P.c.end_date.is_(None), P.c.end_date < cutoff))


def key_last_usage_day() -> sa.ScalarSelect[Any]:
    """The last day a key had usage (requests) in the usage report."""
    return (sa.select(sa.func.max(U.c.day))
            .where(U.c.source == C.c.source, U.c.tenant == C.c.tenant,
                   U.c.subject_type == KEY_USAGE, U.c.subject_id == C.c.external_id,
                   used())
            .scalar_subquery())


def key_last_activity() -> sa.ScalarSelect[Any]:
    """The last event made with a key, from the activity rollups."""
    return (sa.select(sa.func.max(AD.c.last_at))
            .where(AD.c.source == C.c.source, AD.c.tenant == C.c.tenant,
                   AD.c.principal_type == "credential", AD.c.principal_id == C.c.external_id)
            .scalar_subquery())


def valid_purpose(now: datetime, *refs: sa.ColumnElement[Any]) -> sa.Exists:
    """A recorded, not withdrawn, unexpired purpose naming one of ``refs``."""
    return sa.exists().where(PU.c.subject_ref.in_(refs), PU.c.withdrawn_at.is_(None),
                             sa.or_(PU.c.expires_at.is_(None), PU.c.expires_at > now))
