"""Failed sign-in limiting: per email and per client address, over a sliding window.

In memory: one ``tenure serve`` process holds the counts (a restart forgets them, which an
attacker cannot trigger remotely). Only failures count, so a user who signs in is not slowed.

An attempt reserves its place *before* the (slow, argon2) password check and under one lock:
attempts in flight count against the limit like failures, so 40 parallel wrong passwords for
one email get at most ``max_failures`` password checks, not 40.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Attempt:
    """A reserved sign-in attempt: report it with ``failed`` or ``succeeded``."""

    email: str
    address: str
    at: float


class LoginLimiter:
    """Refuses further attempts once ``max_failures`` failed (or are being checked) within
    ``window`` seconds for one email (4x that for one client address)."""

    def __init__(self, max_failures: int, window: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.max_failures = max_failures
        self.window = window
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._pending: dict[str, int] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.setdefault(key, deque())
        while times and now - times[0] >= self.window:
            times.popleft()
        return times

    def _keys(self, email: str, address: str) -> tuple[tuple[str, int], ...]:
        return ((f"e:{email}", self.max_failures), (f"a:{address}", self.max_failures * 4))

    def begin(self, email: str, address: str) -> Attempt | int:
        """Reserve an attempt, or the seconds to wait when the limit is reached (atomic)."""
        now = self._clock()
        with self._lock:
            waits: list[float] = []
            for key, limit in self._keys(email, address):
                times = self._recent(key, now)
                pending = self._pending.get(key, 0)
                if len(times) >= limit:
                    waits.append(self.window - (now - times[-limit]))
                elif len(times) + pending >= limit:
                    waits.append(1.0)  # attempts still being checked finish within seconds
            if waits:
                return max(1, int(max(waits) + 1))
            for key, _ in self._keys(email, address):
                self._pending[key] = self._pending.get(key, 0) + 1
            return Attempt(email, address, now)

    def _release(self, attempt: Attempt) -> None:
        for key, _ in self._keys(attempt.email, attempt.address):
            left = self._pending.get(key, 0) - 1
            if left > 0:
                self._pending[key] = left
            else:
                self._pending.pop(key, None)

    def failed(self, attempt: Attempt) -> None:
        """Count the reserved attempt as a failure."""
        now = self._clock()
        with self._lock:
            self._release(attempt)
            for key, _ in self._keys(attempt.email, attempt.address):
                self._recent(key, now).append(now)
            if len(self._failures) > 100_000:  # bound memory under a spray of emails
                self._failures = {k: v for k, v in self._failures.items() if v}

    def succeeded(self, attempt: Attempt) -> None:
        """Release the attempt and forget the email's failures."""
        with self._lock:
            self._release(attempt)
            self._failures.pop(f"e:{attempt.email}", None)
