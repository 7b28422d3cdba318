"""Which checks a change affects: those whose declared inputs include a changed data kind.

A check's inputs are the record types it ``needs``, the other data it ``reads``, and the
identity links whenever it reads accounts or keys (every such finding names the person the
account or key belongs to).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from tenure.checks.base import Check

IDENTITY = "identity"
LINKED = frozenset({"account", "credential", "person"})


def inputs(check: Check) -> frozenset[str]:
    """Every data kind the check's evaluation reads."""
    kinds = {*check.needs, *check.reads}
    if kinds & LINKED:
        kinds.add(IDENTITY)
    return frozenset(kinds)


def affected(checks: Iterable[Check], changed: Collection[str]) -> list[Check]:
    """The checks that read any of the ``changed`` kinds, in catalogue order."""
    wanted = set(changed)
    return [c for c in checks if inputs(c) & wanted]
