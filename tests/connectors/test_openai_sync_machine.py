"""T5 for the OpenAI audit log: a Hypothesis state machine over incremental sync with crashes
and faults, against an in-test fake of the vendor (``httpx.MockTransport``).

Events arrive over time, some indexed late; syncs run with random page sizes and 500/429s and
are "killed" after a random number of batches, right after a commit or right before it. The
store model commits a Batch's records and cursor together, as the engine does. Properties:
nothing stored the vendor lacks, nothing twice, the high-water mark never moves back, and after
a sync that runs to the end every event before its "now" is stored.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from tenure.clock import Clock, parse_instant
from tenure.connectors.base import Batch, SyncContext
from tenure.connectors.openai import OpenAIConfig, OpenAIConnector
from tenure.connectors.openai.fetch import HttpOptions
from tenure.model import Activity, Gap

EXAMPLES = int(os.environ.get("TENURE_SYNC_MACHINE_EXAMPLES", "1000"))
START = datetime(2026, 11, 1, tzinfo=UTC)
OVERLAP_MINUTES = 10
KEY = "sk-admin-machine-key"


class FakeAuditLog:
    """The audit-log endpoint and empty Admin lists, read from the contract."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.fault_rate = 0.0
        self.rng = 0

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.headers.get("authorization") != f"Bearer {KEY}":
            return httpx.Response(401, json={"error": {"message": "bad key", "type":
                                                       "invalid_request_error", "param": None,
                                                       "code": "invalid_api_key"}})
        path, q = request.url.path, request.url.params
        if path != "/v1/organization/audit_logs":
            return httpx.Response(200, json={"object": "list", "data": [], "first_id": None,
                                             "last_id": None, "has_more": False})
        self.rng = (self.rng * 1103515245 + 12345) % 2**31
        if (self.rng % 1000) < self.fault_rate * 1000:
            status = 500 if self.rng % 2 else 429
            return httpx.Response(status, headers={"retry-after": "1"}, json={"error": {
                "message": "try again", "type": "server_error", "param": None, "code": None}})
        gte, lt = int(q["effective_at[gte]"]), int(q["effective_at[lt]"])
        rows = sorted((e for e in self.events if gte <= e["effective_at"] < lt),
                      key=lambda e: (e["effective_at"], e["id"]), reverse=True)
        ids = [e["id"] for e in rows]
        start = ids.index(q["after"]) + 1 if "after" in q else 0
        limit = int(q.get("limit", 20))
        page = rows[start:start + limit]
        return httpx.Response(200, content=json.dumps({
            "object": "list", "data": page, "first_id": page[0]["id"] if page else None,
            "last_id": page[-1]["id"] if page else None,
            "has_more": start + limit < len(rows)}).encode())


class AuditMachine(RuleBasedStateMachine):
    """Vendor events arrive; syncs run, crash, fault and resume."""

    runs = 0
    syncs = 0

    @initialize()
    def setup(self) -> None:
        AuditMachine.runs += 1
        self.vendor = FakeAuditLog()
        self.now = START
        self.cursors: dict[str, dict[str, Any]] = {}
        self.stored: dict[str, datetime] = {}
        self.high_water: datetime | None = None
        self.serial = 0

    @rule(count=st.integers(1, 25), late_seconds=st.integers(1, (OVERLAP_MINUTES - 1) * 60))
    def events_arrive(self, count: int, late_seconds: int) -> None:
        """New events, each stamped up to ``late_seconds`` before now (indexed late)."""
        for n in range(count):
            self.serial += 1
            when = self.now - timedelta(seconds=1 + (late_seconds * (n + 1)) // (count + 1))
            self.vendor.events.append({
                "id": f"audit_log-{self.serial:08d}", "type": "login.succeeded",
                "effective_at": int(when.timestamp()),
                "actor": {"type": "session", "session": {"user": {"id": "user-x",
                                                                  "email": "x@y.z"}}}})

    @rule(minutes=st.integers(1, 600))
    def time_passes(self, minutes: int) -> None:
        self.now += timedelta(minutes=minutes)

    @rule(rate=st.sampled_from([0.0, 0.0, 0.1, 0.3]))
    def weather(self, rate: float) -> None:
        self.vendor.fault_rate = rate

    @rule(page_size=st.integers(1, 12), crash_after=st.none() | st.integers(0, 8),
          before_commit=st.booleans())
    def sync(self, page_size: int, crash_after: int | None, before_commit: bool) -> None:
        AuditMachine.syncs += 1
        config = OpenAIConfig(name="m", type="openai", base_url="http://vendor.test",
                              api_key_env="K", page_size=page_size, usage=False,
                              admin_keys=False, lookback_days=30,
                              audit_overlap_minutes=OVERLAP_MINUTES, max_retries=8)
        connector = OpenAIConnector(config, HttpOptions(
            sleep=lambda _s: None, transport=httpx.MockTransport(self.vendor.handle)))
        ctx = SyncContext(source="m", clock=Clock(self.now), cursors=dict(self.cursors),
                          env={"K": KEY})
        batches, finished, gaps = 0, True, []
        for item in connector.sync(ctx):
            if isinstance(item, Gap):
                gaps.append(item)
            if not isinstance(item, Batch) or item.stream != "audit_logs":
                continue
            if crash_after is not None and batches == crash_after and before_commit:
                finished = False
                break
            self.commit(item)
            batches += 1
            if crash_after is not None and batches == crash_after:
                finished = False
                break
        if finished and not gaps:
            now = int(self.now.timestamp())
            truth = {e["id"] for e in self.vendor.events if e["effective_at"] < now}
            missing = truth - set(self.stored)
            assert not missing, f"lost {len(missing)} events, e.g. {sorted(missing)[:3]}"

    def commit(self, batch: Batch) -> None:
        """What the engine does in one transaction: rows (dedup by vendor id) + cursor."""
        for record in batch.records:
            assert isinstance(record, Activity)
            if record.external_id in self.stored:
                assert self.stored[record.external_id] == record.occurred_at
            self.stored[record.external_id] = record.occurred_at
        assert batch.cursor is not None
        self.cursors[batch.stream] = dict(batch.cursor)
        mark = batch.cursor.get("high_water")
        if mark:
            when = parse_instant(mark)
            assert self.high_water is None or when >= self.high_water, "cursor moved back"
            self.high_water = when

    @invariant()
    def stored_only_what_the_vendor_has(self) -> None:
        if hasattr(self, "vendor"):
            assert set(self.stored) <= {e["id"] for e in self.vendor.events}


@pytest.mark.timeout(1800)
def test_audit_log_sync_state_machine() -> None:
    AuditMachine.TestCase.settings = settings(
        max_examples=EXAMPLES, stateful_step_count=12, deadline=None,
        suppress_health_check=[HealthCheck.too_slow])
    AuditMachine.runs = AuditMachine.syncs = 0
    AuditMachine.TestCase().runTest()
    assert AuditMachine.runs >= EXAMPLES  # T5: at least this many examples really ran
    print(f"audit sync machine: {AuditMachine.runs} examples, {AuditMachine.syncs} syncs")
