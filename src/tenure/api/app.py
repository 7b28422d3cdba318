"""The app factory: ``create_app(app)`` builds one FastAPI application over one App context.

Nothing is created at import time (no global app or engine): the CLI (``tenure serve``), the
tests and later the web UI each build their own. Routers are per area; the web pages, sign-in
and the REST API for reviewers (issue 9) add theirs here.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from tenure import __version__
from tenure.api import docs, health
from tenure.api.contract import install_contract
from tenure.api.scim import scim_router
from tenure.api.scim.errors import install_error_handlers
from tenure.services.context import App
from tenure.web.app import install_web


def create_app(app: App) -> FastAPI:
    """A FastAPI application serving ``app``'s store (OpenAPI at /api/openapi.json)."""

    @asynccontextmanager
    async def lifespan(_api: FastAPI) -> AsyncIterator[None]:
        _ = app.engine  # migrate before the first request, not inside one
        yield

    api = FastAPI(title="Tenure", version=__version__, lifespan=lifespan,
                  openapi_url="/api/openapi.json", docs_url=None, redoc_url=None,
                  description="Identity governance for AI platforms. SCIM 2.0 receiver at "
                  "/scim/v2 (bearer token from `tenure scim token create`); REST API under /api "
                  "(Authorization: Bearer token from `tenure tokens create`, or the web "
                  "session cookie plus an X-CSRF-Token header).")
    api.state.tenure = app
    install_error_handlers(api)
    api.include_router(health.router)
    api.include_router(scim_router())
    install_web(api, app)
    api.include_router(docs.router)
    install_contract(api)
    return api
