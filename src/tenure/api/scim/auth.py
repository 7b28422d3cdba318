"""Bearer-token authentication for /scim/v2 (tokens from ``tenure scim token create``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from scim2_models import UnauthorizedException

from tenure.api.deps import tenure_app
from tenure.services.context import App
from tenure.services.scim import Caller
from tenure.services.scim_tokens import authenticate


def scim_caller(request: Request, app: Annotated[App, Depends(tenure_app)]) -> Caller:
    """The source the presented bearer token pushes into; 401 otherwise."""
    header = request.headers.get("authorization", "")
    scheme, _, presented = header.partition(" ")
    if scheme.lower() != "bearer" or not presented.strip():
        raise UnauthorizedException(detail="a bearer token is required")
    token = authenticate(app, presented)
    if token is None:
        raise UnauthorizedException(detail="the bearer token is invalid or revoked")
    return Caller(source=token.source, actor=f"scim:{token.source}:{token.id}")


CallerDep = Annotated[Caller, Depends(scim_caller)]
"""Annotate an endpoint parameter with this to require a SCIM bearer token."""
