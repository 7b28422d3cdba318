"""Dependencies shared by every router: the application context of this server."""

from __future__ import annotations

from fastapi import Request

from tenure.services.context import App


def tenure_app(request: Request) -> App:
    """The App this server was built with (``create_app(app)``), never a global."""
    app = request.app.state.tenure
    assert isinstance(app, App)
    return app
