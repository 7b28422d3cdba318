"""Global CLI options and the lazily built application context."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime

import typer

from tenure.cli.credentials import TOKEN_ENV, stored_token
from tenure.services.context import App, open_app


@dataclass
class CliState:
    """What the global options chose; the App is built on first use, not at start-up."""

    config: str | None = None
    as_of: datetime | None = None
    wide: bool = False
    """Tables show every column (``--wide``) instead of the ones that fit 80 columns."""
    _app: App | None = field(default=None, repr=False)

    def app(self) -> App:
        """The application context for this invocation, acting as the user whose personal
        API token is in ``$TENURE_TOKEN`` or stored by ``tenure login`` (unauthenticated,
        i.e. the host, when there is none)."""
        if self._app is None:
            from tenure.services.principal import with_token

            app = open_app(self.config, self.as_of)
            token = os.environ.get(TOKEN_ENV) or stored_token(app.settings.database.url)
            self._app = with_token(app, token) if token else app
        return self._app


def state(ctx: typer.Context) -> CliState:
    """The CliState of the running command."""
    root = ctx.find_root()
    if not isinstance(root.obj, CliState):
        root.obj = CliState()
    return root.obj
