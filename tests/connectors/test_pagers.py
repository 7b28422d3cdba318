"""One pager per pagination family (vendor-apis-nhi.md §1.2, §7.1), each over real loopback
HTTP against pages in every documented shape: optional fields absent, unknown ones present."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import pytest

from tenure.connectors.http import (
    HttpClient,
    Page,
    PaginationError,
    Params,
    directory_pages,
    id_cursor_pages,
    openai_list_pages,
    openai_next_pages,
    page_cursor_pages,
)

from .fakevendor import Reply, loopback
from .test_http import FakeClock, Script, client_for

pytestmark = pytest.mark.timeout(20)

Pager = Callable[..., Iterator[Page]]


@pytest.fixture
def run() -> Iterator[Callable[..., tuple[list[list[str]], Script]]]:
    with ExitStack() as stack:
        def go(pager: Pager, *bodies: dict[str, Any], params: Params = ()
               ) -> tuple[list[list[str]], Script]:
            script = Script(*[Reply(body=b) for b in bodies])
            url = stack.enter_context(loopback(script))
            client: HttpClient = stack.enter_context(client_for(url, FakeClock()))
            pages = [[i.get("id") or i.get("user_id") for i in p.items]
                     for p in pager(client, "/l", params)]
            return pages, script
        yield go


def _items(*ids: str) -> list[dict[str, Any]]:
    return [{"id": i, "x_new_field": {"nested": True}} for i in ids]


def _sent(script: Script, name: str) -> list[str | None]:
    return [(q.get(name) or [None])[0] for _, _, q, _ in script.requests]


# -- Anthropic family A: id cursor ------------------------------------------------------------


def test_id_cursor_follows_last_id_and_stops_on_has_more_false(run) -> None:  # type: ignore[no-untyped-def]
    pages, script = run(id_cursor_pages,
                        {"data": _items("a", "b"), "has_more": True, "first_id": "a",
                         "last_id": "b", "unknown": 1},
                        {"data": _items("c"), "has_more": False, "first_id": "c",
                         "last_id": "c"})
    assert pages == [["a", "b"], ["c"]]
    assert _sent(script, "after_id") == [None, "b"]


def test_id_cursor_without_first_and_last_id_continues_after_the_last_item(run) -> None:  # type: ignore[no-untyped-def]
    pages, script = run(id_cursor_pages, {"data": _items("a", "b"), "has_more": True},
                        {"data": _items("c"), "has_more": False})
    assert pages == [["a", "b"], ["c"]]
    assert _sent(script, "after_id") == [None, "b"]


def test_id_cursor_without_has_more_ends_on_an_empty_page(run) -> None:  # type: ignore[no-untyped-def]
    pages, _ = run(id_cursor_pages, {"data": _items("a"), "last_id": "a"},
                   {"data": [], "last_id": None})
    assert pages == [["a"], []]


# -- Anthropic family B: page cursor, no has_more ---------------------------------------------


def test_page_cursor_stops_on_next_page_alone(run) -> None:  # type: ignore[no-untyped-def]
    pages, script = run(page_cursor_pages, {"data": _items("a"), "next_page": "p2"},
                        {"data": _items("b"), "next_page": None})
    assert pages == [["a"], ["b"]]
    assert _sent(script, "page") == [None, "p2"]


def test_page_cursor_ignores_a_has_more_that_contradicts_next_page(run) -> None:  # type: ignore[no-untyped-def]
    # The SDK model has no has_more: a stray false never ends the listing, a stray true
    # without next_page never loops.
    pages, _ = run(page_cursor_pages, {"data": _items("a"), "next_page": "p2", "has_more": False},
                   {"data": _items("b"), "has_more": True})
    assert pages == [["a"], ["b"]]


# -- Compliance directory (family D) ----------------------------------------------------------


def test_directory_stops_on_has_more_false_even_with_a_next_page(run) -> None:  # type: ignore[no-untyped-def]
    pages, script = run(directory_pages,
                        {"data": _items("a"), "has_more": True, "next_page": "p2"},
                        {"data": _items("b"), "has_more": False, "next_page": "p3"})
    assert pages == [["a"], ["b"]]
    assert _sent(script, "page") == [None, "p2"]


def test_directory_without_has_more_follows_next_page(run) -> None:  # type: ignore[no-untyped-def]
    pages, _ = run(directory_pages, {"data": _items("a"), "next_page": "p2"},
                   {"data": _items("b")})
    assert pages == [["a"], ["b"]]


# -- OpenAI after/last_id and next ------------------------------------------------------------


def test_openai_list_without_last_id_uses_the_last_items_id(run) -> None:  # type: ignore[no-untyped-def]
    pages, script = run(openai_list_pages,
                        {"object": "list", "data": _items("key_1", "key_2"), "has_more": True},
                        {"object": "list", "data": _items("key_3"), "has_more": False})
    assert pages == [["key_1", "key_2"], ["key_3"]]
    assert _sent(script, "after") == [None, "key_2"]


def test_openai_list_with_last_id_follows_it(run) -> None:  # type: ignore[no-untyped-def]
    pages, script = run(openai_list_pages,
                        {"object": "list", "data": _items("u1"), "first_id": "u1",
                         "last_id": "u1", "has_more": True},
                        {"object": "list", "data": _items("u2"), "first_id": "u2",
                         "last_id": "u2", "has_more": False})
    assert pages == [["u1"], ["u2"]]
    assert _sent(script, "after") == [None, "u1"]


def test_openai_next_cursor_follows_next(run) -> None:  # type: ignore[no-untyped-def]
    pages, script = run(openai_next_pages,
                        {"object": "list", "data": _items("g1"), "has_more": True,
                         "next": "cur_2"},
                        {"object": "list", "data": _items("g2"), "has_more": False,
                         "next": None})
    assert pages == [["g1"], ["g2"]]
    assert _sent(script, "after") == [None, "cur_2"]


def test_openai_next_cursor_without_next_uses_the_last_items_id(run) -> None:  # type: ignore[no-untyped-def]
    pages, script = run(openai_next_pages, {"data": _items("g1"), "has_more": True},
                        {"data": _items("g2"), "has_more": False})
    assert pages == [["g1"], ["g2"]]
    assert _sent(script, "after") == [None, "g1"]


def test_items_without_ids_and_no_cursor_stop_with_a_clear_error(run) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PaginationError, match="has_more=true but no 'last_id'"):
        run(id_cursor_pages, {"data": [{"user_id": "u1"}], "has_more": True})
