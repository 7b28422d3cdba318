"""The connector contract: ``sync(ctx) -> Iterator[SyncItem]``; connectors never touch the store.

A connector yields, in order:

- ``TenantInfo`` once it knows which organization it is reading,
- ``Batch`` for each page of records (with the stream cursor to commit alongside its rows and
  the raw page it came from),
- ``Gap`` for data it could not read (403, feature absent, outage after retries),
- ``StreamComplete`` when a snapshot record type was listed to the end, which is what allows
  the engine to retire records no longer listed,
- ``Population`` (identity sources, before any batch) so the engine can refuse a mass change,
- ``Quarantined`` for one vendor object it could not use (no id, a wrong type): the rest of
  its page is still yielded, the run is ``partial`` and the record type is not complete.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from tenure.clock import Clock
from tenure.config import SourceConfig
from tenure.model import Activity, Gap, Person, SnapshotRecord, Usage
from tenure.registry import Registry

Record = SnapshotRecord | Activity | Usage | Person


@dataclass(frozen=True, slots=True)
class TenantInfo:
    """The organization a source reads (an Anthropic org id, an OpenAI org, "hr")."""

    tenant_id: str
    name: str = ""


@dataclass(frozen=True, slots=True)
class RawPage:
    """A vendor response body as received (already redacted of secrets)."""

    locator: str
    body: bytes


@dataclass(frozen=True, slots=True)
class Batch:
    """One page of records of one stream, committed in one transaction with its cursor."""

    stream: str
    records: Sequence[Record]
    cursor: Mapping[str, Any] | None = None
    raw: RawPage | None = None


@dataclass(frozen=True, slots=True)
class StreamComplete:
    """A snapshot record type was enumerated completely in this run."""

    record_type: str


class UnusableRecord(ValueError):
    """A vendor object a transform cannot turn into a record; names the field at fault."""

    def __init__(self, what: str, field: str, detail: str) -> None:
        super().__init__(f"{what} without {field!r}: {detail}")
        self.what = what
        self.field = field


@dataclass(frozen=True, slots=True)
class Quarantined:
    """One vendor object set aside: where it was (endpoint, page, position) and what is wrong.

    The page it came from is still stored raw with the batch; the engine records a problem
    and a Gap for ``record_types`` (their checks report ``manual``) and does not retire those
    types this run, since the listing that defines them is incomplete.
    """

    record_types: tuple[str, ...]
    endpoint: str
    page: str
    index: int
    field: str
    reason: str

    def as_dict(self) -> dict[str, object]:
        """The problem as stored on the run."""
        return {"record_types": list(self.record_types), "endpoint": self.endpoint,
                "page": self.page, "index": self.index, "field": self.field,
                "reason": self.reason}


@dataclass(frozen=True, slots=True)
class Note:
    """Something the run summary should say (retries taken, rows skipped)."""

    key: str
    value: Any


@dataclass(frozen=True, slots=True)
class Population:
    """The whole listing of an identity source, announced before its first batch: who is
    listed (``listed``; ``complete`` when everyone not listed is gone) and who is marked as
    leaving (``leaving``). The engine weighs it against the store and refuses a mass change
    before anything is written."""

    record_type: str
    listed: frozenset[str]
    leaving: frozenset[str]
    complete: bool
    label: str


SyncItem = TenantInfo | Batch | Gap | StreamComplete | Note | Population | Quarantined


@dataclass(frozen=True, slots=True)
class SyncOptions:
    """Per-invocation options chosen by the operator."""

    skip_invalid: bool = False
    full: bool = False
    allow_mass_change: bool = False
    """Accept an identity listing that would retire more than ``[lifecycle]
    mass_change_percent`` of people, or lists nobody."""


@dataclass(frozen=True, slots=True)
class SyncContext:
    """What a connector gets from the engine: never a database handle."""

    source: str
    clock: Clock
    cursors: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    options: SyncOptions = field(default_factory=SyncOptions)
    env: Mapping[str, str] = field(default_factory=dict)


class Connector(Protocol):
    """A source of identity, access or activity records."""

    def sync(self, ctx: SyncContext) -> Iterator[SyncItem]:
        """Read the source and yield records, gaps and completion markers."""
        ...


@dataclass(frozen=True, slots=True)
class SourceType:
    """A registered kind of source: its config model, its connector and what it produces."""

    name: str
    config_model: type[SourceConfig]
    factory: Callable[[Any], Connector]
    record_types: tuple[str, ...]
    description: str


source_types: Registry[SourceType] = Registry("source type")
"""Every source type Tenure knows; connectors register themselves here."""


def load_builtin_connectors() -> Registry[SourceType]:
    """Import the built-in connectors so they register (idempotent)."""
    from tenure.connectors import builtin  # noqa: F401  (import registers the connectors)

    return source_types
