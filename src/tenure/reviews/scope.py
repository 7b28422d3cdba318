"""What a campaign reviews: a small, validated scope language.

``--scope "source:claude,kind:account,kind:api_key,privileged,inactive:30"``

Terms (comma-separated, repeatable where it makes sense):

- ``source:NAME``      only subjects from this platform source (repeatable; default all)
- ``kind:KIND``        account | service_account | api_key | grant | agent | deployment |
                       workload_identity | group_member | role_assignment (repeatable;
                       default all)
- ``privileged``       only privileged subjects (admin/owner/developer roles, admin grants,
                       admin keys)
- ``with-finding``     only subjects with an open (failing) finding
- ``inactive:N``       only subjects with no activity/usage in the last N days
- ``active:N``         only subjects with activity/usage in the last N days
- ``group:NAME``       only people in this identity-provider group (SCIM)
- ``person:EMAIL``     only this person's seats, grants and keys (lifecycle micro-reviews)
- ``subject:ID``       only this subject (a sponsor-succession review of one identity)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from tenure.errors import TenureError


class SubjectKind(StrEnum):
    """What a review item is about."""

    ACCOUNT = "account"
    SERVICE_ACCOUNT = "service_account"
    API_KEY = "api_key"
    GRANT = "grant"
    AGENT = "agent"
    DEPLOYMENT = "deployment"
    WORKLOAD_IDENTITY = "workload_identity"
    """A workload identity federation rule."""
    GROUP_MEMBER = "group_member"
    """A platform group membership (what the group grants, and its owner)."""
    ROLE_ASSIGNMENT = "role_assignment"
    """A custom/RBAC role held directly by a user or by a group."""


NHI_KINDS = frozenset({SubjectKind.SERVICE_ACCOUNT, SubjectKind.AGENT, SubjectKind.DEPLOYMENT,
                       SubjectKind.WORKLOAD_IDENTITY})
"""Review kinds that are non-human identities (they have sponsors)."""


@dataclass(frozen=True, slots=True)
class Scope:
    """A parsed, validated campaign scope."""

    sources: tuple[str, ...] = ()
    kinds: tuple[SubjectKind, ...] = tuple(SubjectKind)
    privileged_only: bool = False
    with_finding: bool = False
    inactive_days: int | None = None
    active_days: int | None = None
    groups: tuple[str, ...] = field(default_factory=tuple)
    people: tuple[str, ...] = field(default_factory=tuple)
    subjects: tuple[str, ...] = field(default_factory=tuple)

    def describe(self) -> str:
        """The scope back in its own syntax (stored with the campaign)."""
        terms = [f"source:{s}" for s in self.sources]
        if set(self.kinds) != set(SubjectKind):
            terms += [f"kind:{k}" for k in self.kinds]
        if self.privileged_only:
            terms.append("privileged")
        if self.with_finding:
            terms.append("with-finding")
        if self.inactive_days is not None:
            terms.append(f"inactive:{self.inactive_days}")
        if self.active_days is not None:
            terms.append(f"active:{self.active_days}")
        terms += [f"group:{g}" for g in self.groups]
        terms += [f"person:{p}" for p in self.people]
        terms += [f"subject:{s}" for s in self.subjects]
        return ",".join(terms) or "all"


class ScopeError(TenureError):
    """The scope text is not valid; the message names the term."""


def _days(term: str, value: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= 3650:
        raise ScopeError(f"scope term {term!r}: days must be a whole number from 1 to 3650")
    return int(value)


def parse_scope(text: str) -> Scope:
    """Parse ``--scope``; unknown terms are errors that list the known ones."""
    sources: list[str] = []
    kinds: list[SubjectKind] = []
    groups: list[str] = []
    people: list[str] = []
    subjects: list[str] = []
    privileged = with_finding = False
    inactive: int | None = None
    active: int | None = None
    for raw in (t.strip() for t in text.split(",")):
        if not raw or raw == "all":
            continue
        name, _, value = raw.partition(":")
        if name == "source" and value:
            sources.append(value)
        elif name == "kind" and value:
            try:
                kinds.append(SubjectKind(value.removesuffix("s")))  # "api_keys" = "api_key"
            except ValueError:
                known = ", ".join(k.value for k in SubjectKind)
                raise ScopeError(f"scope term {raw!r}: unknown kind (known: {known})") from None
        elif name == "privileged" and not value:
            privileged = True
        elif name == "with-finding" and not value:
            with_finding = True
        elif name == "inactive":
            inactive = _days(raw, value)
        elif name == "active":
            active = _days(raw, value)
        elif name == "group" and value:
            groups.append(value)
        elif name == "person" and "@" in value:
            people.append(value.lower())
        elif name == "subject" and value:
            subjects.append(value)
        else:
            raise ScopeError(
                f"unknown scope term {raw!r} (known: source:NAME, kind:KIND, privileged, "
                "with-finding, inactive:N, active:N, group:NAME, person:EMAIL, subject:ID)")
    if inactive is not None and active is not None:
        raise ScopeError("scope cannot be both inactive:N and active:N")
    return Scope(sources=tuple(dict.fromkeys(sources)),
                 kinds=tuple(dict.fromkeys(kinds)) or tuple(SubjectKind),
                 privileged_only=privileged, with_finding=with_finding, inactive_days=inactive,
                 active_days=active, groups=tuple(dict.fromkeys(groups)),
                 people=tuple(dict.fromkeys(people)),
                 subjects=tuple(dict.fromkeys(subjects)))
