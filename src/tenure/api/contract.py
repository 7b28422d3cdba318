"""The OpenAPI document says what the server really answers: FastAPI lists only the success
status and 422, but every route can also refuse (bad input, no or wrong credentials, not
allowed, not found, conflict, too large, store busy), and SCIM answers ``application/scim+json``
(RFC 7644 §3.1), errors as SCIM Error objects. schemathesis checks the document against the
server (tests/web/test_schemathesis.py, tests/scim/test_schemathesis.py).
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI, Request

SCIM_MEDIA = "application/scim+json"
_METHODS = ("get", "post", "put", "patch", "delete")

_API_ERROR = {"type": "object", "properties": {"detail": {}}, "required": ["detail"]}
_SCIM_ERROR = {
    "type": "object", "required": ["schemas", "status"],
    "properties": {
        "schemas": {"type": "array", "items": {"type": "string"}},
        "status": {"type": "string"}, "scimType": {"type": "string"},
        "detail": {"type": "string"}}}
_WHY = {400: "Bad request (invalid input)", 401: "No or invalid credentials",
        403: "Not allowed for this role, or a failed CSRF check", 404: "Not found",
        409: "Conflict with the current state", 413: "Request body too large",
        422: "Request validation failed", 503: "The store is busy; retry (Retry-After)"}
API_ERRORS = (400, 401, 403, 404, 409, 422, 503)
SCIM_ERRORS = (400, 401, 403, 404, 409, 413, 503)


def _error(status: int, media: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": _WHY[status], "content": {media: {"schema": schema}}}


def complete(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` with every operation's real statuses and content types."""
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in _METHODS:
                continue
            responses: dict[str, Any] = operation.setdefault("responses", {})
            if path.startswith("/scim/"):
                responses.pop("422", None)  # SCIM answers a 400 invalidValue instead
                for response in responses.values():
                    content = response.get("content")
                    if content and "application/json" in content:
                        response["content"] = {SCIM_MEDIA: content.pop("application/json")}
                for status in SCIM_ERRORS:
                    responses.setdefault(str(status), _error(status, SCIM_MEDIA, _SCIM_ERROR))
            elif path.startswith("/api/") and path != "/api/health":
                for status in API_ERRORS:
                    responses.setdefault(str(status),
                                         _error(status, "application/json", _API_ERROR))
    return document


def install_contract(api: FastAPI) -> None:
    """Make ``api.openapi()`` return the completed document (built once, then cached)."""
    build = api.openapi

    def openapi() -> dict[str, Any]:
        if api.openapi_schema is None:
            api.openapi_schema = complete(build())
        return api.openapi_schema

    api.openapi = openapi  # type: ignore[method-assign]


def allowed_methods(request: Request, fallback: str = "") -> str:
    """The ``Allow`` header for a 405: the methods the OpenAPI document lists for *every*
    path template matching the request (the router reports only the first route that
    matched, so ``/api/items/decide`` would say ``GET``, from ``/api/items/{item_id}``).
    A path outside the document keeps the router's ``fallback``."""
    methods: set[str] = set()
    document = request.app.openapi()
    for template, operations in document.get("paths", {}).items():
        pattern = "^" + re.sub(r"\\{[^/]+?\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, request.url.path):
            methods |= {m.upper() for m in operations if m in _METHODS}
    if not methods:
        return fallback
    if "GET" in methods:
        methods.add("HEAD")
    return ", ".join(sorted(methods))
