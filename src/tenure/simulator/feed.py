"""The Compliance activity feed: generated history plus activities appended by mutations.

Order is reverse-chronological; ``after_id`` pages back in time, ``before_id`` forward. A page
is the ``limit`` activities nearest the cursor in the requested direction, always returned
newest first; ``has_more`` says whether more exist further in that direction.
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tenure.simulator.ids import activity_id
from tenure.simulator.scenario import Scenario

# Events the guide documents with a null organization_id.
NULL_ORG_TYPES = frozenset({
    "sso_login_initiated", "sso_login_succeeded", "sso_login_failed",
    "magic_link_login_initiated", "magic_link_login_succeeded", "magic_link_login_failed",
    "social_login_succeeded", "user_logged_out", "compliance_api_accessed",
})
_AGENTS = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/129.0 Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64; rv:131.0) Gecko/20100101 Firefox/131.0",
    "claude-cli/2.0.14 (external, cli)",
)


def iso_seconds(when: datetime) -> str:
    """RFC 3339 with whole seconds, as in the activity feed examples."""
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True, slots=True)
class FeedQuery:
    """A parsed ``GET /v1/compliance/activities`` request."""

    limit: int
    after: int | None = None
    before: int | None = None
    gte: datetime | None = None
    gt: datetime | None = None
    lte: datetime | None = None
    lt: datetime | None = None
    types: frozenset[str] | None = None
    actor_ids: frozenset[str] | None = None


@dataclass(frozen=True, slots=True)
class _Runtime:
    seq: int
    ts: int
    type: str
    actor: dict[str, Any]
    extra: dict[str, Any]


class ActivityFeed:
    """Serves and extends the activity history of one scenario."""

    def __init__(self, scenario: Scenario, as_of: datetime, lock: threading.RLock) -> None:
        self.scenario = scenario
        self.events = scenario.events
        self.as_of = as_of
        self._lock = lock
        self._runtime: list[_Runtime] = []
        self._last_ts = self.events.ts_of(self.events.max_seq) if self.events.max_seq else 0

    # -- writing -------------------------------------------------------------------------
    def append(self, type_name: str, actor: dict[str, Any], elapsed: float,
               **extra: Any) -> str:
        """Record an activity now (``elapsed`` seconds after as-of) and return its id."""
        with self._lock:
            ts = max(int(elapsed), self._last_ts)
            self._last_ts = ts
            seq = self.events.max_seq + len(self._runtime) + 1
            self._runtime.append(_Runtime(seq, ts, type_name, actor, extra))
            return activity_id(seq)

    # -- reading -------------------------------------------------------------------------
    def total(self) -> int:
        """Number of activities, history and appended."""
        return self.events.max_seq + len(self._runtime)

    def ids(self) -> Iterator[str]:
        """Every activity id, newest first (the ground truth for sync tests)."""
        for seq in range(self.total(), 0, -1):
            yield activity_id(seq)

    def page(self, q: FeedQuery) -> tuple[list[dict[str, Any]], bool]:
        """One page for ``q`` (newest first) and whether more lie in its direction."""
        with self._lock:
            lo_ts, hi_ts = self._ts_bounds(q)
            lo, hi = 1, self.total()
            if q.after is not None:
                hi = min(hi, q.after - 1)
            if q.before is not None:
                lo = max(lo, q.before + 1)
            stored_lo = lo if lo_ts is None else max(
                lo, self.events.first_seq_at_or_after(lo_ts))
            stored_hi = min(hi, self.events.max_seq)
            if hi_ts is not None:
                stored_hi = min(stored_hi, self.events.first_seq_at_or_after(hi_ts + 1) - 1)
            descending = q.before is None
            rows = self._collect((lo, hi), (stored_lo, stored_hi), (lo_ts, hi_ts), q,
                                 descending, q.limit + 1)
        has_more = len(rows) > q.limit
        rows = rows[:q.limit]
        if not descending:
            rows.reverse()
        return rows, has_more

    def _ts_bounds(self, q: FeedQuery) -> tuple[int | None, int | None]:
        lo: int | None = None
        hi: int | None = None
        if q.gte is not None:
            lo = math.ceil(self._offset(q.gte))
        if q.gt is not None:
            lo = max(lo if lo is not None else -(2**62), math.floor(self._offset(q.gt)) + 1)
        if q.lte is not None:
            hi = math.floor(self._offset(q.lte))
        if q.lt is not None:
            hi = min(hi if hi is not None else 2**62, math.ceil(self._offset(q.lt)) - 1)
        return lo, hi

    def _offset(self, when: datetime) -> float:
        return (when - self.as_of).total_seconds()

    def _collect(self, bounds: tuple[int, int], stored_bounds: tuple[int, int],
                 ts_bounds: tuple[int | None, int | None], q: FeedQuery, descending: bool,
                 want: int) -> list[dict[str, Any]]:
        lo, hi = bounds
        lo_ts, hi_ts = ts_bounds
        runtime = [r for r in self._runtime if lo <= r.seq <= hi
                   and (lo_ts is None or r.ts >= lo_ts) and (hi_ts is None or r.ts <= hi_ts)
                   and (q.types is None or r.type in q.types)
                   and (q.actor_ids is None or r.actor.get("user_id") in q.actor_ids)]
        if descending:
            runtime.reverse()
        stored: list[dict[str, Any]] = []
        room = want - len(runtime) if descending else want
        s_lo, s_hi = stored_bounds
        if room > 0 and s_lo <= s_hi:
            types = None if q.types is None else [
                self.events.type_codes[t] for t in q.types if t in self.events.type_codes]
            actors = None if q.actor_ids is None else [
                i for i, a in enumerate(self.scenario.directory)
                if a.get("user_id") in q.actor_ids]
            if (types is None or types) and (actors is None or actors):
                stored = [self._render_stored(*row) for row in self.events.select(
                    s_lo, s_hi, types, actors, descending, room)]
        rendered = [self._render(r.seq, r.ts, r.type, r.actor, r.extra) for r in runtime]
        rows = rendered + stored if descending else stored + rendered
        return rows[:want]

    def _render_stored(self, seq: int, ts: int, code: int, actor: int,
                       extra: str | None) -> dict[str, Any]:
        return self._render(seq, ts, self.events.type_names[code], self._actor(actor),
                            json.loads(extra) if extra else {})

    def _actor(self, ref: int) -> dict[str, Any]:
        actor = dict(self.scenario.directory[ref])
        if actor.get("type") in ("user_actor", "api_actor", "unauthenticated_user_actor",
                                 "admin_api_key_actor", "service_account_actor"):
            actor.setdefault("ip_address", f"192.0.2.{ref % 250 + 1}")
            actor.setdefault("user_agent", _AGENTS[ref % len(_AGENTS)])
        return actor

    def _render(self, seq: int, ts: int, type_name: str, actor: dict[str, Any],
                extra: dict[str, Any]) -> dict[str, Any]:
        org = self.scenario.org
        null_org = type_name in NULL_ORG_TYPES
        out: dict[str, Any] = {
            "id": activity_id(seq),
            "created_at": iso_seconds(self.as_of + timedelta(seconds=ts)),
            "organization_id": None if null_org else org.get("compliance_id"),
            "organization_uuid": None if null_org else org.get("id"),
            "actor": actor,
            "type": type_name,
        }
        out.update(extra)
        return out
