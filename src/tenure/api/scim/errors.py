"""SCIM error responses (RFC 7644 §3.12): every failure under /scim/v2 is an
``urn:ietf:params:scim:api:messages:2.0:Error`` with ``status`` and, where one applies,
``scimType`` — never an HTML page or a bare 500 for bad input."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError
from scim2_models import Error, InvalidValueException, SCIMException
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

SCIM_MEDIA_TYPE = "application/scim+json"
SCIM_PREFIX = "/scim/v2"
_log = logging.getLogger("tenure.api.scim")


class ScimResponse(JSONResponse):
    """JSON with the SCIM media type."""

    media_type = SCIM_MEDIA_TYPE


def error_response(error: Error, headers: Mapping[str, str] | None = None) -> Response:
    """The response carrying a SCIM Error."""
    body = error.model_dump()
    body["status"] = str(error.status)  # RFC 7644 §3.12 gives status as a string
    return ScimResponse(body, status_code=int(error.status or 500), headers=dict(headers or {}))


def scim_error(status: int, detail: str, scim_type: str | None = None,
               headers: Mapping[str, str] | None = None) -> Response:
    """A SCIM Error response built from parts."""
    return error_response(Error(status=status, scim_type=scim_type, detail=detail), headers)


def from_validation(exc: ValidationError) -> SCIMException:
    """The SCIM exception a pydantic/scim2-models validation failure stands for."""
    errors = Error.from_validation_errors(exc)
    if not errors:
        return InvalidValueException(detail="invalid request body")
    first = errors[0]
    if first.status is None or first.status >= 500:
        first = Error(status=400, scim_type="invalidValue", detail=first.detail)
    return SCIMException.from_error(first)


def _is_scim(request: Request) -> bool:
    return request.url.path.startswith(SCIM_PREFIX)


async def _on_scim(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SCIMException)
    error = exc.to_error()
    headers = {"WWW-Authenticate": 'Bearer realm="tenure-scim"'} if error.status == 401 else None
    return error_response(error, headers)


async def _on_pydantic(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ValidationError)
    if not _is_scim(request):
        raise exc
    return error_response(from_validation(exc).to_error())


async def _on_request_validation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    if not _is_scim(request):
        return JSONResponse({"detail": json.loads(json.dumps(exc.errors(), default=str))},
                            status_code=422)
    first: dict[str, Any] = dict(exc.errors()[0]) if exc.errors() else {}
    where = ".".join(str(p) for p in first.get("loc", ()))
    return scim_error(400, f"{first.get('msg', 'invalid request')}: {where}", "invalidValue")


async def _on_http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 405:
        from tenure.api.contract import allowed_methods

        headers = dict(exc.headers or {})
        exc.headers = {**headers, "Allow": allowed_methods(request, headers.get("Allow", ""))}
    if not _is_scim(request):
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code,
                            headers=exc.headers)
    detail = {404: "no such endpoint", 405: "method not allowed on this endpoint"}.get(
        exc.status_code, str(exc.detail))
    return scim_error(exc.status_code, detail, headers=exc.headers)


async def _on_database_busy(request: Request, exc: Exception) -> Response:
    # A lock timeout or a deadlock between two concurrent pushes: nothing was written (the
    # transaction rolled back) and the IdP retries a 503, so say exactly that.
    _log.warning("database busy on %s %s: %s", request.method, request.url.path,
                 type(exc).__name__)
    if not _is_scim(request):
        return JSONResponse({"detail": "database busy, retry"}, status_code=503,
                            headers={"Retry-After": "1"})
    return scim_error(503, "the store is busy; nothing was written, retry",
                      headers={"Retry-After": "1"})


async def _on_unexpected(request: Request, exc: Exception) -> Response:
    # Never echo the exception: it may quote a payload (PII) or a header.
    _log.error("internal error on %s %s: %s", request.method, request.url.path,
               type(exc).__name__)
    if _is_scim(request):
        return scim_error(500, "internal error")
    return JSONResponse({"detail": "internal error"}, status_code=500)


def install_error_handlers(api: FastAPI) -> None:
    """Route every error under /scim/v2 to a SCIM Error response."""
    api.add_exception_handler(SCIMException, _on_scim)
    api.add_exception_handler(ValidationError, _on_pydantic)
    api.add_exception_handler(RequestValidationError, _on_request_validation)
    api.add_exception_handler(StarletteHTTPException, _on_http)
    api.add_exception_handler(OperationalError, _on_database_busy)
    api.add_exception_handler(Exception, _on_unexpected)
