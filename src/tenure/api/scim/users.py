"""/scim/v2/Users: create, read, list (filter, pagination), replace, patch, delete."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from scim2_models import Context, PatchOp

from tenure.api.deps import tenure_app
from tenure.api.scim.auth import CallerDep
from tenure.api.scim.common import (
    GET_DOC,
    LIST_DOC,
    PATCH_EXAMPLE,
    SEARCH_EXAMPLE,
    USER_EXAMPLE,
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
from tenure.api.scim.patch import normalize_resource, normalize_user_patch
from tenure.api.scim.search import search_query
from tenure.services import scim
from tenure.services.context import App
from tenure.services.scim_types import POLICY, USER_FILTERABLE, ScimUser

CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
AppDep = Annotated[App, Depends(tenure_app)]
BodyDep = Annotated[dict[str, Any], Depends(json_body)]

router = APIRouter(prefix="/Users", tags=["SCIM Users"])


def _user(body: dict[str, Any], context: Context) -> ScimUser:
    return ScimUser.model_validate(normalize_resource(body), scim_ctx=context,
                                   scim_policy=POLICY)


@router.post("", status_code=201, summary="Create a User (a joiner)",
             openapi_extra=body_doc("urn:ietf:params:scim:schemas:core:2.0:User", USER_EXAMPLE))
def create_user(request: Request, app: AppDep, caller: CallerDep, body: BodyDep) -> Response:
    """Okta/Entra provisioning a new person."""
    stored = scim.create_user(app, caller, _user(body, Context.RESOURCE_CREATION_REQUEST))
    return ScimResponse(render(request, stored, context=Context.RESOURCE_CREATION_RESPONSE),
                        status_code=201,
                        headers={"Location": location(request, "Users", stored.id)})


@router.get("", summary="List Users (filter, startIndex, count)", openapi_extra=LIST_DOC)
def list_users(request: Request, app: AppDep, caller: CallerDep) -> Response:
    """Filters: userName, externalId, id, emails.value, active (eq, ne, co, sw, ew, pr)."""
    criterion = parse_filter(request.query_params.get("filter"), USER_FILTERABLE, CORE_USER)
    page = scim.list_users(app, caller, criterion, page_request(request))
    return ScimResponse(render_list(request, page, response_parameters(request)))


@router.post("/.search", summary="Search Users (POST form of the list)",
             openapi_extra=body_doc("urn:ietf:params:scim:api:messages:2.0:SearchRequest",
                                    SEARCH_EXAMPLE))
def search_users(request: Request, app: AppDep, caller: CallerDep, body: BodyDep) -> Response:
    """RFC 7644 §3.4.3: the query of a list, sent as a SearchRequest body."""
    query = search_query(request, body, USER_FILTERABLE, CORE_USER)
    page = scim.list_users(app, caller, query.criterion, query.page)
    return ScimResponse(render_list(request, page, query.params))


@router.get("/{user_id}", summary="Read a User", openapi_extra=GET_DOC)
def get_user(request: Request, user_id: str, app: AppDep, caller: CallerDep) -> Response:
    """One user of the caller's source (another source's user is not found)."""
    stored = scim.get_user(app, caller, user_id)
    return ScimResponse(render(request, stored, context=Context.RESOURCE_QUERY_RESPONSE,
                               params=response_parameters(request)))


@router.put("/{user_id}", summary="Replace a User",
            openapi_extra=body_doc("urn:ietf:params:scim:schemas:core:2.0:User", USER_EXAMPLE))
def replace_user(request: Request, user_id: str, app: AppDep, caller: CallerDep,
                 body: BodyDep) -> Response:
    """The whole resource replaced; department/manager/active changes become mover/leaver."""
    user = _user(body, Context.RESOURCE_REPLACEMENT_REQUEST)
    stored = scim.replace_user(app, caller, user_id, user)
    return ScimResponse(render(request, stored,
                               context=Context.RESOURCE_REPLACEMENT_RESPONSE))


@router.patch("/{user_id}", summary="Patch a User (Okta and Entra operation shapes)",
              openapi_extra=body_doc("urn:ietf:params:scim:api:messages:2.0:PatchOp",
                                     PATCH_EXAMPLE))
def patch_user(request: Request, user_id: str, app: AppDep, caller: CallerDep,
               body: BodyDep) -> Response:
    """add / replace / remove, including Entra's capitalised ops and value paths."""
    patch = PatchOp[ScimUser].model_validate(
        normalize_user_patch(body), scim_ctx=Context.RESOURCE_PATCH_REQUEST,
        scim_policy=POLICY)
    stored = scim.patch_user(app, caller, user_id, patch)
    return ScimResponse(render(request, stored, context=Context.RESOURCE_PATCH_RESPONSE))


@router.delete("/{user_id}", status_code=204, summary="Delete a User (a leaver)")
def delete_user(user_id: str, app: AppDep, caller: CallerDep) -> Response:
    """The person becomes terminated; the SCIM resource and its memberships go."""
    scim.delete_user(app, caller, user_id)
    return Response(status_code=204)
