"""The shared HTTP layer over real loopback HTTP against a scripted fault server (T3, T4).

Waits are asserted through an injected fake clock: nothing here really sleeps on a retry.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tenure.connectors.http import (
    ApiError,
    HttpClient,
    MalformedResponse,
    PaginationError,
    RetriesExhausted,
    RetryPolicy,
    feed_pages,
    might_hold_secret,
    paginate,
    parse_retry_after,
)
from tenure.redact import redact_text

from .fakevendor import Reply, error, loopback

pytestmark = pytest.mark.timeout(20)

SECRET = "sk-ant-admin01-CANARYCANARY-0123456789"
START = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


class FakeClock:
    """Sleep advances time instead of blocking; every wait is recorded."""

    def __init__(self) -> None:
        self.t = 0.0
        self.waits: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.t += seconds

    def monotonic(self) -> float:
        return self.t

    def now(self) -> datetime:
        return START + timedelta(seconds=self.t)


class Script:
    """Replies in order; the last one repeats. Records every request."""

    def __init__(self, *replies: Reply) -> None:
        self.replies = list(replies)
        self.requests: list[tuple[str, str, dict[str, list[str]], dict[str, str]]] = []

    def __call__(self, method: str, path: str, query: dict[str, list[str]],
                 headers: dict[str, str], body: bytes) -> Reply:
        self.requests.append((method, path, query, headers))
        return self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]


OK = Reply(body={"data": [], "has_more": False, "first_id": None, "last_id": None})


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def client_for(url: str, clock: FakeClock, timeout: float = 2.0, **policy: float) -> HttpClient:
    return HttpClient(url, headers={"x-api-key": SECRET}, secrets=[SECRET], timeout=timeout,
                      policy=RetryPolicy(**policy),  # type: ignore[arg-type]
                      sleep=clock.sleep, monotonic=clock.monotonic, wall_clock=clock.now)


@pytest.fixture
def serve() -> Iterator[object]:
    def start(script: Script) -> object:
        return stack.enter_context(loopback(script))

    from contextlib import ExitStack

    with ExitStack() as stack:
        yield start


# -- T3: retry-after -------------------------------------------------------------------------


def test_retry_after_delay_seconds_is_honoured(serve, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    script = Script(error(429, "rate_limit_error", **{"retry-after": "7"}), OK)
    with client_for(serve(script), clock) as client:
        client.get_json("/v1/organizations/users")
        assert clock.waits == [7.0]
        assert client.stats.by_reason == {"429": 1}
    assert len(script.requests) == 2


def test_retry_after_http_date_is_honoured(serve, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    when = format_datetime(START + timedelta(seconds=12), usegmt=True)
    script = Script(error(529, "overloaded_error", **{"retry-after": when}), OK)
    with client_for(serve(script), clock) as client:
        client.get_json("/x")
    assert len(clock.waits) == 1
    assert abs(clock.waits[0] - 12) <= 1


def test_retry_after_is_capped_at_the_configured_maximum(serve, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    script = Script(error(429, "rate_limit_error", **{"retry-after": "3600"}), OK)
    with client_for(serve(script), clock, retry_after_max=30.0) as client:
        client.get_json("/x")
    assert clock.waits == [30.0]


def test_parse_retry_after_forms() -> None:
    now = START
    assert parse_retry_after("5", now) == 5.0
    assert parse_retry_after("0.5", now) == 0.5
    assert parse_retry_after(format_datetime(now + timedelta(seconds=90), usegmt=True),
                             now) == 90.0
    assert parse_retry_after(format_datetime(now - timedelta(seconds=90), usegmt=True),
                             now) == 0.0
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None, now) is None


# -- T3: what is and is not retried -----------------------------------------------------------


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 413, 422])
def test_other_4xx_is_never_retried(serve, clock: FakeClock, status: int) -> None:  # type: ignore[no-untyped-def]
    script = Script(error(status, "invalid_request_error", "nope"), OK)
    with client_for(serve(script), clock) as client, pytest.raises(ApiError) as info:
        client.get_json("/x")
    assert info.value.status == status
    assert len(script.requests) == 1
    assert clock.waits == []


@pytest.mark.parametrize(("status", "reason"), [(408, "408"), (500, "5xx"), (502, "5xx"),
                                                (503, "5xx"), (529, "529"), (599, "5xx")])
def test_transient_statuses_are_retried(serve, clock: FakeClock, status: int, reason: str) -> None:  # type: ignore[no-untyped-def]
    script = Script(error(status, "api_error"), error(status, "api_error"), OK)
    with client_for(serve(script), clock) as client:
        client.get_json("/x")
        assert client.stats.by_reason == {reason: 2}
    assert len(script.requests) == 3


def test_backoff_is_exponential_with_jitter_and_capped(serve, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    script = Script(*[error(500, "api_error")] * 8, OK)
    with client_for(serve(script), clock, max_retries=8, backoff_initial=1.0,
                    backoff_max=10.0) as client:
        client.get_json("/x")
    steps = [min(10.0, 2.0 ** n) for n in range(8)]
    assert len(clock.waits) == 8
    for wait, step in zip(clock.waits, steps, strict=True):
        assert step / 2 <= wait <= step


def test_retries_per_request_are_capped(serve, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    script = Script(error(503, "api_error"))
    with client_for(serve(script), clock, max_retries=3) as client, \
            pytest.raises(RetriesExhausted, match="gave up after 4 attempts") as info:
        client.get_json("/x")
    assert len(script.requests) == 4
    assert info.value.status == 503


def test_total_retry_time_is_capped(serve, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    script = Script(error(429, "rate_limit_error", **{"retry-after": "10"}))
    with client_for(serve(script), clock, max_retries=50,
                    max_total_retry_seconds=25.0) as client:
        with pytest.raises(RetriesExhausted):
            client.get_json("/x")
        assert clock.waits == [10.0, 10.0]  # a third wait would pass 25 s
        # The budget is per client (per sync): the next request gets no more retries.
        with pytest.raises(RetriesExhausted):
            client.get_json("/y")
    assert clock.waits == [10.0, 10.0]


def test_transport_errors_and_timeouts_are_retried(serve, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    script = Script(Reply(drop=True), Reply(hang=0.6, body={}), OK)
    with client_for(serve(script), clock, timeout=0.2) as client:
        client.get_json("/x")
        assert client.stats.by_reason == {"transport": 2}


def test_truncated_body_is_retried_then_succeeds(serve, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    script = Script(Reply(body={"data": [1, 2, 3]}, truncate=5), OK)
    with client_for(serve(script), clock) as client:
        assert client.get_json("/x").data == OK.body
        assert client.stats.total == 1


def test_malformed_json_ends_in_a_clear_error(serve, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    script = Script(Reply(raw=b'{"data": [1, 2'))
    with client_for(serve(script), clock, max_retries=2) as client, \
            pytest.raises(MalformedResponse, match=r"malformed or truncated JSON.*3 attempts"):
        client.get_json("/x")
    assert len(script.requests) == 3


# -- secrets ---------------------------------------------------------------------------------


def test_secrets_never_reach_errors_or_logs(serve, clock: FakeClock,  # type: ignore[no-untyped-def]
                                            caplog: pytest.LogCaptureFixture) -> None:
    echo = f"invalid x-api-key {SECRET}"
    script = Script(error(500, "api_error", echo), error(401, "authentication_error", echo))
    caplog.set_level(logging.DEBUG)
    with client_for(serve(script), clock) as client, pytest.raises(ApiError) as info:
        client.get_json("/x")
    assert SECRET not in str(info.value)
    assert "CANARY" not in str(info.value)
    assert "CANARY" not in caplog.text
    assert "[REDACTED]" in str(info.value)


# -- T4: pagination pathologies ---------------------------------------------------------------


def page(ids: list[str], more: bool, last: str | None = "auto") -> Reply:
    return Reply(body={"data": [{"id": i} for i in ids], "has_more": more,
                       "first_id": ids[0] if ids else None,
                       "last_id": (ids[-1] if ids else None) if last == "auto" else last})


def test_pages_follow_last_id(serve, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    script = Script(page(["a", "b"], True), page(["c"], False))
    with client_for(serve(script), clock) as client:
        pages = list(paginate(client, "/l", [("limit", 2)]))
    assert [[i["id"] for i in p.items] for p in pages] == [["a", "b"], ["c"]]
    assert [p.next_cursor for p in pages] == ["b", None]
    assert script.requests[1][2]["after_id"] == ["b"]


def test_repeated_cursor_stops_with_a_clear_error(serve, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    script = Script(page(["a", "b"], True), page(["c", "d"], True), page(["e"], True, last="b"))
    with client_for(serve(script), clock) as client, \
            pytest.raises(PaginationError, match="cursor 'b' again"):
        list(paginate(client, "/l"))
    assert len(script.requests) == 3


def test_same_page_forever_stops(serve, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    script = Script(page(["a", "b"], True))
    with client_for(serve(script), clock) as client, pytest.raises(PaginationError):
        list(paginate(client, "/l"))
    assert len(script.requests) == 2


def test_empty_page_with_has_more_stops(serve, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    script = Script(page(["a"], True), page([], True, last="zz"))
    with client_for(serve(script), clock) as client, \
            pytest.raises(PaginationError, match="empty page says has_more"):
        list(paginate(client, "/l"))


def test_has_more_without_cursor_stops(serve, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    script = Script(page(["a"], True, last=None))
    with client_for(serve(script), clock) as client, \
            pytest.raises(PaginationError, match="no 'last_id' cursor"):
        list(feed_pages(client, "/l"))  # an opaque cursor is never guessed


def test_malformed_envelope_stops(serve, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    script = Script(Reply(body={"items": []}))
    with client_for(serve(script), clock) as client, \
            pytest.raises(MalformedResponse, match="'data' list"):
        list(paginate(client, "/l"))


# -- the redaction fast path ------------------------------------------------------------------

_PIECES = st.sampled_from(["sk-ant-api03-", "sk-proj-", "SK-", "Bearer ", "bearer\t", "token",
                           "TOKEN", '":"', "=", ": ", "api_key", "Api-Key", "apikey",
                           "x-api-key", "Authorization", "secret", "abcdefghijkl",
                           "0123456789", '"', " ", "_id", "İ", "\u212a"])


@given(st.lists(_PIECES | st.text(max_size=5), max_size=30).map("".join))
@settings(max_examples=1000, deadline=None)
def test_fast_path_never_skips_what_redact_text_would_change(text: str) -> None:
    if not might_hold_secret(text):
        assert redact_text(text) == text
