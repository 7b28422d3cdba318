"""Evaluate a set of checks against the store as of one instant (no writes)."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from tenure.checks.availability import SourceState, manual_reasons
from tenure.checks.base import Check, EvalContext, FindingStatus, Hit, SubjectType
from tenure.checks.params import Override, resolve_params

ENGINE_SOURCE = "tenure"
"""The ``source`` of error findings (a check that could not run is Tenure's problem)."""


def finding_id(check_id: str, source: str, subject_type: str, subject_id: str) -> str:
    """Deterministic finding id: the same check, source and subject give the same id."""
    digest = hashlib.sha256(
        f"{check_id}\x1f{source}\x1f{subject_type}\x1f{subject_id}".encode()
    ).hexdigest()
    return f"fnd_{digest[:32]}"


@dataclass(frozen=True, slots=True)
class Result:
    """One finding-to-be: a subject's status under a check."""

    id: str
    check: Check
    status: FindingStatus
    hit: Hit


@dataclass(slots=True)
class CheckOutcome:
    """What one check's evaluation produced."""

    check: Check
    results: list[Result] = field(default_factory=list)
    manual: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    seconds: float = 0.0

    @property
    def failing(self) -> int:
        """How many subjects failed."""
        return sum(1 for r in self.results if r.status is FindingStatus.FAIL)

    @property
    def status(self) -> FindingStatus:
        """The check as a whole: error, fail, manual, else pass."""
        if self.error:
            return FindingStatus.ERROR
        if self.failing:
            return FindingStatus.FAIL
        if self.manual or any(r.status is FindingStatus.MANUAL for r in self.results):
            return FindingStatus.MANUAL
        return FindingStatus.PASS


def _result(check: Check, status: FindingStatus, hit: Hit) -> Result:
    return Result(finding_id(check.id, hit.source, hit.subject_type, hit.subject_id), check,
                  status, hit)


def evaluate_check(
    conn: sa.Connection, check: Check, *, now: datetime, states: list[SourceState],
    overrides: Mapping[str, Override],
) -> CheckOutcome:
    """Run one check; sources whose data is missing become ``manual`` results."""
    outcome = CheckOutcome(check, manual=manual_reasons(check, states))
    started = time.perf_counter()
    ctx = EvalContext(conn, now, resolve_params(check, overrides))
    try:
        with conn.begin_nested():
            hits = list(check.evaluate(ctx))
    except sa.exc.SQLAlchemyError as exc:
        # A failing statement must not hide the other checks' results: it becomes an
        # error finding for this check and its previous findings are left as they were.
        outcome.error = f"{type(exc).__name__}: {str(exc.orig) if hasattr(exc, 'orig') else exc}"
        outcome.results.append(_result(check, FindingStatus.ERROR, Hit(
            ENGINE_SOURCE, SubjectType.CHECK, check.id, None, None,
            {"error": outcome.error[:500]})))
        outcome.seconds = time.perf_counter() - started
        return outcome
    outcome.seconds = time.perf_counter() - started
    outcome.results = [_result(check, h.status, h) for h in hits
                       if h.source not in outcome.manual]
    outcome.results += [
        _result(check, FindingStatus.MANUAL, Hit(source, SubjectType.SOURCE, source, None, None,
                                                 {"reason": reason}))
        for source, reason in sorted(outcome.manual.items())
    ]
    return outcome


def evaluate_checks(
    conn: sa.Connection, checks: Sequence[Check], *, now: datetime,
    states: list[SourceState], overrides: Mapping[str, Mapping[str, Override]],
) -> list[CheckOutcome]:
    """Run every check in ``checks`` as of ``now``."""
    return [evaluate_check(conn, c, now=now, states=states, overrides=overrides.get(c.id, {}))
            for c in checks]
