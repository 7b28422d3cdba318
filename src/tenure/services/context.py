"""The application context every use case receives: settings, clock, store, actor."""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from tenure.clock import Clock
from tenure.config import Settings, load_settings
from tenure.store.db import make_engine, migrate


@dataclass
class App:
    """Built once per CLI invocation or web process; nothing is created at import time."""

    settings: Settings
    clock: Clock = field(default_factory=Clock)
    actor: str = "cli"
    _engine: sa.Engine | None = field(default=None, repr=False)

    @property
    def engine(self) -> sa.Engine:
        """The store, migrated to the newest schema on first use."""
        if self._engine is None:
            engine = make_engine(self.settings.database.url)
            migrate(engine)
            self._engine = engine
        return self._engine

    def now(self) -> datetime:
        """The application clock's now (``--as-of`` when given)."""
        return self.clock.now()

    def close(self) -> None:
        """Release database connections."""
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


def default_actor() -> str:
    """Who is acting: ``$TENURE_ACTOR``, else the OS user."""
    explicit = os.environ.get("TENURE_ACTOR")
    if explicit:
        return explicit
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def open_app(config: str | None = None, as_of: datetime | None = None) -> App:
    """Load the configuration and build the application context."""
    return App(settings=load_settings(config), clock=Clock(as_of), actor=default_actor())
