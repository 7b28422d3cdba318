"""Property: any walk of cursors, in either direction, returns contiguous slices of the truth."""

from __future__ import annotations

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tenure.simulator import SimulatorServer
from tests.simulator.conftest import VERSION

STEPS = st.lists(st.tuples(st.sampled_from(["after", "before"]), st.integers(1, 400)),
                 min_size=1, max_size=6)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=st.integers(0, 10_000), steps=STEPS)
def test_feed_walks(sim: SimulatorServer, start: int, steps: list[tuple[str, int]]) -> None:
    truth = list(sim.state.feed.ids())  # newest first
    cursor = truth[start % len(truth)]
    headers = {"x-api-key": sim.admin_key, "anthropic-version": VERSION}
    with httpx.Client(base_url=sim.base_url, headers=headers) as c:
        for direction, limit in steps:
            body = c.get("/v1/compliance/activities",
                         params={"limit": limit, f"{direction}_id": cursor}).json()
            ids = [a["id"] for a in body["data"]]
            at = truth.index(cursor)
            if direction == "after":  # older: the next `limit` after the cursor
                expected = truth[at + 1:at + 1 + limit]
                more = at + 1 + limit < len(truth)
            else:  # newer: the `limit` just before the cursor, still newest first
                expected = truth[max(0, at - limit):at]
                more = at - limit > 0
            assert ids == expected
            assert body["has_more"] is more
            if not ids:
                return
            cursor = body["last_id"] if direction == "after" else body["first_id"]


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=st.integers(0, 1000), steps=STEPS)
def test_user_walks(sim: SimulatorServer, start: int, steps: list[tuple[str, int]]) -> None:
    headers = {"x-api-key": sim.admin_key, "anthropic-version": VERSION}
    with httpx.Client(base_url=sim.base_url, headers=headers) as c:
        truth = [u["id"] for u in c.get("/v1/organizations/users",
                                        params={"limit": 1000}).json()["data"]]
        cursor = truth[start % len(truth)]
        for direction, limit in steps:
            body = c.get("/v1/organizations/users",
                         params={"limit": limit, f"{direction}_id": cursor}).json()
            ids = [u["id"] for u in body["data"]]
            at = truth.index(cursor)
            expected = (truth[at + 1:at + 1 + limit] if direction == "after"
                        else truth[max(0, at - limit):at])
            assert ids == expected
            if not ids:
                return
            cursor = body["last_id"] if direction == "after" else body["first_id"]
