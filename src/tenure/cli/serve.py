"""Command: serve (the HTTP server: SCIM receiver now, web app and REST API later)."""

from __future__ import annotations

from typing import Annotated

import typer

from tenure.cli.state import state


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(
        "--host", help="Address to listen on (default loopback only).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="TCP port to listen on.")] = 8000,
) -> None:
    """Serve the web app, the REST API (OpenAPI at /api/openapi.json) and the SCIM 2.0
    receiver at /scim/v2."""
    import threading
    from dataclasses import replace

    import uvicorn

    from tenure.api import create_app
    from tenure.services.context import default_actor
    from tenure.services.evidence import auto_checkpoint

    # the server acts as itself: each request as its signed-in user, never as whoever ran
    # `tenure login` on this host
    application = replace(state(ctx).app(), user=None, auth_problem=None,
                          actor=default_actor())
    interval = application.settings.evidence.checkpoint_interval_seconds
    stop = threading.Event()

    def checkpoints() -> None:
        while not stop.wait(interval):
            auto_checkpoint(application)

    if interval and application.settings.evidence.signing:
        threading.Thread(target=checkpoints, name="tenure-checkpoints", daemon=True).start()
    typer.echo(f"tenure: serving on http://{host}:{port} (web app at /, REST API at /api, "
               "SCIM at /scim/v2)", err=True)
    # Access logs carry paths only (never headers): the bearer token cannot reach them.
    # proxy_headers off: uvicorn would otherwise take X-Forwarded-For from any loopback peer
    # as the client address; Tenure reads it only from [web] trusted_proxies.
    try:
        uvicorn.run(create_app(application), host=host, port=port, log_level="warning",
                    server_header=False, proxy_headers=False)
    finally:
        stop.set()


def register(app: typer.Typer) -> None:
    """Add ``tenure serve`` to the root app."""
    app.command()(serve)
