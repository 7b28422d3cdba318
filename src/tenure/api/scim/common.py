"""What every SCIM endpoint shares: reading the body, paging, rendering resources."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from scim2_models import (
    Context,
    GroupMember,
    InvalidSyntaxException,
    InvalidValueException,
    Meta,
    PayloadTooLargeException,
    ResponseParameters,
)

from tenure.api import safejson
from tenure.api.scim.auth import CallerDep
from tenure.services.scim_types import (
    MAX_PAGE,
    POLICY,
    ListPage,
    PageRequest,
    ScimGroup,
    StoredGroup,
    StoredUser,
)

MAX_BODY_BYTES = 1024 * 1024
"""Largest request body accepted (a group PATCH of thousands of members fits)."""

LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
MAX_START_INDEX = 2**31 - 1
"""The largest ``startIndex`` served (list and search alike); larger asks read past the end."""


def body_doc(schema_urn: str, example: dict[str, Any]) -> dict[str, Any]:
    """OpenAPI for a SCIM request body (read by ``json_body``, validated by scim2-models).

    Any JSON object is documented as accepted: what is not a valid resource is answered
    with a SCIM error, never a 500, which is what an API fuzzer should explore.
    """
    schema = {"type": "object", "additionalProperties": True,
              "description": f"A SCIM document ({schema_urn}), RFC 7643/7644."}
    return {"requestBody": {"required": True, "content": {
        media: {"schema": schema, "example": example}
        for media in ("application/scim+json", "application/json")}}}


def _query(name: str, description: str, kind: str = "string") -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": {"type": kind}}


_ATTRIBUTES = [
    _query("attributes", "Comma-separated attributes to return (RFC 7644 §3.9)."),
    _query("excludedAttributes", "Comma-separated attributes to leave out."),
]
LIST_DOC: dict[str, Any] = {"parameters": [
    _query("filter", "RFC 7644 filter over the allowlisted attributes."),
    _query("startIndex", "1-based index of the first result.", "integer"),
    _query("count", "Page size (at most 1000).", "integer"), *_ATTRIBUTES]}
"""OpenAPI for a list endpoint's query string (read in ``page_request`` and friends)."""
GET_DOC: dict[str, Any] = {"parameters": _ATTRIBUTES}
"""OpenAPI for a single-resource GET's query string."""


USER_EXAMPLE: dict[str, Any] = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
    "userName": "ada@example.com", "externalId": "00ujl29u0le5T6Aj10h7", "active": True,
    "name": {"givenName": "Ada", "familyName": "Lovelace"},
    "emails": [{"value": "ada@example.com", "type": "work", "primary": True}],
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
        "employeeNumber": "1001", "department": "Engineering"}}
GROUP_EXAMPLE: dict[str, Any] = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Engineering",
    "members": [{"value": "<user id>"}]}
PATCH_EXAMPLE: dict[str, Any] = {
    "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
    "Operations": [{"op": "Replace", "path": "active", "value": "False"}]}
SEARCH_EXAMPLE: dict[str, Any] = {
    "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
    "filter": 'userName eq "ada@example.com"', "startIndex": 1, "count": 10}


async def json_body(request: Request, caller: CallerDep) -> Any:
    """The request body as JSON: ``invalidSyntax`` when it is not, 413 when too large."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise PayloadTooLargeException(detail=f"body larger than {MAX_BODY_BYTES} bytes")
    raw = bytearray()
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_BODY_BYTES:
            raise PayloadTooLargeException(detail=f"body larger than {MAX_BODY_BYTES} bytes")
    try:
        body, found = safejson.loads(bytes(raw))
    except safejson.UnsafeJson as exc:
        raise InvalidSyntaxException(detail=str(exc)) from None
    # Replaced, not refused (an IdP cannot fix a byte it does not know it sent): the push's
    # run and ledger entry list what changed.
    caller.problems.extend({"field": path or "body", "reason": why} for path, why in found)
    if not isinstance(body, dict):
        raise InvalidSyntaxException(detail="the body must be a JSON object")
    return body


def _int_param(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    try:
        return int(raw)
    except ValueError:
        raise InvalidValueException(detail=f"{name} must be an integer") from None


def page_request(request: Request) -> PageRequest:
    """RFC 7644 §3.4.2.4: startIndex < 1 means 1, count < 0 means 0, capped at MAX_PAGE."""
    start = _int_param(request, "startIndex") or 1
    count = _int_param(request, "count")
    count = 100 if count is None else count
    return PageRequest(start_index=max(1, min(start, MAX_START_INDEX)),
                       count=max(0, min(count, MAX_PAGE)))


def _attribute_list(request: Request, name: str) -> list[str] | None:
    raw = request.query_params.get(name)
    if not raw:
        return None
    return [part.strip() for part in raw.split(",") if part.strip()] or None


def response_parameters(request: Request) -> ResponseParameters[Any] | None:
    """``attributes`` / ``excludedAttributes`` of the query string."""
    attributes = _attribute_list(request, "attributes")
    excluded = _attribute_list(request, "excludedAttributes")
    if attributes is None and excluded is None:
        return None
    params: ResponseParameters[Any] = ResponseParameters.model_validate(
        {"attributes": attributes, "excludedAttributes": excluded})
    return params


def location(request: Request, endpoint: str, resource_id: str) -> str:
    """The absolute URL of a resource on this server."""
    return f"{str(request.base_url).rstrip('/')}/scim/v2/{endpoint}/{resource_id}"


def render(request: Request, stored: StoredUser | StoredGroup, *, context: Context,
           params: ResponseParameters[Any] | None = None) -> dict[str, Any]:
    """A stored resource as a response body, with its meta."""
    endpoint = "Users" if isinstance(stored, StoredUser) else "Groups"
    resource = stored.resource
    if isinstance(resource, ScimGroup):
        resource.members = [
            GroupMember.model_validate({**m.model_dump(scim_ctx=None, by_alias=True),
                                        "$ref": location(request, "Users", str(m.value))})
            for m in resource.members or []] or None
    resource.meta = Meta(resource_type=stored.meta.resource_type, created=stored.meta.created,
                         last_modified=stored.meta.last_modified,
                         location=location(request, endpoint, stored.id),
                         version=f'W/"{stored.meta.version}"')
    return resource.model_dump(scim_ctx=context, response_parameters=params,
                               scim_policy=POLICY)


def render_list(request: Request, page: ListPage[StoredUser] | ListPage[StoredGroup],
                params: ResponseParameters[Any] | None) -> dict[str, Any]:
    """A ListResponse for one page."""
    return {
        "schemas": [LIST_RESPONSE], "totalResults": page.total,
        "startIndex": page.start_index, "itemsPerPage": len(page.items),
        "Resources": [render(request, item, context=Context.RESOURCE_QUERY_RESPONSE,
                             params=params) for item in page.items],
    }
