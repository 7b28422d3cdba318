"""Failed sign-in limiting: per email and per client address, over a sliding window.

In memory: one ``tenure serve`` process holds the counts (a restart forgets them, which an
attacker cannot trigger remotely). Only failures count, so a user who signs in is not slowed.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable


class LoginLimiter:
    """Refuses further attempts once ``max_failures`` failed within ``window`` seconds."""

    def __init__(self, max_failures: int, window: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.max_failures = max_failures
        self.window = window
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.setdefault(key, deque())
        while times and now - times[0] >= self.window:
            times.popleft()
        return times

    def retry_after(self, email: str, address: str) -> int:
        """Seconds until another attempt is allowed (0: allowed now)."""
        now = self._clock()
        with self._lock:
            waits = []
            for key, limit in ((f"e:{email}", self.max_failures),
                               (f"a:{address}", self.max_failures * 4)):
                times = self._recent(key, now)
                if len(times) >= limit:
                    waits.append(self.window - (now - times[-limit]))
            return int(max(waits) + 1) if waits else 0

    def failed(self, email: str, address: str) -> None:
        """Count one failed attempt."""
        now = self._clock()
        with self._lock:
            for key in (f"e:{email}", f"a:{address}"):
                self._recent(key, now).append(now)
            if len(self._failures) > 100_000:  # bound memory under a spray of emails
                self._failures = {k: v for k, v in self._failures.items() if v}

    def succeeded(self, email: str) -> None:
        """Forget the email's failures after a successful sign-in."""
        with self._lock:
            self._failures.pop(f"e:{email}", None)
