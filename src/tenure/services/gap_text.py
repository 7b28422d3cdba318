"""Gaps in words for people: the record types a source left switched off, one line per
reason (the reason names the setting that reads them)."""

from __future__ import annotations

from collections.abc import Iterable

from tenure.model import Gap


def switched_off_lines(source: str, gaps: Iterable[Gap]) -> list[str]:
    """``source: role, group … <reason>`` for each reason of the switched-off gaps."""
    by_reason: dict[str, list[str]] = {}
    for gap in gaps:
        if gap.switched_off:
            by_reason.setdefault(gap.reason, []).append(gap.record_type)
    return [f"{source}: {', '.join(types)} — {why}" for why, types in by_reason.items()]
