"""The usage context snapshotted with every review item: what the reviewer is shown.

Everything here is typed and JSON-ready (``as_dict``); the snapshot's SHA-256 is what a
decision records as "what the reviewer saw".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from tenure.model import plain


@dataclass(frozen=True, slots=True)
class PersonContext:
    """The person behind a seat or a key's owner, from the identity source."""

    email: str
    name: str
    status: str
    department: str
    title: str
    manager_email: str
    end_date: date | None


@dataclass(frozen=True, slots=True)
class UsageContext:
    """What the subject did with its access (from rollups and vendor usage reports)."""

    known: bool
    """False when the source could not read activity (a Gap): no dormancy verdicts then."""
    last_activity_at: datetime | None = None
    events_30d: dict[str, int] = field(default_factory=dict)
    events_90d: dict[str, int] = field(default_factory=dict)
    admin_actions_90d: int = 0
    requests_30d: int = 0
    requests_90d: int = 0
    tokens_30d: int = 0
    tokens_90d: int = 0
    weekly_requests: list[int] = field(default_factory=list)
    """Requests per week over the last 12 weeks, oldest first (keys)."""
    weekly_tokens: list[int] = field(default_factory=list)
    """Input + output tokens per week over the last 12 weeks, oldest first (keys)."""


@dataclass(frozen=True, slots=True)
class OwnerContext:
    """Who holds a key: the owner's account, org role, workspace roles and groups."""

    account_id: str | None
    email: str | None
    org_role: str | None
    workspace_roles: list[str]
    groups: list[str]
    present: bool
    person: PersonContext | None


@dataclass(frozen=True, slots=True)
class FindingRef:
    """An open finding on the subject."""

    id: str
    check: str
    severity: str
    muted: bool = False
    """An accepted risk (muted with a reason until a date): shown, but it does not escalate."""
    summary: str = ""
    """The finding's evidence in plain words, as the reviewer reads it."""


@dataclass(frozen=True, slots=True)
class PurposeContext:
    """The recorded justification of the access, if any."""

    reason: str
    owner_email: str
    expires_at: datetime | None
    project_id: str | None
    expired: bool


@dataclass(frozen=True, slots=True)
class SponsorContext:
    """Who answers for a non-human identity (or a service account's key), and why."""

    email: str | None
    basis: str
    reason: str
    provisional: bool
    person: PersonContext | None


@dataclass(frozen=True, slots=True)
class GroupContext:
    """The group a membership or role assignment item is about, and who owns it."""

    id: str
    name: str
    scim_managed: bool
    idp: str | None
    """The Tenure SCIM source that pushes a group of this name, when one does."""
    owner_email: str | None
    owner_basis: str
    """Why this is the owner: recorded in Tenure, the IdP's owner, or none recorded."""


@dataclass(frozen=True, slots=True)
class ItemSnapshot:
    """Everything a reviewer is asked about for one item, frozen at campaign creation."""

    kind: str
    source: str
    tenant: str
    subject_id: str
    label: str
    email: str | None
    role: str
    status: str
    created_at: datetime | None
    privileged: bool
    grants: list[str]
    workspace: str | None
    workspace_status: str | None
    person: PersonContext | None
    owner: OwnerContext | None
    usage: UsageContext
    findings: list[FindingRef]
    purpose: PurposeContext | None
    groups: list[str]
    sponsor: SponsorContext | None = None
    """Non-human identities (and keys a service account owns): the accountable human."""
    reach: list[str] = field(default_factory=list)
    """Non-human identities: what it can reach (workspaces, OAuth scope, egress, tools,
    secrets), one line each."""
    did: list[str] = field(default_factory=list)
    """Non-human identities: what it did (runs, requests, admin actions as itself)."""
    group: GroupContext | None = None
    """Group memberships and role assignments: the group and its owner (reviewer rule
    ``group-owner``); ``reach`` then holds the effective-access paths in words."""

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (what is stored and hashed)."""
        return plain(self)  # type: ignore[no-any-return]
