"""Which sources' data a check can be judged on, and why not where it cannot.

A check reports ``manual`` (with the reason) for a platform source when data it needs is
missing: the source never synced, its latest run failed, its latest run recorded a Gap for a
needed record type, its connector does not produce that type at all, or — for checks that read
people — no identity source has synced. Never a silent pass.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from tenure.checks.base import Check
from tenure.config import Settings
from tenure.connectors.base import load_builtin_connectors
from tenure.model import RunStatus
from tenure.store import schema


@dataclass(frozen=True, slots=True)
class SourceState:
    """What the store knows about one source's data, from its latest finished run."""

    name: str
    source_type: str
    provides: frozenset[str] | None  # None: connector type unknown here, assume everything
    last_run_id: str | None = None
    last_status: str | None = None
    error: str | None = None
    gaps: dict[str, str] = field(default_factory=dict)

    @property
    def synced(self) -> bool:
        """True once a run of the source finished (complete, partial or failed)."""
        return self.last_run_id is not None

    @property
    def usable(self) -> bool:
        """True when the latest run finished without failing."""
        return self.last_status in (str(RunStatus.COMPLETE), str(RunStatus.PARTIAL))

    def provides_any(self, record_types: tuple[str, ...]) -> bool:
        """True when the source can produce at least one of ``record_types``."""
        return self.provides is None or bool(self.provides.intersection(record_types))


def source_states(conn: sa.Connection, settings: Settings) -> list[SourceState]:
    """Every configured or synced source, with its latest finished run and that run's gaps."""
    types = load_builtin_connectors()
    runs, gaps = schema.sync_runs, schema.gaps
    finished = runs.c.status != str(RunStatus.RUNNING)
    newest = (sa.select(runs.c.source, sa.func.max(runs.c.started_at).label("started_at"))
              .where(finished).group_by(runs.c.source).subquery())
    latest = conn.execute(
        sa.select(runs.c.id, runs.c.source, runs.c.source_type, runs.c.status, runs.c.error)
        .join(newest, sa.and_(runs.c.source == newest.c.source,
                              runs.c.started_at == newest.c.started_at))
        .where(finished)
    ).mappings().all()
    run_ids = [row["id"] for row in latest]
    gap_rows = conn.execute(
        sa.select(gaps.c.sync_run_id, gaps.c.record_type, gaps.c.reason)
        .where(gaps.c.sync_run_id.in_(run_ids)).order_by(gaps.c.id)
    ).all() if run_ids else []
    gaps_of: dict[str, dict[str, str]] = {}
    for run_id, record_type, reason in gap_rows:
        gaps_of.setdefault(run_id, {}).setdefault(record_type, reason)

    def provides(type_name: str) -> frozenset[str] | None:
        return frozenset(types.get(type_name).record_types) if type_name in types else None

    states: dict[str, SourceState] = {
        s.name: SourceState(s.name, s.type, provides(s.type)) for s in settings.sources
    }
    for row in latest:
        states[row["source"]] = SourceState(
            name=row["source"], source_type=row["source_type"],
            provides=provides(row["source_type"]), last_run_id=row["id"],
            last_status=row["status"], error=row["error"], gaps=gaps_of.get(row["id"], {}))
    return sorted(states.values(), key=lambda s: s.name)


NO_SOURCE = "*"
"""The source named by a manual finding when no source at all provides the data."""


def _identity_problem(states: list[SourceState]) -> str | None:
    identity = [s for s in states if s.provides is not None and "person" in s.provides]
    if not any(s.usable for s in identity):
        return "no identity source (people) has synced successfully"
    for state in identity:
        if not state.synced:
            return f"identity source {state.name} never synced"
        if not state.usable:
            return f"identity source {state.name}: latest sync failed"
        if "person" in state.gaps:
            return f"identity source {state.name}: person data missing ({state.gaps['person']})"
    return None


def manual_reasons(check: Check, states: list[SourceState]) -> dict[str, str]:
    """Platform sources the check cannot judge, each with the reason."""
    needs = check.platform_needs
    identity = _identity_problem(states) if check.needs_identity else None
    out: dict[str, str] = {}
    relevant = [s for s in states if needs and s.provides_any(needs)]
    if needs and not relevant:
        return {NO_SOURCE: f"no source providing {', '.join(needs)} data is configured or synced"}
    for state in relevant:
        reasons: list[str] = []
        if not state.synced:
            reasons.append("source never synced")
        elif not state.usable:
            reasons.append(f"latest sync failed: {state.error or 'no detail'}")
        missing: dict[str, list[str]] = {}  # one gap reason, the needs it covers
        for need in needs:
            if state.provides is not None and need not in state.provides:
                reasons.append(f"{state.source_type} does not provide {need} data")
            elif need in state.gaps:
                missing.setdefault(state.gaps[need], []).append(need)
        reasons += [f"{', '.join(types)} data missing in the latest sync ({why})"
                    for why, types in missing.items()]
        if identity:
            reasons.append(identity)
        if reasons:
            out[state.name] = "; ".join(reasons)
    return out
