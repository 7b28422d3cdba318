"""Bearer-token authentication for /scim/v2 (tokens from ``tenure scim token create``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from scim2_models import UnauthorizedException

from tenure.api.deps import tenure_app
from tenure.services.context import App
from tenure.services.scim import Caller
from tenure.services.scim_tokens import authenticate

# auto_error=False: a missing or malformed header must get a SCIM Error, not FastAPI's 403.
_bearer = HTTPBearer(auto_error=False, scheme_name="scimBearer",
                     description="A token from `tenure scim token create`.")


def scim_caller(
    app: Annotated[App, Depends(tenure_app)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Caller:
    """The source the presented bearer token pushes into; 401 otherwise."""
    if credentials is None or not credentials.credentials.strip():
        raise UnauthorizedException(detail="a bearer token is required")
    token = authenticate(app, credentials.credentials)
    if token is None:
        raise UnauthorizedException(detail="the bearer token is invalid or revoked")
    return Caller(source=token.source, actor=f"scim:{token.source}:{token.id}")


CallerDep = Annotated[Caller, Depends(scim_caller)]
"""Annotate an endpoint parameter with this to require a SCIM bearer token."""
