"""JSON request bodies made safe before any handler sees them (REST and SCIM): a number too
long for Python's int conversion (more than 4,300 digits) is a syntax error, not a 500; lone
surrogates (``"\\ud800"`` is valid JSON but not encodable as UTF-8), control characters and
configured secrets in strings are replaced (``tenure.textsafe``) and reported, so no store
ever sees them and the request never fails with an encoding error.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

from tenure.textsafe import clean_record

_log = logging.getLogger("tenure.api")


class UnsafeJson(ValueError):
    """The body is not JSON Tenure accepts (malformed, or a number too long to read)."""


def loads(raw: bytes) -> tuple[Any, list[tuple[str, str]]]:
    """Parse ``raw`` and make every string safe; returns the value and what was replaced."""
    try:
        value = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise UnsafeJson("the body is not a JSON document") from None
    except ValueError:  # int() refuses more than sys.get_int_max_str_digits() digits
        raise UnsafeJson("a number in the body is too long") from None
    return clean_record(value)


class SafeJsonRequest(Request):
    """A request whose ``json()`` is ``loads`` (FastAPI reads JSON bodies through it)."""

    async def json(self) -> Any:
        """The parsed, made-safe body."""
        if not hasattr(self, "_json"):
            try:
                value, found = loads(await self.body())
            except UnsafeJson as exc:
                raise json.JSONDecodeError(str(exc), "", 0) from None
            if found:
                _log.warning("request %s %s: %s", self.method, self.url.path,
                             "; ".join(f"{path or 'body'}: {why}" for path, why in found))
            self._json = value
        return self._json


class SafeJsonRoute(APIRoute):
    """An API route whose JSON body is read by ``SafeJsonRequest``."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """The default handler, given a ``SafeJsonRequest``."""
        handler = super().get_route_handler()

        async def safe_handler(request: Request) -> Response:
            return await handler(SafeJsonRequest(request.scope, request.receive))

        return safe_handler
