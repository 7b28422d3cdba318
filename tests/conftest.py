"""Shared fixtures: a real SQLite file and a real PostgreSQL database for every store test.

PostgreSQL: ``TENURE_TEST_POSTGRES_URL`` (default ``postgresql://postgres@127.0.0.1:5432/postgres``)
is the server; a fresh database is created for the session. When the server is unreachable the
PostgreSQL variants are skipped — unless ``TENURE_REQUIRE_POSTGRES=1`` (CI), where that is an
error.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from tenure.clock import Clock
from tenure.config import DatabaseConfig, Settings
from tenure.services.context import App
from tenure.store import partitions, schema
from tenure.store.db import make_engine, migrate, normalize_url

PG_ADMIN_URL = os.environ.get(
    "TENURE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REQUIRE_PG = os.environ.get("TENURE_REQUIRE_POSTGRES") == "1"
FIXED_NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)

_pg_skip_reason: str | None = None

# CI runs are reproducible: the same examples every run (the nightly job explores more).
hypothesis_settings.register_profile(
    "ci", derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
hypothesis_settings.register_profile("dev", deadline=None)
hypothesis_settings.load_profile("ci" if os.environ.get("CI") else "dev")


def _create_pg_database() -> str | None:
    global _pg_skip_reason
    name = f"tenure_test_{uuid.uuid4().hex[:10]}"
    try:
        admin = sa.create_engine(normalize_url(PG_ADMIN_URL), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    except sa.exc.OperationalError as exc:
        _pg_skip_reason = f"PostgreSQL not reachable at {PG_ADMIN_URL}: {exc.orig}"
        if REQUIRE_PG:
            raise
        return None
    return str(sa.make_url(normalize_url(PG_ADMIN_URL)).set(database=name))


def _drop_pg_database(url: str) -> None:
    name = sa.make_url(url).database
    admin = sa.create_engine(normalize_url(PG_ADMIN_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def pg_database_url() -> Iterator[str | None]:
    """A migrated PostgreSQL database for this test session (None when unavailable)."""
    url = _create_pg_database()
    if url is None:
        yield None
        return
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    yield url
    _drop_pg_database(url)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file copied for each test (migrating once is faster)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


def _truncate_all(url: str) -> None:
    engine = make_engine(url)
    names = ", ".join(f'"{t.name}"' for t in schema.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        # A fresh store has no month partitions of activities (ingest creates them).
        months = sorted(partitions.existing_months(conn))
        if months:
            conn.exec_driver_sql("DROP TABLE " + ", ".join(
                f'"{partitions.partition_name(m)}"' for m in months))
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    """A fresh, migrated store: once on a SQLite file, once on PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "tenure.db"
        shutil.copy(sqlite_template, path)
        return f"sqlite:///{path}"
    pg_database_url: str | None = request.getfixturevalue("pg_database_url")
    if pg_database_url is None:
        pytest.skip(_pg_skip_reason or "PostgreSQL unavailable")
    _truncate_all(pg_database_url)
    return pg_database_url


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    """A fresh, migrated SQLite store only (for tests that do not touch SQL dialects)."""
    path = tmp_path / "tenure.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


def make_app(database_url: str, settings: Settings | None = None,
             now: datetime = FIXED_NOW) -> App:
    """An App on ``database_url`` with a fixed clock (evaluation and wall alike; the ledger
    still stamps the real time)."""
    base = settings or Settings()
    base = base.model_copy(update={"database": DatabaseConfig(url=database_url)})
    return App(settings=base, clock=Clock(now), actor="test", wall_clock=Clock(now))


@pytest.fixture
def app(database_url: str) -> Iterator[App]:
    """An App with no sources on both databases, clock fixed at FIXED_NOW."""
    application = make_app(database_url)
    yield application
    application.close()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say plainly when the PostgreSQL suite did not run."""
    if _pg_skip_reason:
        terminalreporter.write_sep("!", "PostgreSQL suite SKIPPED", yellow=True)
        terminalreporter.write_line(_pg_skip_reason)
        terminalreporter.write_line("Set TENURE_REQUIRE_POSTGRES=1 to make this an error.")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """pytest-playwright launches the system Chromium (Debian's), never a downloaded build;
    absent means skip locally and fail in CI."""
    from tests.browsing import find_chromium

    binary = find_chromium()
    if binary is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is required in CI (apt-get install -y chromium)")
        pytest.skip("chromium not installed (apt-get install -y chromium)")
    return {**browser_type_launch_args, "executable_path": binary, "headless": True,
            "args": ["--no-sandbox", "--disable-gpu", "--disable-quic",
                     "--disable-background-networking", "--disable-component-update",
                     "--hide-scrollbars"]}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    """A desktop-sized page in UTC and English, downloads accepted."""
    return {**browser_context_args, "viewport": {"width": 1280, "height": 900},
            "timezone_id": "UTC", "locale": "en-US", "accept_downloads": True}


def ensure_user(app: App, email: str, role: str = "admin") -> None:
    """A real, enabled Tenure user ``email`` with ``role`` in the store (test set-up writes the
    row directly; the product creates users through ``tenure users add``)."""
    u = schema.web_users
    with app.engine.begin() as conn:
        if conn.execute(sa.select(u.c.email).where(u.c.email == email)).first() is None:
            conn.execute(u.insert().values(email=email, role=role, password_hash=None,
                                           created_at=FIXED_NOW, created_by="test"))


def signed_in(app: App, email: str, role: str = "admin") -> App:
    """``app`` acting as the authenticated user ``email`` (created with ``role`` if new), as
    the web session or a CLI token would make it."""
    from tenure.services.principal import as_user
    from tenure.services.web_users import get_user

    email = email.strip().lower()
    ensure_user(app, email, role)
    user = get_user(app, email)
    assert user is not None, f"{email} is disabled"
    return as_user(app, user, via="cli")


def user_token(app: App, email: str, role: str = "admin") -> str:
    """A personal API token of ``email`` (created with ``role`` if new), for CLI tests that
    set ``TENURE_TOKEN``."""
    from tenure.services.web_users import create_token

    return create_token(signed_in(app, email, role), email, "test")[1]


@pytest.fixture(autouse=True)
def _no_stored_cli_token(tmp_path_factory: pytest.TempPathFactory,
                         monkeypatch: pytest.MonkeyPatch) -> None:
    """No test acts as whoever ran ``tenure login`` on this machine: the CLI's credentials
    file lives in a fresh directory and ``TENURE_TOKEN`` is unset unless a test sets it."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("xdg-config")))
    monkeypatch.delenv("TENURE_TOKEN", raising=False)


def add_web_users(app: App, users: list[tuple[str, str]], password: str | None) -> None:
    """Create users through the product, as an installation does: the first admin is the
    bootstrap admin (no one signed in) unless the store already has one; the others are added
    by that admin."""
    from tenure.services import web_users
    from tenure.services.web_users import Role

    with app.engine.connect() as conn:
        existing = conn.execute(sa.select(schema.web_users.c.email).where(
            schema.web_users.c.role == "admin", schema.web_users.c.disabled_at.is_(None))
        ).scalars().first()
    acting = app
    if existing is not None:
        acting = signed_in(app, existing)
    else:
        admins = [email for email, role in users if role == "admin"]
        if admins:
            web_users.add_user(app, admins[0], Role.ADMIN, password)
            acting = signed_in(app, admins[0])
    for email, role in users:
        if web_users.get_user(app, email) is None:
            web_users.add_user(acting, email, Role(role), password)
