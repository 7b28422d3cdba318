"""The Check type: what a check is, what it needs, and what an evaluation returns."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

import sqlalchemy as sa

from tenure.frameworks import FrameworkRef


class Severity(StrEnum):
    """How urgent a failing check is."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Higher is more severe (for sorting and OCSF ``severity_id``)."""
        return {"info": 1, "low": 2, "medium": 3, "high": 4, "critical": 5}[self.value]


class SubjectType(StrEnum):
    """What a finding is about."""

    ACCOUNT = "account"
    API_KEY = "api_key"
    GRANT = "grant"
    SERVICE_ACCOUNT = "service_account"
    WORKLOAD_IDENTITY = "workload_identity"  # a federation rule
    FEDERATION_ISSUER = "federation_issuer"
    AGENT = "agent"
    DEPLOYMENT = "deployment"
    VAULT_CREDENTIAL = "vault_credential"
    ROLE = "role"  # a platform role (custom-role-privileged)
    GROUP = "group"  # a platform group (idp-group-drift)
    SOURCE = "source"  # a manual finding: the source's data needed by the check is missing
    CHECK = "check"  # an error finding: the check itself could not run


class FindingStatus(StrEnum):
    """Outcome of a check for one subject."""

    FAIL = "fail"
    PASS = "pass"  # noqa: S105  (a status, not a password)
    MANUAL = "manual"
    ERROR = "error"


ParamValue = int | float | str | tuple[str, ...]
"""A check parameter: a number, a word, or a list of words."""

EvidenceValue = str | int | float | bool | None | list[str]
"""One fact in a finding's evidence (JSON-ready)."""


@dataclass(frozen=True, slots=True)
class Param:
    """A tunable of a check, with its default (overridable under ``[checks.<id>]``)."""

    name: str
    default: ParamValue
    description: str
    choices: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Params:
    """A check's parameter values after config overrides."""

    values: Mapping[str, ParamValue]

    def int(self, name: str) -> int:
        """An integer parameter."""
        value = self.values[name]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise TypeError(f"parameter {name} is not a number")
        return int(value)

    def number(self, name: str) -> float:
        """A numeric parameter."""
        value = self.values[name]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise TypeError(f"parameter {name} is not a number")
        return float(value)

    def words(self, name: str) -> tuple[str, ...]:
        """A list-of-words parameter."""
        value = self.values[name]
        if isinstance(value, str):
            return (value,)
        if not isinstance(value, tuple):
            raise TypeError(f"parameter {name} is not a list of words")
        return value


@dataclass(frozen=True, slots=True)
class Hit:
    """One subject failing a check (or, with ``status`` manual, one the check cannot judge
    from the store and a person must), with the facts that made it so."""

    source: str
    subject_type: SubjectType
    subject_id: str
    subject_email: str | None
    person: str | None
    evidence: Mapping[str, EvidenceValue]
    status: FindingStatus = FindingStatus.FAIL


@dataclass(frozen=True, slots=True)
class EvalContext:
    """What an evaluation gets: a connection, the clock's now and its parameters."""

    conn: sa.Connection
    now: datetime
    params: Params

    def before(self, days: int | float) -> datetime:
        """``now`` minus ``days`` (cut-offs are computed here, never in SQL, so the same
        statement runs on SQLite and PostgreSQL)."""
        return self.now - timedelta(days=days)

    def day_before(self, days: int | float) -> date:
        """The UTC date ``days`` before now (for daily rollups)."""
        return self.before(days).date()


Evaluator = Callable[[EvalContext], Iterable[Hit]]


@dataclass(frozen=True, slots=True)
class Check:
    """A control evaluated set-at-a-time over the store.

    ``id`` is a public contract (kebab-case, stable forever). ``needs`` names the record types
    the evaluation reads (``person`` from identity sources; ``account``, ``credential``,
    ``grant``, ``workspace``, ``activity``, ``usage`` from platform sources): when one is
    missing for a source, the check reports ``manual`` for that source instead of passing.
    ``actions`` are the revocation actions that fix a failure (``anthropic.remove_user``).
    ``reads`` names the other data the evaluation reads (``purpose``, ``person_change``,
    ``effective_access``, ``identity``): with ``needs`` it says which checks a change affects
    (``checks/affected.py``), so a sync or an apply re-runs only those.
    """

    id: str
    title: str
    severity: Severity
    subject_type: SubjectType
    rationale: str
    remediation: str
    actions: tuple[str, ...]
    frameworks: tuple[FrameworkRef, ...]
    needs: tuple[str, ...]
    evaluate: Evaluator = field(repr=False, compare=False)
    params: tuple[Param, ...] = ()
    builtin: bool = True
    reads: tuple[str, ...] = ()

    @property
    def needs_identity(self) -> bool:
        """True when the check reads people from an identity source."""
        return "person" in self.needs

    @property
    def platform_needs(self) -> tuple[str, ...]:
        """The record types it reads from platform sources."""
        return tuple(n for n in self.needs if n != "person")

    def defaults(self) -> dict[str, ParamValue]:
        """Parameter defaults by name."""
        return {p.name: p.default for p in self.params}


def framework_keys(refs: Sequence[FrameworkRef]) -> list[str]:
    """References in their short ``framework:control`` form."""
    return [r.key for r in refs]


def jsonable(value: object) -> EvidenceValue:
    """An evidence value from a SQL result (dates as ISO text, decimals as numbers)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return round(value, 3)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return float(str(value)) if _is_number(value) else str(value)


def _is_number(value: object) -> bool:
    try:
        float(str(value))
    except ValueError:
        return False
    return True


def hits_from(
    rows: Iterable[sa.RowMapping], subject_type: SubjectType, evidence: Sequence[str],
    status: FindingStatus = FindingStatus.FAIL,
) -> list[Hit]:
    """Hits from result rows labelled ``source``, ``subject_id``, ``subject_email``,
    ``person`` plus the named evidence columns."""
    return [
        Hit(source=row["source"], subject_type=subject_type, subject_id=str(row["subject_id"]),
            subject_email=row["subject_email"], person=row["person"],
            evidence={name: jsonable(row[name]) for name in evidence}, status=status)
        for row in rows
    ]
