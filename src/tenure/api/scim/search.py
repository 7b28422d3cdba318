"""RFC 7644 §3.4.3: a SearchRequest body turned into the same query a list request makes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Request
from scim2_models import Context, SearchRequest

from tenure.api.scim.common import MAX_START_INDEX, page_request
from tenure.api.scim.filters import parse_filter
from tenure.services.scim_types import MAX_PAGE, AttributeKind, Criterion, PageRequest


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """The filter, the page and (when asked for) the attribute selection of a search."""

    criterion: Criterion | None
    page: PageRequest
    params: SearchRequest[Any] | None


def search_query(request: Request, body: dict[str, Any], allowed: dict[str, AttributeKind],
                 core_urn: str) -> SearchQuery:
    """Parse a POST ``/.search`` body for a resource type."""
    search: SearchRequest[Any] = SearchRequest.model_validate(body, scim_ctx=Context.SEARCH_REQUEST)
    criterion = parse_filter(str(search.filter) if search.filter else None, allowed, core_urn)
    default = page_request(request)
    # Clamped like a list request's: an index past any store's integer range is a 500 on SQLite.
    start = max(1, min(search.start_index or default.start_index, MAX_START_INDEX))
    count = max(0, min(search.count if search.count is not None else default.count, MAX_PAGE))
    selected = search if (search.attributes or search.excluded_attributes) else None
    return SearchQuery(criterion, PageRequest(start, count), selected)
