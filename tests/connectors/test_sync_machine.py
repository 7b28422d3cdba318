"""T5: a Hypothesis state machine over incremental activity sync with crashes and faults.

The vendor (the test fake, in-process via ``httpx.MockTransport``) gains events over time, some
indexed late; syncs run with random page sizes and HTTP faults, and are "killed" after a random
number of batches — either right after a commit or right before it. The store model commits a
Batch's records and cursor together, exactly as the engine does. Properties:

- nothing is ever stored that the vendor does not have, and nothing twice;
- the committed high-water mark never moves backwards;
- after any sync that runs to the end, every vendor event before its "now" is stored.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from tenure.clock import Clock, parse_instant
from tenure.connectors.anthropic import AnthropicConfig, AnthropicConnector
from tenure.connectors.anthropic.fetch import HttpOptions
from tenure.connectors.base import Batch, SyncContext
from tenure.model import Activity, Gap

from .fakevendor import ADMIN_KEY, FakeAnthropic, error, iso, mock_transport

EXAMPLES = int(os.environ.get("TENURE_SYNC_MACHINE_EXAMPLES", "1000"))
START = datetime(2026, 11, 1, tzinfo=UTC)
OVERLAP_MINUTES = 10


class SyncMachine(RuleBasedStateMachine):
    """Vendor events arrive; syncs run, crash, fault and resume."""

    runs = 0
    syncs = 0

    @initialize()
    def setup(self) -> None:
        SyncMachine.runs += 1
        self.vendor = FakeAnthropic()
        self.vendor.activities = []
        self.now = START
        self.cursors: dict[str, dict[str, Any]] = {}
        self.stored: dict[str, datetime] = {}
        self.high_water: datetime | None = None
        self.fault_rate = 0.0
        self.serial = 0
        self.rng_state = 0

    # -- the vendor ------------------------------------------------------------------------

    @rule(count=st.integers(1, 25), late_seconds=st.integers(1, (OVERLAP_MINUTES - 1) * 60))
    def events_arrive(self, count: int, late_seconds: int) -> None:
        """New events, each stamped up to ``late_seconds`` before now (indexed late)."""
        for n in range(count):
            self.serial += 1
            when = self.now - timedelta(seconds=1 + (late_seconds * (n + 1)) // (count + 1))
            self.vendor.activities.append({
                "id": f"activity_{self.serial:08d}", "created_at": iso(when),
                "type": "claude_chat_created",
                "actor": {"type": "user_actor", "user_id": "user_x", "email_address": "x@y.z"}})

    @rule(minutes=st.integers(1, 600))
    def time_passes(self, minutes: int) -> None:
        self.now += timedelta(minutes=minutes)

    @rule(rate=st.sampled_from([0.0, 0.0, 0.1, 0.3]))
    def weather(self, rate: float) -> None:
        """How often the vendor answers 500/429 (retried by the client)."""
        self.fault_rate = rate

    # -- syncing ---------------------------------------------------------------------------

    @rule(page_size=st.integers(1, 12), crash_after=st.none() | st.integers(0, 8),
          before_commit=st.booleans())
    def sync(self, page_size: int, crash_after: int | None, before_commit: bool) -> None:
        def maybe_fault(path: str, query: dict[str, list[str]]) -> Any:
            self.rng_state = (self.rng_state * 1103515245 + 12345) % 2**31
            if path.startswith("/v1/compliance") and (self.rng_state % 1000) < (
                    self.fault_rate * 1000):
                return error(500 if self.rng_state % 2 else 429, "api_error",
                             **{"retry-after": "1"})
            return None

        SyncMachine.syncs += 1
        self.vendor.fault_when = maybe_fault
        config = AnthropicConfig(name="m", type="anthropic", base_url="http://vendor.test",
                                 api_key_env="K", activity_page_size=page_size,
                                 usage=False, claude_code=False, lookback_days=30,
                                 service_accounts=False, workload_identity=False,
                                 activity_overlap_minutes=OVERLAP_MINUTES, max_retries=8)
        connector = AnthropicConnector(config, HttpOptions(
            sleep=lambda _s: None, transport=mock_transport(self.vendor)))
        ctx = SyncContext(source="m", clock=Clock(self.now), cursors=dict(self.cursors),
                          env={"K": ADMIN_KEY})
        batches = 0
        finished = True
        gaps: list[Gap] = []
        for item in connector.sync(ctx):
            if isinstance(item, Gap):
                gaps.append(item)
            if not isinstance(item, Batch) or item.stream != "activities":
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
            truth = {e["id"] for e in self.vendor.activities
                     if parse_instant(e["created_at"]) < self.now}
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
        if not hasattr(self, "vendor"):
            return
        truth = {e["id"] for e in self.vendor.activities}
        assert set(self.stored) <= truth


@pytest.mark.timeout(1800)
def test_sync_state_machine() -> None:
    SyncMachine.TestCase.settings = settings(
        max_examples=EXAMPLES, stateful_step_count=12, deadline=None,
        suppress_health_check=[HealthCheck.too_slow])
    SyncMachine.runs = SyncMachine.syncs = 0
    SyncMachine.TestCase().runTest()
    assert SyncMachine.runs >= EXAMPLES  # T5: at least this many examples really ran
    print(f"sync machine: {SyncMachine.runs} examples, {SyncMachine.syncs} syncs")
