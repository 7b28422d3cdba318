"""Deployments and their runs (vendor-apis-nhi.md §4.3) as typed records.

Pure. "Last run" is ``schedule.last_run_at`` when the vendor gives it, else the newest run
read; the newest run's ``error.type`` is the deployment's ``last_run_error``. The run listing's
order is not documented, so the newest run is the one with the latest ``created_at`` among
those read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tenure.connectors.anthropic.agent_shapes import (
    JSON,
    Notes,
    mapping,
    metadata,
    require_id,
    strings,
    text,
    when,
)
from tenure.connectors.base import UnusableRecord
from tenure.model import AgentDeployment, DeploymentStatus


@dataclass(frozen=True, slots=True)
class RunSummary:
    """The newest run of a deployment among those read."""

    created_at: datetime
    error_type: str | None


def newest_run(runs: Iterable[Any]) -> RunSummary | None:
    """The run with the latest ``created_at`` (runs without one are skipped)."""
    best: RunSummary | None = None
    for run in runs:
        if not isinstance(run, Mapping):
            continue
        created = when(run, "created_at")
        if created is None:
            continue
        error = run.get("error")
        kind = text(error, "type") if isinstance(error, Mapping) else None
        if best is None or created > best.created_at:
            best = RunSummary(created, kind)
    return best


def _agent_ref(value: Any) -> tuple[str | None, int | None]:
    if isinstance(value, str):
        return value, None
    if isinstance(value, Mapping):
        version = value.get("version")
        return text(value, "id"), version if isinstance(version, int) else None
    return None, None


def deployment(obj: JSON, workspace_id: str, last_run: RunSummary | None,
               notes: Notes) -> AgentDeployment:
    """A ``BetaManagedAgentsDeployment`` of ``workspace_id``, with its newest run."""
    ident = require_id(obj, "deployment")
    agent_id, agent_version = _agent_ref(obj.get("agent"))
    if not agent_id:
        raise UnusableRecord("deployment", "agent", f"{ident}: {obj.get('agent')!r:.100}")
    environment_id = text(obj, "environment_id")
    if not environment_id:
        raise UnusableRecord("deployment", "environment_id", ident)
    status_text = obj.get("status")
    if not isinstance(status_text, str) or status_text not in DeploymentStatus.__members__.values():
        # A status Tenure does not know cannot be filed as active or paused without a guess.
        raise UnusableRecord("deployment", "status", f"{ident}: {status_text!r:.60}")
    raw_schedule = obj.get("schedule")
    schedule = raw_schedule if isinstance(raw_schedule, Mapping) else None
    if obj.get("schedule") is not None and schedule is None:
        notes.unknown("schedule", ident, obj.get("schedule"))
    if schedule is not None and schedule.get("type") not in (None, "cron"):
        notes.unknown("schedule type", ident, schedule.get("type"))
    reason = mapping(obj.get("paused_reason"))
    error = mapping(reason.get("error"))
    upcoming = tuple(t for t in (when({"t": v}, "t") for v in strings(
        schedule.get("upcoming_runs_at") if schedule else None)) if t is not None)
    last_run_at = when(schedule, "last_run_at") or (last_run.created_at if last_run else None)
    return AgentDeployment(
        external_id=ident, workspace_id=workspace_id, name=text(obj, "name") or "",
        agent_id=agent_id, agent_version=agent_version, environment_id=environment_id,
        status=DeploymentStatus(status_text), vault_ids=strings(obj.get("vault_ids")),
        schedule_expression=text(schedule, "expression") if schedule else None,
        schedule_timezone=text(schedule, "timezone") if schedule else None,
        last_run_at=last_run_at, upcoming_runs_at=upcoming,
        paused_reason_type=text(reason, "type"), paused_error_type=text(error, "type"),
        last_run_error=last_run.error_type if last_run else None, metadata=metadata(obj),
        created_at=when(obj, "created_at"), updated_at=when(obj, "updated_at"),
        archived_at=when(obj, "archived_at"))


def listed_deployment(obj: JSON, workspace_id: str,
                      newest: Mapping[str, RunSummary | None], notes: Notes) -> AgentDeployment:
    """:func:`deployment` with its newest run looked up by id in ``newest``."""
    ident = obj.get("id") if isinstance(obj, Mapping) else None
    return deployment(obj, workspace_id, newest.get(ident) if isinstance(ident, str) else None,
                      notes)
