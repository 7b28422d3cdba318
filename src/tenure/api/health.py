"""/api/health: liveness for load balancers and for tests waiting on a started server."""

from __future__ import annotations

from fastapi import APIRouter

from tenure import __version__

router = APIRouter(prefix="/api", tags=["health"])


@router.get("/health", summary="Liveness")
def health() -> dict[str, str]:
    """The server is up; no authentication, no database access."""
    return {"status": "ok", "version": __version__}
