"""Start `tenure serve` as a real process on a loopback port (for HTTP-level tests)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx


def free_port() -> int:
    """A TCP port nothing listens on right now (loopback)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def tenure_serve(config: Path, *, log: Path | None = None, timeout: float = 30.0,
                 extra: tuple[str, ...] = ()) -> Iterator[str]:
    """Run ``tenure --config CONFIG serve`` on 127.0.0.1; yields the base URL.

    The server's stdout and stderr go to ``log`` (when given) for tests that grep them.
    """
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("TENURE_DATABASE_URL",
                                                            "TENURE_CONFIG")}
    sink = open(log, "wb") if log is not None else subprocess.DEVNULL  # noqa: SIM115
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("tenure")), "--config", str(config), *extra,
         "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=sink, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"tenure serve exited with {process.returncode}")
            try:
                if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("tenure serve did not start in time")
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if log is not None:
            sink.close()  # type: ignore[union-attr]
