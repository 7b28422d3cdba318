"""Deterministic fault injection: which request fails, how, and the pagination pathologies.

Requests are numbered from 1 in arrival order (only API requests count). A fault set to
``every=N`` hits requests N, 2N, 3N, …; ``fail_requests`` hits exact request numbers; a seeded
``random_rate`` draws from one ``random.Random(random_seed)`` per request number, so a run with
the same request sequence sees the same faults.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from enum import StrEnum


class FaultKind(StrEnum):
    """What the server does instead of answering normally."""

    RATE_LIMIT = "rate_limit"
    OVERLOADED = "overloaded"
    SERVER_ERROR = "server_error"
    TRUNCATE = "truncate"


@dataclass(frozen=True, slots=True)
class FaultConfig:
    """Fault flags; the zero value means a well-behaved server."""

    rate_limit_every: int = 0
    retry_after: float = 1.0
    retry_after_http_date: bool = False
    overloaded_every: int = 0
    server_error_every: int = 0
    server_error_status: int = 500
    fail_requests: frozenset[int] = frozenset()
    slow_every: int = 0
    slow_seconds: float = 0.5
    truncate_every: int = 0
    page_cap: int = 0
    repeat_cursor: bool = False
    empty_page_with_more: bool = False
    random_rate: float = 0.0
    random_seed: int = 0
    path_prefix: str = ""
    latency: float = 0.0
    """Seconds added to every response (all paths): a remote vendor over loopback."""

    def active(self) -> bool:
        """True when any fault or pathology is configured."""
        return self != FaultConfig(path_prefix=self.path_prefix)


@dataclass(frozen=True, slots=True)
class Decision:
    """The faults that apply to one request."""

    number: int
    kind: FaultKind | None = None
    delay: float = 0.0


@dataclass(slots=True)
class FaultPlan:
    """Numbers requests and decides, deterministically, which ones misbehave."""

    config: FaultConfig = field(default_factory=FaultConfig)
    count: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def decide(self, path: str) -> Decision:
        """Number this request and return the faults to apply to it."""
        with self._lock:
            self.count += 1
            n = self.count
        cfg = self.config
        if cfg.path_prefix and not path.startswith(cfg.path_prefix):
            return Decision(n, delay=cfg.latency)
        delay = cfg.latency + (cfg.slow_seconds if _hit(n, cfg.slow_every) else 0.0)
        kind: FaultKind | None = None
        if _hit(n, cfg.rate_limit_every):
            kind = FaultKind.RATE_LIMIT
        elif _hit(n, cfg.overloaded_every):
            kind = FaultKind.OVERLOADED
        elif _hit(n, cfg.server_error_every) or n in cfg.fail_requests:
            kind = FaultKind.SERVER_ERROR
        elif _hit(n, cfg.truncate_every):
            kind = FaultKind.TRUNCATE
        elif cfg.random_rate > 0:
            draw = random.Random(cfg.random_seed * 1_000_003 + n)
            if draw.random() < cfg.random_rate:
                kind = draw.choice([FaultKind.RATE_LIMIT, FaultKind.OVERLOADED,
                                    FaultKind.SERVER_ERROR])
        return Decision(n, kind, delay)


def _hit(n: int, every: int) -> bool:
    return every > 0 and n % every == 0
