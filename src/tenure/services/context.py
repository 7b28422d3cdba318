"""The application context every use case receives: settings, clock, store, actor."""

from __future__ import annotations

import os
import pwd
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa

from tenure.clock import Clock
from tenure.config import Settings, load_settings
from tenure.evidence import keys, sealing
from tenure.store.db import make_engine, migrate

if TYPE_CHECKING:
    from tenure.services.web_users import WebUser


@dataclass
class App:
    """Built once per CLI invocation or web process; nothing is created at import time."""

    settings: Settings
    clock: Clock = field(default_factory=Clock)
    actor: str = "cli"
    wall_clock: Clock = field(default_factory=Clock)
    user: WebUser | None = None  # the authenticated person (see tenure.services.principal)
    auth_problem: str | None = None  # why a presented token did not authenticate
    _engine: sa.Engine | None = field(default=None, repr=False)

    @property
    def engine(self) -> sa.Engine:
        """The store, migrated to the newest schema on first use."""
        if self._engine is None:
            engine = make_engine(self.settings.database.url)
            migrate(engine)
            evidence = self.settings.evidence
            if evidence.signing:
                sealing.install(engine, sealing.LedgerSeal(
                    lambda: keys.load_signing_key(key_file=evidence.signing_key_file,
                                                  key_env=evidence.signing_key_env),
                    evidence.head_path))
            self._engine = engine
        return self._engine

    def now(self) -> datetime:
        """The evaluation clock's now (``--as-of`` when given): what checks, reports and
        populations are judged as of. Never what is recorded or guarded (see :meth:`wall`)."""
        return self.clock.now()

    def wall(self) -> datetime:
        """The real time: when something was decided, approved, planned, applied or recorded,
        and what age guards measure against. ``--as-of`` never changes it."""
        return self.wall_clock.now()

    def close(self) -> None:
        """Release database connections."""
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


def default_actor() -> str:
    """The unauthenticated local process, named by its OS user (``host:NAME``).

    Only what the host itself does (syncs, check runs, scheduled jobs) is recorded under this
    name; nothing in the environment can choose it (``TENURE_ACTOR`` is not read), and no
    decision, approval or apply accepts it (see :mod:`tenure.services.principal`).
    """
    # pwd, not getpass.getuser(): that one believes $LOGNAME and $USER
    try:
        return f"host:{pwd.getpwuid(os.getuid()).pw_name}"
    except (KeyError, OSError):
        return f"host:uid-{os.getuid()}"


def open_app(config: str | None = None, as_of: datetime | None = None) -> App:
    """Load the configuration and build the application context."""
    return App(settings=load_settings(config), clock=Clock(as_of), actor=default_actor())
