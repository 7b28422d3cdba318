"""Who reviews an item: by rule, with a fallback; never the subject themself by default."""

from __future__ import annotations

from dataclasses import dataclass

from tenure.errors import TenureError
from tenure.reviews.context import ItemSnapshot

RULES = ("sponsor", "manager", "owner", "key-owner", "group-owner", "named")


DEFAULT_STEPS = ("sponsor", "manager", "key-owner")
"""The default chain: a non-human identity's sponsor first (a human item has none), then the
manager, then the key owner."""


class ReviewerRuleError(TenureError):
    """The reviewer rule is not valid."""


@dataclass(frozen=True, slots=True)
class ReviewerRule:
    """An ordered list of ways to find a reviewer, then a fallback reviewer."""

    steps: tuple[str, ...]
    named: str | None
    fallback: str

    def describe(self) -> str:
        """The rule in its own syntax."""
        return ",".join(f"named:{self.named}" if s == "named" else s for s in self.steps)


def parse_rule(text: str, fallback: str) -> ReviewerRule:
    """``manager,key-owner`` or ``named:alice@example.com``; a fallback is always required."""
    steps: list[str] = []
    named: str | None = None
    for raw in (t.strip() for t in text.split(",") if t.strip()):
        name, _, value = raw.partition(":")
        if name == "named":
            if "@" not in value:
                raise ReviewerRuleError(f"reviewer rule {raw!r}: named needs an email")
            named = value.lower()
        elif name not in RULES or value:
            raise ReviewerRuleError(f"unknown reviewer rule {raw!r} (known: sponsor, manager, "
                                    "owner, key-owner, group-owner, named:EMAIL)")
        steps.append(name)
    if "@" not in fallback:
        raise ReviewerRuleError("--fallback-reviewer must be an email address")
    return ReviewerRule(tuple(steps) or DEFAULT_STEPS, named, fallback.strip().lower())


def subject_person(snap: ItemSnapshot) -> str | None:
    """The human the item is about (the seat's person, or the key owner's person)."""
    if snap.person is not None:
        return snap.person.email
    if snap.owner is not None and snap.owner.person is not None:
        return snap.owner.person.email
    return None


def resolve_reviewer(snap: ItemSnapshot, rule: ReviewerRule, *, allow_self: bool) -> str:
    """The first rule step that yields someone other than the subject, else the fallback."""
    me = subject_person(snap)
    for step in rule.steps:
        candidate: str | None = None
        if step == "sponsor":
            sponsor = snap.sponsor
            if sponsor is not None and sponsor.person is not None \
                    and sponsor.person.status == "active":
                candidate = sponsor.person.email
        elif step == "manager":
            # a non-human identity's manager is its sponsor's (the successor if they left)
            person = snap.person or (snap.owner.person if snap.owner else None) or (
                snap.sponsor.person if snap.sponsor else None)
            candidate = person.manager_email if person and person.manager_email else None
        elif step in ("owner", "key-owner"):
            if snap.owner is not None and snap.owner.person is not None \
                    and snap.owner.person.status == "active":
                candidate = snap.owner.person.email
            elif step == "owner" and snap.purpose is not None:
                candidate = snap.purpose.owner_email
        elif step == "group-owner":
            # The group's owner (recorded in Tenure, else the IdP's owner for a SCIM group),
            # as snapshotted with the item (reviews/access_items.py).
            candidate = snap.group.owner_email if snap.group is not None else None
        elif step == "named":
            candidate = rule.named
        if candidate and (allow_self or candidate != me):
            return candidate
    return rule.fallback
