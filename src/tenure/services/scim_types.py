"""Typed values shared by the SCIM use cases and the HTTP layer (no framework imports).

The SCIM resource models come from ``scim2-models``; this module fixes which ones Tenure serves
(core User with the enterprise extension, core Group), how tolerant it is of IdP deviations,
and the small typed query language a SCIM ``filter`` is translated into before it reaches SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Generic, Literal, TypeVar

from scim2_models import EnterpriseUser, Group, ScimPolicy, User

from tenure.connectors import scim as scim_source

ScimUser = User[EnterpriseUser]
"""The User resource Tenure serves: core schema plus the enterprise extension."""

ScimGroup = Group
"""The Group resource Tenure serves."""

# Okta and Entra both deviate from RFC 7644 in ways that cannot be confused with anything
# else: unknown vendor attributes (ignored), Entra's `remove` with a value selecting the member
# to remove, and Entra's `replace` on `emails[type eq "work"].value` for a user with no work
# email yet (creates the entry, as Entra expects).
POLICY = ScimPolicy(
    unknown=ScimPolicy.Unknown.ignore,
    remove_value_as_filter=ScimPolicy.RemoveValue.apply,
    unmatched_path_filter=ScimPolicy.UnmatchedPathFilter.create,
)
"""The tolerance every SCIM payload is read under."""

DEFAULT_SOURCE = scim_source.DEFAULT_SOURCE

MAX_PAGE = 1000
"""Largest page a list request returns (announced as ``filter.maxResults``)."""

CompareOp = Literal["eq", "ne", "co", "sw", "ew", "pr"]


@dataclass(frozen=True, slots=True)
class Compare:
    """``attribute op value`` on an allowlisted attribute (``pr`` has no value)."""

    attribute: str
    op: CompareOp
    value: str | bool | None = None


@dataclass(frozen=True, slots=True)
class AllOf:
    """Every term holds (``and``)."""

    terms: tuple[Criterion, ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    """At least one term holds (``or``)."""

    terms: tuple[Criterion, ...]


@dataclass(frozen=True, slots=True)
class Negation:
    """The term does not hold (``not (...)``)."""

    term: Criterion


Criterion = Compare | AllOf | AnyOf | Negation
"""A parsed, allowlisted SCIM filter."""


@dataclass(frozen=True, slots=True)
class PageRequest:
    """SCIM pagination: 1-based ``startIndex`` and ``count`` (already clamped)."""

    start_index: int = 1
    count: int = 100


@dataclass(frozen=True, slots=True)
class StoredMeta:
    """What ``meta`` says about a stored resource (location is added by the HTTP layer)."""

    resource_type: str
    created: datetime
    last_modified: datetime
    version: int


@dataclass(frozen=True, slots=True)
class StoredUser:
    """A User as stored, with its meta."""

    id: str
    resource: ScimUser
    meta: StoredMeta


@dataclass(frozen=True, slots=True)
class StoredGroup:
    """A Group as stored (members included), with its meta."""

    id: str
    resource: ScimGroup
    meta: StoredMeta


T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ListPage(Generic[T]):
    """One page of a list request and the total number of matches."""

    total: int
    start_index: int
    items: tuple[T, ...]


AttributeKind = Literal["exact", "ci", "bool"]

USER_FILTERABLE: dict[str, AttributeKind] = {
    "id": "exact", "externalId": "exact", "userName": "ci", "emails.value": "ci",
    "active": "bool",
}
"""User attributes a filter may name (indexed columns), and how they compare."""

GROUP_FILTERABLE: dict[str, AttributeKind] = {
    "id": "exact", "externalId": "exact", "displayName": "ci", "members.value": "exact",
}
"""Group attributes a filter may name, and how they compare."""
