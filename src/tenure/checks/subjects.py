"""What custom policies can select: subjects and their attributes (one registration each).

The policy validator and the JSON Schema of policy files are generated from these
registrations, so adding an attribute here is all it takes to make it usable in YAML.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa

from tenure.checks.base import SubjectType
from tenure.checks.sql import AD, KEY_USAGE, A, C, G, P, U
from tenure.registry import Registry


class AttrKind(StrEnum):
    """Value kinds an attribute can have (decides which operators apply)."""

    TEXT = "text"
    NUMBER = "number"
    BOOL = "bool"
    TIME = "time"
    DATE = "date"


@dataclass(frozen=True, slots=True)
class Attribute:
    """A selectable attribute of a policy subject."""

    name: str
    kind: AttrKind
    column: sa.ColumnElement[Any]
    description: str
    needs: tuple[str, ...] = ()


ActivityCount = Callable[[date, str | None], sa.ColumnElement[Any]]
"""Builds the events-in-window expression for a subject: (first day, category or None)."""


@dataclass(frozen=True, slots=True)
class PolicySubject:
    """A kind of thing a custom policy judges, and how to select it."""

    name: SubjectType
    description: str
    base: Callable[[], sa.Select[Any]]
    attributes: dict[str, Attribute]
    needs: tuple[str, ...]
    activity: ActivityCount | None = None
    activity_needs: tuple[str, ...] = ()


subjects: Registry[PolicySubject] = Registry("policy subject")
"""Every subject a custom policy can be written for."""

_PERSON = P.alias("person")


def _attrs(*items: Attribute) -> dict[str, Attribute]:
    return {a.name: a for a in items}


def _account_base() -> sa.Select[Any]:
    return (sa.select(A.c.source, A.c.external_id.label("subject_id"),
                      A.c.email.label("subject_email"), A.c.person_email.label("person"))
            .select_from(A.outerjoin(_PERSON, sa.and_(_PERSON.c.email == A.c.person_email,
                                                      _PERSON.c.removed_at.is_(None))))
            .where(A.c.removed_at.is_(None)))


def _account_activity(since: date, category: str | None) -> sa.ColumnElement[Any]:
    # By account id and by email as two index lookups (an OR would scan the rollups).
    total: sa.ColumnElement[Any] | None = None
    for by, key in (("account", A.c.external_id), ("email", A.c.email)):
        cond = [AD.c.source == A.c.source, AD.c.tenant == A.c.tenant,
                AD.c.principal_type == by, AD.c.principal_id == key, AD.c.day >= since]
        if category:
            cond.append(AD.c.category == category)
        part = sa.func.coalesce(
            sa.select(sa.func.sum(AD.c.events)).where(*cond).scalar_subquery(), 0)
        total = part if total is None else total + part
    assert total is not None
    return total


_T, _N, _B, _DT, _D = AttrKind.TEXT, AttrKind.NUMBER, AttrKind.BOOL, AttrKind.TIME, AttrKind.DATE
_WHO = ("person",)

subjects.add("account", PolicySubject(
    name=SubjectType.ACCOUNT,
    description="A platform account (user seat or service account) still listed.",
    base=_account_base,
    attributes=_attrs(
        Attribute("id", _T, A.c.external_id, "Vendor id (user_…)."),
        Attribute("kind", _T, A.c.kind, "user or service_account."),
        Attribute("email", _T, A.c.email, "Account email (lower case)."),
        Attribute("name", _T, A.c.name, "Display name."),
        Attribute("role", _T, A.c.role, "Organization role."),
        Attribute("status", _T, A.c.status, "Vendor status."),
        Attribute("created_at", _DT, A.c.created_at, "When the vendor created it."),
        Attribute("person_email", _T, A.c.person_email, "Matched person (absent: unmatched)."),
        Attribute("person_status", _T, _PERSON.c.status, "active or terminated.", _WHO),
        Attribute("person_department", _T, _PERSON.c.department, "HR department.", _WHO),
        Attribute("person_title", _T, _PERSON.c.title, "HR job title.", _WHO),
        Attribute("person_manager", _T, _PERSON.c.manager_email, "Manager's email.", _WHO),
        Attribute("person_end_date", _D, _PERSON.c.end_date, "HR end date.", _WHO),
    ),
    needs=("account",),
    activity=_account_activity,
    activity_needs=("activity",),
))


def _key_base() -> sa.Select[Any]:
    return (sa.select(C.c.source, C.c.external_id.label("subject_id"),
                      sa.null().label("subject_email"), sa.null().label("person"))
            .where(C.c.removed_at.is_(None)))


def _key_activity(since: date, category: str | None) -> sa.ColumnElement[Any]:
    cond = [AD.c.source == C.c.source, AD.c.tenant == C.c.tenant, AD.c.day >= since,
            AD.c.principal_type == "credential", AD.c.principal_id == C.c.external_id]
    if category:
        cond.append(AD.c.category == category)
    events = sa.func.coalesce(sa.select(sa.func.sum(AD.c.events)).where(*cond)
                              .scalar_subquery(), 0)
    if category:
        return events
    requests = sa.func.coalesce(
        sa.select(sa.func.sum(U.c.requests))
        .where(U.c.source == C.c.source, U.c.tenant == C.c.tenant, U.c.day >= since,
               U.c.subject_type == KEY_USAGE, U.c.subject_id == C.c.external_id)
        .scalar_subquery(), 0)
    return events + requests


subjects.add("api_key", PolicySubject(
    name=SubjectType.API_KEY,
    description="An API or admin key still listed by the platform.",
    base=_key_base,
    attributes=_attrs(
        Attribute("id", _T, C.c.external_id, "Vendor id (apikey_…)."),
        Attribute("kind", _T, C.c.kind, "api_key or admin_key."),
        Attribute("name", _T, C.c.name, "Key name."),
        Attribute("status", _T, C.c.status, "active, inactive, archived…"),
        Attribute("owner_type", _T, C.c.owner_type, "user or service_account."),
        Attribute("owner_id", _T, C.c.owner_id, "Owning principal's id."),
        Attribute("creator_id", _T, C.c.creator_id, "Creating user's id."),
        Attribute("workspace_id", _T, C.c.workspace_id, "Workspace/project id."),
        Attribute("scope", _T, C.c.scope, "workspace, project or organization."),
        Attribute("created_at", _DT, C.c.created_at, "When the key was created."),
        Attribute("expires_at", _DT, C.c.expires_at, "Expiry (absent: never)."),
        Attribute("last_used_at", _DT, C.c.last_used_at, "Vendor's last use (OpenAI)."),
    ),
    needs=("credential",),
    activity=_key_activity,
    activity_needs=("usage",),
))


def _grant_base() -> sa.Select[Any]:
    return (sa.select(G.c.source, G.c.external_id.label("subject_id"),
                      A.c.email.label("subject_email"), A.c.person_email.label("person"))
            .select_from(G.outerjoin(A, sa.and_(A.c.source == G.c.source,
                                                A.c.tenant == G.c.tenant,
                                                A.c.external_id == G.c.account_id)))
            .where(G.c.removed_at.is_(None)))


subjects.add("grant", PolicySubject(
    name=SubjectType.GRANT,
    description="An account holding a role in the org or in a workspace/project.",
    base=_grant_base,
    attributes=_attrs(
        Attribute("account_id", _T, G.c.account_id, "The holder's account id."),
        Attribute("scope_type", _T, G.c.scope_type, "organization or workspace."),
        Attribute("scope_id", _T, G.c.scope_id, "Org or workspace id."),
        Attribute("role", _T, G.c.role, "Role held."),
        Attribute("privileged", _B, G.c.privileged, "Whether the role is privileged."),
        Attribute("inherited", _B, G.c.inherited, "Held through the org role."),
        Attribute("granted_at", _DT, G.c.granted_at, "When it was granted."),
        Attribute("account_kind", _T, A.c.kind, "user or service_account."),
        Attribute("account_role", _T, A.c.role, "The holder's org role."),
    ),
    needs=("grant", "account"),
))


def age_cutoff(kind: AttrKind, now: datetime, days: int) -> datetime | date:
    """The instant (or day) ``days`` before ``now`` for an age filter on ``kind``."""
    from datetime import timedelta

    moment = now - timedelta(days=days)
    return moment.date() if kind is AttrKind.DATE else moment
