"""Queries over the SCIM tables: filters compiled from an allowlist, group-membership helpers.

Every statement is built with SQLAlchemy Core (parameterised); a filter attribute maps to a
column only through the tables below, so nothing a client sends becomes an identifier.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from tenure.services.scim_types import AllOf, AnyOf, Compare, Criterion
from tenure.store import schema

U, G, M = schema.scim_users, schema.scim_groups, schema.scim_group_members
_Leaf = Callable[[Compare], sa.ColumnElement[bool]]

_USER_COLUMNS: dict[str, sa.Column[Any]] = {
    "id": U.c.id, "externalId": U.c.external_id, "userName": U.c.user_name_key,
    "emails.value": U.c.email, "active": U.c.active,
}
_GROUP_COLUMNS: dict[str, sa.Column[Any]] = {
    "id": G.c.id, "externalId": G.c.external_id, "displayName": G.c.display_name_key,
}
# Columns holding a lower-cased copy: the compared value is lower-cased too (caseExact=false).
_FOLDED = {"userName", "emails.value", "displayName"}


def _compare(column: sa.ColumnElement[Any], node: Compare,
             folded: bool) -> sa.ColumnElement[bool]:
    if node.op == "pr":
        return column.is_not(None)
    value = node.value
    if isinstance(value, str) and folded:
        value = value.lower()
    if node.op == "eq":
        return column.is_(None) if value is None else column == value
    if node.op == "ne":
        return column.is_not(None) if value is None else sa.or_(column != value,
                                                                 column.is_(None))
    text = sa.cast(column, sa.String())
    pattern = str(value)
    if node.op == "co":
        return text.contains(pattern, autoescape=True)
    if node.op == "sw":
        return text.startswith(pattern, autoescape=True)
    return text.endswith(pattern, autoescape=True)


def _member_compare(node: Compare) -> sa.ColumnElement[bool]:
    inner = _compare(M.c.user_id, node, folded=False)
    return sa.exists().where(M.c.group_id == G.c.id, inner)


def compile_user_filter(criterion: Criterion) -> sa.ColumnElement[bool]:
    """SQL for a parsed filter over ``scim_users`` (attributes from the allowlist only)."""
    return _compile(criterion, lambda node: _compare(_USER_COLUMNS[node.attribute], node,
                                                     node.attribute in _FOLDED))


def compile_group_filter(criterion: Criterion) -> sa.ColumnElement[bool]:
    """SQL for a parsed filter over ``scim_groups``."""
    def leaf(node: Compare) -> sa.ColumnElement[bool]:
        if node.attribute == "members.value":
            return _member_compare(node)
        return _compare(_GROUP_COLUMNS[node.attribute], node, node.attribute in _FOLDED)
    return _compile(criterion, leaf)


def _compile(criterion: Criterion, leaf: _Leaf) -> sa.ColumnElement[bool]:
    if isinstance(criterion, Compare):
        return leaf(criterion)
    if isinstance(criterion, AllOf):
        return sa.and_(*(_compile(t, leaf) for t in criterion.terms))
    if isinstance(criterion, AnyOf):
        return sa.or_(*(_compile(t, leaf) for t in criterion.terms))
    return sa.not_(_compile(criterion.term, leaf))


@dataclass(frozen=True, slots=True)
class GroupMemberRow:
    """A member of a pushed group, with the person it governs."""

    user_id: str
    user_name: str
    email: str | None
    active: bool


@dataclass(frozen=True, slots=True)
class GroupRef:
    """A pushed group a person belongs to."""

    source: str
    id: str
    display_name: str


def _group_match(group: str, source: str | None) -> sa.ColumnElement[bool]:
    match = sa.or_(G.c.id == group, G.c.display_name_key == group.strip().lower())
    return sa.and_(match, G.c.source == source) if source else match


def group_members(
    conn: sa.Connection, group: str, *, source: str | None = None
) -> list[GroupMemberRow]:
    """Members of the group whose id or display name (case-insensitive) is ``group``.

    This is what a review scope or a reviewer rule naming an IdP group resolves through.
    """
    rows = conn.execute(
        sa.select(U.c.id, U.c.user_name, U.c.email, U.c.active).distinct()
        .join(M, M.c.user_id == U.c.id).join(G, G.c.id == M.c.group_id)
        .where(_group_match(group, source)).order_by(U.c.email, U.c.id)
    ).all()
    return [GroupMemberRow(r.id, r.user_name, r.email, bool(r.active)) for r in rows]


def group_member_emails(conn: sa.Connection, group: str, *, source: str | None = None,
                        active_only: bool = True) -> list[str]:
    """Emails (people keys) of a group's members, active ones only by default."""
    return sorted({m.email for m in group_members(conn, group, source=source)
                   if m.email and (m.active or not active_only)})


def groups_of_person(conn: sa.Connection, email: str) -> list[GroupRef]:
    """The pushed groups whose members include the person with ``email``."""
    rows = conn.execute(
        sa.select(G.c.source, G.c.id, G.c.display_name).distinct()
        .join(M, M.c.group_id == G.c.id).join(U, U.c.id == M.c.user_id)
        .where(U.c.email == email.strip().lower()).order_by(G.c.display_name, G.c.id)
    ).all()
    return [GroupRef(r.source, r.id, r.display_name) for r in rows]
