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
def tenure_serve(config: Path, *, timeout: float = 30.0) -> Iterator[str]:
    """Run ``tenure --config CONFIG serve`` on 127.0.0.1; yields the base URL."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("TENURE_DATABASE_URL",
                                                            "TENURE_CONFIG")}
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("tenure")), "--config", str(config), "serve", "--host",
         "127.0.0.1", "--port", str(port)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                _, err = process.communicate()
                raise RuntimeError(f"tenure serve exited: {err.decode(errors='replace')}")
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
