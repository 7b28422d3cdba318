"""/scim/v2 discovery: ServiceProviderConfig, Schemas, ResourceTypes (RFC 7644 §4).

Described from the scim2-models models themselves, so what we announce is what we validate.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from fastapi import APIRouter, Request, Response
from scim2_models import (
    AuthenticationScheme,
    Bulk,
    ChangePassword,
    Context,
    EnterpriseUser,
    ETag,
    Filter,
    Group,
    Meta,
    NotFoundException,
    NotImplementedException,
    Patch,
    Resource,
    ResourceType,
    ScimProvider,
    ServiceProviderConfig,
    Sort,
    User,
)

from tenure.api.scim.auth import CallerDep
from tenure.api.scim.common import LIST_RESPONSE
from tenure.api.scim.errors import ScimResponse
from tenure.services.scim_types import MAX_PAGE, POLICY, ScimUser

router = APIRouter(tags=["SCIM discovery"])


@cache
def provider() -> ScimProvider:
    """What this service announces (built once, on first use)."""
    config = ServiceProviderConfig(
        documentation_uri=None,
        patch=Patch(supported=True),
        bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
        filter=Filter(supported=True, max_results=MAX_PAGE),
        change_password=ChangePassword(supported=False),
        sort=Sort(supported=False),
        etag=ETag(supported=False),
        authentication_schemes=[AuthenticationScheme(
            type=AuthenticationScheme.Type.oauthbearertoken, name="Bearer token",
            description="A token from `tenure scim token create`, sent as "
            "'Authorization: Bearer <token>'", primary=True)],
    )
    return ScimProvider(
        models=[User, EnterpriseUser, Group],
        resource_types=[ResourceType.from_resource(ScimUser), ResourceType.from_resource(Group)],
        config=config, policy=POLICY,
    )


def _base(request: Request) -> str:
    return f"{str(request.base_url).rstrip('/')}/scim/v2"


def _dump(obj: Resource[Any], request: Request, endpoint: str, key: str,
          resource_type: str) -> dict[str, Any]:
    obj = obj.model_copy()
    obj.meta = Meta(resource_type=resource_type, location=f"{_base(request)}/{endpoint}/{key}")
    return obj.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)


def _list(items: list[dict[str, Any]]) -> Response:
    return ScimResponse({"schemas": [LIST_RESPONSE], "totalResults": len(items),
                         "startIndex": 1, "itemsPerPage": len(items), "Resources": items})


@router.get("/ServiceProviderConfig", summary="What this SCIM service supports")
def service_provider_config(request: Request, _caller: CallerDep) -> Response:
    """Patch and filter yes; bulk, sort, etag and password change no."""
    config = provider().config
    assert config is not None
    obj = config.model_copy()
    obj.meta = Meta(resource_type="ServiceProviderConfig",
                    location=f"{_base(request)}/ServiceProviderConfig")
    return ScimResponse(obj.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE))


@router.get("/Schemas", summary="The schemas (User, enterprise extension, Group)")
def schemas(request: Request, _caller: CallerDep) -> Response:
    """Every schema this service validates against."""
    return _list([_dump(s, request, "Schemas", str(s.id), "Schema")
                  for s in provider().schemas])


@router.get("/Schemas/{schema_id}", summary="One schema")
def schema(request: Request, schema_id: str, _caller: CallerDep) -> Response:
    """A schema by its URN."""
    for s in provider().schemas:
        if str(s.id).lower() == schema_id.lower():
            return ScimResponse(_dump(s, request, "Schemas", str(s.id), "Schema"))
    raise NotFoundException(detail=f"no schema {schema_id}")


@router.get("/ResourceTypes", summary="The resource types (User, Group)")
def resource_types(request: Request, _caller: CallerDep) -> Response:
    """User (with the enterprise extension) and Group."""
    return _list([_dump(r, request, "ResourceTypes", str(r.id or r.name), "ResourceType")
                  for r in provider().resource_types])


@router.get("/ResourceTypes/{name}", summary="One resource type")
def resource_type(request: Request, name: str, _caller: CallerDep) -> Response:
    """A resource type by its name."""
    for r in provider().resource_types:
        if str(r.id or r.name).lower() == name.lower():
            return ScimResponse(_dump(r, request, "ResourceTypes", str(r.id or r.name),
                                      "ResourceType"))
    raise NotFoundException(detail=f"no resource type {name}")


@router.post("/.search", include_in_schema=False)
def search_all(_caller: CallerDep) -> Response:
    """RFC 7644 §3.4.3 lets a server refuse a root search; query /Users or /Groups."""
    raise NotImplementedException(detail="searching several resource types at once is not "
                                  "supported; use /Users/.search or /Groups/.search")
