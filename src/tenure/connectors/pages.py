"""Small helpers every vendor connector uses between a fetched ``Page`` and a ``Batch``.

Platform-neutral (used by the OpenAI connector; the Anthropic connector has the same logic as
methods and can move onto these): the redacted raw page, a transform that turns a vendor shape
error into ``MalformedResponse``, and the retry ``Note``s of a sync.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

from tenure.connectors.base import Note, Quarantined, RawPage, SyncItem
from tenure.connectors.http import HttpClient, MalformedResponse, Page

T = TypeVar("T")


def raw_page(client: HttpClient, page: Page) -> RawPage:
    """The page body as received, with the client's secrets scrubbed."""
    text = page.response.body.decode("utf-8", "replace")
    return RawPage(page.response.locator, client.scrub(text).encode())


def combined_raw(client: HttpClient, pages: Sequence[Page], what: str,
                 keep: Callable[[HttpClient, Page], RawPage] | None = None) -> RawPage:
    """Several small pages of a fan-out as one raw document (a JSON array of
    ``{"locator", "body"}``), so a thousand one-page listings commit in a few transactions
    while every page is still kept and hashed. ``keep`` makes each page's kept form (default
    :func:`raw_page`: as received, secrets scrubbed; a resource that strips fields passes its
    own)."""
    keep = keep or raw_page
    parts = [b'{"locator":' + json.dumps(r.locator).encode() + b',"body":' + r.body + b"}"
             for r in (keep(client, page) for page in pages)]
    return RawPage(f"{what} ({len(pages)} pages)", b"[" + b",".join(parts) + b"]")


def transform_page(page: Page, fn: Callable[..., T], *args: Any) -> list[T]:
    """``fn(item, *args)`` for every item; a malformed item fails the page, never silently."""
    try:
        return [fn(item, *args) for item in page.items]
    except (ValueError, TypeError, AttributeError, KeyError) as exc:
        raise MalformedResponse(f"GET {page.response.locator}: {exc}") from None


def quarantine_page(page: Page, fn: Callable[..., T], *args: Any,
                    record_types: tuple[str, ...]) -> tuple[list[T], list[Quarantined]]:
    """``fn(item, *args)`` for every item; an item ``fn`` cannot use is set aside, named by
    endpoint, page and field, and the others are kept (one bad record never sinks a page)."""
    locator = page.response.locator
    endpoint = locator.split("?", 1)[0]
    where = f"page after {page.cursor!r} ({locator})" if page.cursor else f"first page ({locator})"
    kept: list[T] = []
    bad: list[Quarantined] = []
    for index, item in enumerate(page.items):
        try:
            kept.append(fn(item, *args))
        except (ValueError, TypeError, AttributeError, KeyError) as exc:
            field = getattr(exc, "field", "") or ("(object)" if not isinstance(item, dict)
                                                  else "(shape)")
            bad.append(Quarantined(record_types, endpoint, where, index, field,
                                   f"{type(exc).__name__}: {exc}"[:500]))
    return kept, bad


def retry_notes(clients: Sequence[HttpClient]) -> Iterator[SyncItem]:
    """Notes on the retries the clients took so far (count, reasons, seconds)."""
    retries = sum(c.stats.total for c in clients)
    reasons: dict[str, int] = {}
    for client in clients:
        for reason, count in client.stats.by_reason.items():
            reasons[reason] = reasons.get(reason, 0) + count
    yield Note("http_retries", retries)
    if retries:
        yield Note("http_retry_reasons", dict(sorted(reasons.items())))
        yield Note("http_retry_seconds", round(sum(c.stats.seconds for c in clients), 3))


def first_text(obj: Mapping[str, Any], *names: str) -> str | None:
    """The first of ``names`` that holds a non-empty string in a vendor object, else None."""
    for name in names:
        value = obj.get(name)
        if isinstance(value, str) and value:
            return value
    return None
