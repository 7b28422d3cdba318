"""Bounded fan-out and the shared retry-after hold-back of the one HTTP client."""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from tenure.connectors.fanout import fan_out
from tenure.connectors.http import HttpClient


def test_results_come_in_order_with_at_most_the_bound_in_flight() -> None:
    running, peak = [0], [0]
    lock = threading.Lock()

    def work(n: int) -> int:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.01)
        with lock:
            running[0] -= 1
        return n * n

    out = list(fan_out(work, range(40), 4))
    assert out == [(n, n * n) for n in range(40)]
    assert 1 < peak[0] <= 4


def test_an_error_surfaces_at_its_item() -> None:
    def work(n: int) -> int:
        if n == 5:
            raise ValueError("five")
        return n

    got: list[int] = []

    def consume() -> None:
        for n, _ in fan_out(work, range(10), 3):
            got.append(n)

    with pytest.raises(ValueError, match="five"):
        consume()
    assert got == [0, 1, 2, 3, 4]


def test_a_retry_after_holds_back_every_thread_of_the_client() -> None:
    calls = [0]

    def vendor(request: httpx.Request) -> httpx.Response:
        calls[0] += 1
        if calls[0] == 1:
            return httpx.Response(429, headers={"retry-after": "2"},
                                  json={"type": "error", "error": {"type": "rate_limit_error",
                                                                   "message": "slow down"}})
        return httpx.Response(200, json={"ok": True})

    slept: dict[str, list[float]] = {}

    def sleep(seconds: float) -> None:
        slept.setdefault(threading.current_thread().name, []).append(seconds)

    with HttpClient("http://vendor.test", headers={}, sleep=sleep,
                    transport=httpx.MockTransport(vendor)) as client:
        first = threading.Thread(target=client.get_json, args=("/a",), name="first")
        first.start()
        first.join()
        client.get_json("/b")  # another thread, within the announced two seconds
    assert slept["first"] == [2.0]  # the request that was answered waits through its retry
    assert 1.5 < slept[threading.current_thread().name][0] <= 2.0  # the other is held back
    assert client.requests == 3
