"""Shared pieces of the REST routers: JSON conversion and pagination parameters."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import Path, Query

from tenure.services.web_views import MAX_PAGE, Page

ID_PATTERN = r"^[A-Za-z0-9_.:@+-]{1,64}$"
ObjectId = Annotated[str, Path(pattern=ID_PATTERN, description="An object id.")]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE, description="Rows per page.")]
Offset = Annotated[int, Query(ge=0, le=10_000_000, description="Rows to skip.")]


def plain(value: Any) -> Any:
    """A JSON-ready copy: dataclasses and mappings recursively, times as ISO 8601."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def page_json(page: Page) -> dict[str, Any]:
    """``{"items": [...], "total", "limit", "offset"}``."""
    return {"items": plain(page.rows), "total": page.total, "limit": page.limit,
            "offset": page.offset}
