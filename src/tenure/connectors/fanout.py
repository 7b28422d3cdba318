"""Bounded-concurrency fan-out for per-object reads (each service account's workspaces, each
federation rule's workspaces, each workspace's agents).

A plain thread pool over the one HTTP layer (``connectors.http.HttpClient`` is thread-safe and
holds every worker back while a ``retry-after`` runs), not an async client: the connectors are
synchronous generators, and one blocking client with a bound on in-flight calls keeps one code
path for retries, redaction and accounting.

Results come back in input order; at most ``concurrency`` calls are in flight and at most twice
that many finished or queued, so memory is bounded by the bound, not by the number of objects.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def fan_out(fn: Callable[[T], R], items: Iterable[T], concurrency: int
            ) -> Iterator[tuple[T, R]]:
    """``(item, fn(item))`` for every item, in order, with at most ``concurrency`` at once.

    An exception raised by ``fn`` is raised here, at that item's turn; calls not yet started
    are cancelled when the consumer stops early or an exception propagates.
    """
    if concurrency <= 1:
        for item in items:
            yield item, fn(item)
        return
    pending: deque[tuple[T, Future[R]]] = deque()
    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="tenure-fanout") as pool:
        try:
            for item in items:
                pending.append((item, pool.submit(fn, item)))
                # Twice the bound queued: a slow head does not leave workers idle.
                if len(pending) >= 2 * concurrency:
                    head, future = pending.popleft()
                    yield head, future.result()
            while pending:
                head, future = pending.popleft()
                yield head, future.result()
        finally:
            for _, future in pending:
                future.cancel()
