"""The Gaps of a run that are read problems, not streams the source leaves switched off."""

from __future__ import annotations

from collections.abc import Iterable

from tenure.model import Gap

SWITCHED_OFF_TYPES = frozenset({"role", "group", "group_member", "role_assignment", "directory",
                                "analytics_user"})
"""What a source with the Claude Enterprise switches at their default (off) records."""


def read_gaps(gaps: Iterable[Gap]) -> list[Gap]:
    """``gaps`` without the switched-off ones (issue 17), in order."""
    return [g for g in gaps if not g.switched_off]
