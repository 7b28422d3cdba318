"""`tenure serve` as a subprocess on loopback, for the browser tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx
from playwright.sync_api import Page

AS_OF = "2026-11-25T12:00:00Z"


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(config_args: Sequence[str], cwd: Path,
            env: dict[str, str] | None = None) -> Iterator[str]:
    """Run `tenure serve` until the block ends; yields its base URL."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "tenure.cli", *config_args, "--as-of",
                             AS_OF, "serve", "--port", str(port)],
                            env=env or dict(os.environ), cwd=cwd,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120  # a shared CI machine can be slow to start it
        while True:
            if proc.poll() is not None:
                raise AssertionError(proc.stderr.read().decode() if proc.stderr else "exited")
            try:
                if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError("tenure serve did not start")
            time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def sign_in(page: Page, base: str, email: str, password: str) -> None:
    """Sign in through the form and wait for the landing page."""
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", password)
    with page.expect_navigation():
        page.click('form[action="/login"] button')
    assert "/login" not in page.url, page.inner_text("main")


def sign_out(page: Page) -> None:
    """Sign out through the header form."""
    with page.expect_navigation():
        page.click('form[action="/logout"] button')
