"""Sign-in limits over real HTTP (`tenure serve` on loopback): parallel wrong passwords are
counted atomically, and a spoofed X-Forwarded-For cannot pick a fresh client address."""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tenure.services import web_users
from tenure.services.web_users import Role
from tenure.store.db import migrate
from tenure.web.auth import resolve_client
from tests.conftest import make_app
from tests.scim.server import tenure_serve

PASSWORD = "correct horse battery staple"
VICTIM = "admin@corp.io"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """`tenure serve` over a SQLite store holding one admin (the default limit: 5)."""
    url = f"sqlite:///{tmp_path / 'tenure.db'}"
    config = tmp_path / "tenure.toml"
    config.write_text(f'[database]\nurl = "{url}"\n', encoding="utf-8")
    app = make_app(url)
    migrate(app.engine)
    web_users.add_user(app, VICTIM, Role.ADMIN, PASSWORD)
    app.close()
    with tenure_serve(config) as base:
        yield base


def _login_form(client: httpx.Client) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert match
    return match.group(1)


def _attempt(client: httpx.Client, csrf: str, email: str, password: str,
             headers: dict[str, str] | None = None) -> int:
    return client.post("/login", data={"email": email, "password": password,
                                       "csrf_token": csrf},
                       headers={"Origin": str(client.base_url).rstrip("/"), **(headers or {})}
                       ).status_code


def test_forty_parallel_wrong_passwords_check_at_most_the_limit(server: str) -> None:
    clients = [httpx.Client(base_url=server, timeout=60) for _ in range(40)]
    try:
        tokens = [_login_form(c) for c in clients]
        barrier = threading.Barrier(40)
        statuses: list[int] = []
        lock = threading.Lock()

        def run(i: int) -> None:
            barrier.wait()
            status = _attempt(clients[i], tokens[i], VICTIM, f"wrong password {i}")
            with lock:
                statuses.append(status)

        threads = [threading.Thread(target=run, args=(i,)) for i in range(40)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        for c in clients:
            c.close()
    counted = Counter(statuses)
    assert set(counted) <= {401, 429}
    assert counted[401] <= 5, counted  # password checks actually made
    assert counted[429] >= 35
    with httpx.Client(base_url=server, timeout=30) as client:  # the right one waits too
        assert _attempt(client, _login_form(client), VICTIM, PASSWORD) == 429


def test_spoofed_forwarded_for_does_not_escape_the_address_limit(server: str) -> None:
    """The address limit is 4 x 5 = 20 failures; fresh emails and a new X-Forwarded-For
    each time must still hit it (no trusted proxy is configured)."""
    with httpx.Client(base_url=server, timeout=30) as client:
        csrf = _login_form(client)
        statuses = [_attempt(client, csrf, f"user{i}@corp.io", "wrong password!",
                             {"X-Forwarded-For": f"203.0.113.{i}"}) for i in range(22)]
    assert statuses[:20] == [401] * 20
    assert statuses[20:] == [429, 429]


def test_forwarded_for_is_read_only_from_trusted_proxies() -> None:
    assert resolve_client("127.0.0.1", ["203.0.113.9"], ()) == "127.0.0.1"
    assert resolve_client("198.51.100.7", ["203.0.113.9"], ("10.0.0.0/8",)) == "198.51.100.7"
    # Behind a trusted proxy: the rightmost address that is not itself a trusted proxy.
    assert resolve_client("10.0.0.2", ["1.1.1.1, 203.0.113.9, 10.0.0.3"],
                          ("10.0.0.0/8",)) == "203.0.113.9"
    assert resolve_client("10.0.0.2", [], ("10.0.0.0/8",)) == "10.0.0.2"
    assert resolve_client("10.0.0.2", ["not-an-ip"], ("10.0.0.0/8",)) == "10.0.0.2"
