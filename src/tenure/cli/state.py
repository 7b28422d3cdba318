"""Global CLI options and the lazily built application context."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import typer

from tenure.services.context import App, open_app


@dataclass
class CliState:
    """What the global options chose; the App is built on first use, not at start-up."""

    config: str | None = None
    as_of: datetime | None = None
    _app: App | None = field(default=None, repr=False)

    def app(self) -> App:
        """The application context for this invocation."""
        if self._app is None:
            self._app = open_app(self.config, self.as_of)
        return self._app


def state(ctx: typer.Context) -> CliState:
    """The CliState of the running command."""
    root = ctx.find_root()
    if not isinstance(root.obj, CliState):
        root.obj = CliState()
    return root.obj
