"""Run a producer one step ahead of its consumer, in a background thread.

The import's CPU-bound half (read, parse, normalize, compress a batch) overlaps the database
half (insert, roll up) of the previous batch: zlib, hashlib, sqlite3 and psycopg all release
the GIL while they work, so on two cores the two halves really run at once. Memory stays
bounded: at most ``depth`` items wait between the two.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

_ITEM, _DONE, _ERROR = range(3)


def prefetched(items: Iterable[T], *, depth: int = 1) -> Iterator[T]:
    """Yield ``items`` as a background thread produces them, at most ``depth`` ahead.

    An exception in the producer is re-raised in the consumer at the point it happened; when
    the consumer stops early (an exception or ``close()``), the producer is told to stop and
    joined before this generator returns, so no thread outlives it.
    """
    channel: queue.Queue[tuple[int, object]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def send(message: tuple[int, object]) -> bool:
        while not stop.is_set():
            try:
                channel.put(message, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not send((_ITEM, item)):
                    return
        except BaseException as exc:  # handed to the consumer, re-raised there
            send((_ERROR, exc))
            return
        send((_DONE, None))

    worker = threading.Thread(target=produce, name="tenure-prefetch", daemon=True)
    worker.start()
    try:
        while True:
            kind, value = channel.get()
            if kind == _ITEM:
                yield value  # type: ignore[misc]
            elif kind == _ERROR:
                assert isinstance(value, BaseException)
                raise value
            else:
                return
    finally:
        stop.set()
        worker.join()
