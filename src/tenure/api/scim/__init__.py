"""The SCIM 2.0 service provider (RFC 7643/7644) mounted at /scim/v2."""

from __future__ import annotations

from fastapi import APIRouter

from tenure.api.scim import discovery, groups, users
from tenure.api.scim.errors import SCIM_PREFIX


def scim_router() -> APIRouter:
    """Users, Groups and discovery endpoints under /scim/v2."""
    router = APIRouter(prefix=SCIM_PREFIX)
    router.include_router(users.router)
    router.include_router(groups.router)
    router.include_router(discovery.router)
    return router
