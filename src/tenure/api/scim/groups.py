"""/scim/v2/Groups: create, read, list, replace, patch (member add/remove), delete."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from scim2_models import Context, PatchOp

from tenure.api.deps import tenure_app
from tenure.api.scim.auth import CallerDep
from tenure.api.scim.common import (
    GET_DOC,
    GROUP_EXAMPLE,
    LIST_DOC,
    PATCH_EXAMPLE,
    SEARCH_EXAMPLE,
    body_doc,
    json_body,
    location,
    page_request,
    render,
    render_list,
    response_parameters,
)
from tenure.api.scim.errors import ScimResponse
from tenure.api.scim.filters import parse_filter
from tenure.api.scim.search import search_query
from tenure.services import scim_groups
from tenure.services.context import App
from tenure.services.scim_types import GROUP_FILTERABLE, POLICY, ScimGroup

CORE_GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
AppDep = Annotated[App, Depends(tenure_app)]
BodyDep = Annotated[dict[str, Any], Depends(json_body)]

router = APIRouter(prefix="/Groups", tags=["SCIM Groups"])


def _group(body: dict[str, Any], context: Context) -> ScimGroup:
    return ScimGroup.model_validate(body, scim_ctx=context, scim_policy=POLICY)


@router.post("", status_code=201, summary="Create a Group",
             openapi_extra=body_doc("urn:ietf:params:scim:schemas:core:2.0:Group", GROUP_EXAMPLE))
def create_group(request: Request, app: AppDep, caller: CallerDep, body: BodyDep) -> Response:
    """A pushed group with its member Users."""
    stored = scim_groups.create_group(app, caller,
                                      _group(body, Context.RESOURCE_CREATION_REQUEST))
    return ScimResponse(render(request, stored, context=Context.RESOURCE_CREATION_RESPONSE),
                        status_code=201,
                        headers={"Location": location(request, "Groups", stored.id)})


@router.get("", summary="List Groups (filter, startIndex, count)", openapi_extra=LIST_DOC)
def list_groups(request: Request, app: AppDep, caller: CallerDep) -> Response:
    """Filters: displayName, externalId, id, members.value."""
    criterion = parse_filter(request.query_params.get("filter"), GROUP_FILTERABLE, CORE_GROUP)
    page = scim_groups.list_groups(app, caller, criterion, page_request(request))
    return ScimResponse(render_list(request, page, response_parameters(request)))


@router.post("/.search", summary="Search Groups (POST form of the list)",
             openapi_extra=body_doc("urn:ietf:params:scim:api:messages:2.0:SearchRequest",
                                    SEARCH_EXAMPLE))
def search_groups(request: Request, app: AppDep, caller: CallerDep,
                  body: BodyDep) -> Response:
    """RFC 7644 §3.4.3."""
    query = search_query(request, body, GROUP_FILTERABLE, CORE_GROUP)
    page = scim_groups.list_groups(app, caller, query.criterion, query.page)
    return ScimResponse(render_list(request, page, query.params))


@router.get("/{group_id}", summary="Read a Group", openapi_extra=GET_DOC)
def get_group(request: Request, group_id: str, app: AppDep, caller: CallerDep) -> Response:
    """One group of the caller's source, members included unless excluded."""
    stored = scim_groups.get_group(app, caller, group_id)
    return ScimResponse(render(request, stored, context=Context.RESOURCE_QUERY_RESPONSE,
                               params=response_parameters(request)))


@router.put("/{group_id}", summary="Replace a Group",
            openapi_extra=body_doc("urn:ietf:params:scim:schemas:core:2.0:Group", GROUP_EXAMPLE))
def replace_group(request: Request, group_id: str, app: AppDep, caller: CallerDep,
                  body: BodyDep) -> Response:
    """Name and the whole member list replaced."""
    stored = scim_groups.replace_group(app, caller, group_id,
                                       _group(body, Context.RESOURCE_REPLACEMENT_REQUEST))
    return ScimResponse(render(request, stored,
                               context=Context.RESOURCE_REPLACEMENT_RESPONSE))


@router.patch("/{group_id}", summary="Patch a Group (member add/remove, rename)",
              openapi_extra=body_doc("urn:ietf:params:scim:api:messages:2.0:PatchOp",
                                     PATCH_EXAMPLE))
def patch_group(request: Request, group_id: str, app: AppDep, caller: CallerDep,
                body: BodyDep) -> Response:
    """Okta ``remove members[value eq "id"]`` and Entra ``Remove members`` with a value."""
    patch = PatchOp[ScimGroup].model_validate(
        body, scim_ctx=Context.RESOURCE_PATCH_REQUEST, scim_policy=POLICY)
    stored = scim_groups.patch_group(app, caller, group_id, patch)
    return ScimResponse(render(request, stored, context=Context.RESOURCE_PATCH_RESPONSE))


@router.delete("/{group_id}", status_code=204, summary="Delete a Group")
def delete_group(group_id: str, app: AppDep, caller: CallerDep) -> Response:
    """The group and its memberships go (the people stay)."""
    scim_groups.delete_group(app, caller, group_id)
    return Response(status_code=204)
