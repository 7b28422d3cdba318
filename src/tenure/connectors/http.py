"""The one HTTP client every vendor connector uses, and its pagination helpers.

Platform-neutral by design (Anthropic today, OpenAI next): the caller supplies the base URL,
the auth headers and the names of the pagination fields; this module supplies

- timeouts and retries: 429/529 honour ``retry-after`` (delay-seconds or HTTP-date, capped),
  408/5xx/transport errors/timeouts and malformed JSON bodies back off exponentially with jitter;
  every other 4xx fails at once. Retries are capped per request *and* in total per client (one
  client lives for one sync), so an outage ends as a clear error instead of a hang;
- an injectable ``sleep`` and clocks, so tests assert every wait without sleeping;
- secret redaction of every message it raises or logs;
- counters of retries taken, which connectors report as a ``Note`` in the sync summary;
- one pager per pagination family (vendor-apis-nhi.md §1.2, §7.1): Anthropic id cursor, page
  cursor (no ``has_more``), Compliance directory, Compliance feed; OpenAI ``after``/``last_id``
  (``last_id`` optional) and ``next`` cursor. Optional envelope fields left out never end a
  listing early; a repeated cursor, an empty page that claims more, more without any cursor
  or a malformed envelope raise ``PaginationError``.
"""

from __future__ import annotations

import json
import logging
import random
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import tenacity

from tenure.errors import SourceError
from tenure.redact import REDACTED, redact_text

log = logging.getLogger("tenure.http")

Params = Sequence[tuple[str, str | int | bool]]
"""Query parameters as pairs, so repeated keys (``group_by[]=a&group_by[]=b``) keep order."""

RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504, 529})
"""Statuses worth retrying. Other 5xx are retried too; other 4xx never are."""


class HttpError(SourceError):
    """A vendor call failed; the message is already redacted."""


class ApiError(HttpError):
    """The vendor answered with an error status that is not worth retrying (or no longer)."""

    def __init__(self, method: str, locator: str, status: int, error_type: str, message: str,
                 request_id: str | None = None) -> None:
        self.method = method
        self.locator = locator
        self.status = status
        self.error_type = error_type
        self.vendor_message = message
        self.request_id = request_id
        rid = f" (request-id {request_id})" if request_id else ""
        super().__init__(f"{method} {locator}: HTTP {status} {error_type}: {message}{rid}")


class RetriesExhausted(HttpError):
    """A call kept failing transiently until the per-request or total retry cap was reached."""

    def __init__(self, message: str, *, attempts: int, status: int | None) -> None:
        self.attempts = attempts
        self.status = status
        super().__init__(message)


class MalformedResponse(HttpError):
    """A response body was not the JSON document the contract promises."""


class PaginationError(HttpError):
    """A listing misbehaved (repeated cursor, empty page with more, events out of order)."""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How hard to try. Every field is configurable per source."""

    max_retries: int = 6
    """Retries per request (so at most ``max_retries + 1`` attempts)."""
    max_total_retry_seconds: float = 600.0
    """Total time a client may spend waiting on and re-sending failed calls, across a sync."""
    backoff_initial: float = 1.0
    backoff_max: float = 60.0
    retry_after_max: float = 300.0
    """A ``retry-after`` longer than this is waited for this long, not longer."""


@dataclass(frozen=True, slots=True)
class Response:
    """A successful response: status, headers, raw body and where it came from."""

    status: int
    headers: Mapping[str, str]
    body: bytes
    locator: str
    data: Any = None


class _Transient(Exception):
    """Internal: one attempt failed in a way worth retrying."""

    def __init__(self, reason: str, message: str, *, status: int | None = None,
                 retry_after: float | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.status = status
        self.retry_after = retry_after


_KEYWORDS = ("x-api-key", "authorization", "api_key", "api-key", "apikey", "secret", "token")
_ASSIGN = re.compile(r'"?\s*[:=]')


def might_hold_secret(text: str) -> bool:
    """False only when ``redact_text`` provably has nothing to replace in ``text``.

    Every pattern of ``tenure.redact`` needs ``sk-``, ``bearer`` or a key word followed by
    ``:``/``=``; plain substring scans rule those out far faster than running the patterns over
    a multi-megabyte vendor page (the common case: pages hold ids, never secrets).
    """
    low = text.lower()
    if "sk-" in low or "bearer" in low:
        return True
    for word in _KEYWORDS:
        at = low.find(word)
        while at != -1:
            if _ASSIGN.match(low, at + len(word)):
                return True
            at = low.find(word, at + 1)
    return False


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a ``retry-after`` header: delay-seconds or an HTTP-date."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def parse_error_body(body: bytes) -> tuple[str, str]:
    """(error type, message) from an Anthropic or OpenAI error envelope, best effort."""
    try:
        doc = json.loads(body)
    except ValueError:
        return "unknown_error", body[:200].decode("utf-8", "replace")
    err = doc.get("error") if isinstance(doc, dict) else None
    if isinstance(err, dict):
        kind = err.get("type") or err.get("code") or "unknown_error"
        return str(kind), str(err.get("message") or "")
    if isinstance(err, str) and err:  # RFC 6749 token endpoint: {error, error_description}
        return err, str(doc.get("error_description") or "")
    return "unknown_error", body[:200].decode("utf-8", "replace")


@dataclass
class RetryStats:
    """What retrying cost: counts by reason and seconds waited."""

    by_reason: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    @property
    def total(self) -> int:
        """Retries taken, all reasons together."""
        return sum(self.by_reason.values())


HeaderSource = Callable[[], Mapping[str, str]]
"""Headers computed per attempt (a bearer token that is re-exchanged before it expires)."""


class HttpClient:
    """An httpx client with retries, redaction and retry accounting; one per sync.

    Safe to share between threads (bounded fan-out reads): counters are guarded, and a
    ``retry-after`` answered to one request holds back every request of the client until it
    has passed, so concurrent workers do not keep hitting a rate limit the vendor announced.
    """

    def __init__(
        self,
        base_url: str,
        *,
        headers: Mapping[str, str],
        secrets: Sequence[str] = (),
        timeout: float = 30.0,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        rng: random.Random | None = None,
        transport: httpx.BaseTransport | None = None,
        auth: HeaderSource | None = None,
        max_connections: int = 10,
    ) -> None:
        self.policy = policy or RetryPolicy()
        self.stats = RetryStats()
        self.requests = 0
        """Attempts sent (each retry counts), for benchmarks and summaries."""
        self._auth = auth
        self._lock = threading.Lock()
        self._pause_until = 0.0
        self._pause_owner: int | None = None
        self._secrets = [s for s in secrets if s]
        self._sleep = sleep
        self._monotonic = monotonic
        self._wall_clock = wall_clock
        self._rng = rng or random.Random()
        self._client = httpx.Client(base_url=base_url, headers=dict(headers),
                                    timeout=httpx.Timeout(timeout), transport=transport,
                                    follow_redirects=False,
                                    limits=httpx.Limits(max_connections=max_connections,
                                                        max_keepalive_connections=max_connections))

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the connection pool."""
        self._client.close()

    def scrub(self, text: str) -> str:
        """Remove this client's secrets and anything secret-shaped from ``text``."""
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return redact_text(text) if might_hold_secret(text) else text

    def request(
        self, method: str, path: str, *, params: Params = (), json_body: Any = None,
        headers: Mapping[str, str] | None = None, expect_json: bool = True,
    ) -> Response:
        """Send one logical request, retrying transient failures within the caps."""
        locator = self.scrub(_locator(path, params))
        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception_type(_Transient),
            wait=self._wait,
            stop=self._stop,
            sleep=self._do_sleep,
            before_sleep=lambda state: self._count(method, locator, state),
            reraise=False,
        )
        try:
            return retrying(self._attempt, method, path, locator, params, json_body, headers,
                            expect_json)
        except tenacity.RetryError as exc:
            last = exc.last_attempt.exception()
            assert isinstance(last, _Transient)
            attempts = exc.last_attempt.attempt_number
            if last.reason == "malformed":
                raise MalformedResponse(self.scrub(
                    f"{method} {locator}: {last} (after {attempts} attempts)")) from None
            raise RetriesExhausted(self.scrub(
                f"{method} {locator}: gave up after {attempts} attempts "
                f"({self.stats.seconds:.1f}s spent retrying in this sync): {last}"),
                attempts=attempts, status=last.status) from None

    def get_json(self, path: str, params: Params = ()) -> Response:
        """GET a JSON document (``Response.data`` holds it)."""
        return self.request("GET", path, params=params)

    # -- one attempt -------------------------------------------------------------------------

    def _attempt(self, method: str, path: str, locator: str, params: Params, json_body: Any,
                 headers: Mapping[str, str] | None, expect_json: bool) -> Response:
        self._hold_back()
        started = self._monotonic()
        sent = dict(self._auth() if self._auth is not None else {})
        sent.update(headers or {})
        with self._lock:
            self.requests += 1
        try:
            resp = self._client.request(method, path, params=list(params), json=json_body,
                                        headers=sent)
            body = resp.content
        except httpx.TransportError as exc:
            self._add_seconds(self._monotonic() - started)
            raise _Transient("transport", self.scrub(f"{type(exc).__name__}: {exc}")) from None
        status = resp.status_code
        request_id = resp.headers.get("request-id") or resp.headers.get("x-request-id")
        if status >= 400:
            kind, message = parse_error_body(body)
            if status in RETRY_STATUSES or status >= 500:
                self._add_seconds(self._monotonic() - started)
                after = parse_retry_after(resp.headers.get("retry-after"), self._wall_clock())
                if after is not None and status in (429, 529, 503):
                    self._pause(min(after, self.policy.retry_after_max))
                raise _Transient(str(status) if status in (429, 529) else (
                    "408" if status == 408 else "5xx"),
                    self.scrub(f"HTTP {status} {kind}: {message}"), status=status,
                    retry_after=after if status in (429, 529, 503) else None)
            raise ApiError(method, locator, status, kind, self.scrub(message), request_id)
        data: Any = None
        if expect_json and body:
            try:
                data = json.loads(body)
            except ValueError as exc:
                self._add_seconds(self._monotonic() - started)
                raise _Transient("malformed", f"malformed or truncated JSON ({len(body)} bytes): "
                                 f"{exc}", status=status) from None
        return Response(status=status, headers=dict(resp.headers), body=body, locator=locator,
                        data=data)

    # -- shared state between threads -------------------------------------------------------

    def _add_seconds(self, seconds: float) -> None:
        with self._lock:
            self.stats.seconds += seconds

    def _pause(self, seconds: float) -> None:
        with self._lock:
            until = self._monotonic() + seconds
            if until > self._pause_until:
                self._pause_until, self._pause_owner = until, threading.get_ident()

    def _hold_back(self) -> None:
        """Wait out a ``retry-after`` another request of this client was answered (the
        request that got it waits through its own retry)."""
        with self._lock:
            if self._pause_owner == threading.get_ident():
                return
            wait = self._pause_until - self._monotonic()
        if wait > 0:
            self._add_seconds(wait)
            self._sleep(wait)

    # -- tenacity hooks ----------------------------------------------------------------------

    def _wait(self, state: tenacity.RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, _Transient) and exc.retry_after is not None:
            return float(min(exc.retry_after, self.policy.retry_after_max))
        # Capped exponential backoff with "equal jitter": at least half the step, so retries
        # spread out without ever hammering back immediately.
        step: float = min(self.policy.backoff_max,
                          self.policy.backoff_initial * 2.0 ** (state.attempt_number - 1))
        return step / 2 + self._rng.uniform(0, step / 2)

    def _stop(self, state: tenacity.RetryCallState) -> bool:
        if state.attempt_number > self.policy.max_retries:
            return True
        budget = self.policy.max_total_retry_seconds
        return bool(self.stats.seconds + state.upcoming_sleep > budget)

    def _do_sleep(self, seconds: float) -> None:
        self._add_seconds(seconds)
        self._sleep(seconds)

    def _count(self, method: str, locator: str, state: tenacity.RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        reason = exc.reason if isinstance(exc, _Transient) else "other"
        with self._lock:
            self.stats.by_reason[reason] += 1
        log.info("%s %s: %s; retry %d/%d in %.1fs", method, locator, exc,
                    state.attempt_number, self.policy.max_retries, state.upcoming_sleep)


def _locator(path: str, params: Params) -> str:
    if not params:
        return path
    query = "&".join(f"{k}={v}" for k, v in params)
    return f"{path}?{query}"


# -- pagination --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a listing: its items, the raw body and how to get the next one."""

    items: list[Any]
    response: Response
    next_cursor: str | None
    """What to send to get the next page (None when this page is the last)."""
    cursor: str | None
    """The cursor this page was requested with (None for the first page)."""


@dataclass(frozen=True, slots=True)
class Paging:
    """How one pagination family names and ends its pages.

    ``has_more_field`` None: the family has no ``has_more`` (Anthropic page cursors, the SDK's
    ``SyncPageCursor``): a page is the last when it carries no next cursor, whatever else it
    says. Otherwise ``has_more`` decides, and when a page omits it the next cursor's presence
    does (an optional field left out never aborts a listing). ``item_id_fallback``: when a
    page says there is more but omits the cursor field, the last item's ``id`` is the cursor
    (OpenAI lists, whose ``last_id`` is optional).
    """

    cursor_param: str = "after_id"
    next_field: str = "last_id"
    items_field: str = "data"
    has_more_field: str | None = "has_more"
    item_id_fallback: bool = False
    family: str = "id cursor"


ID_PAGING = Paging(item_id_fallback=True)
"""Anthropic id cursor (family A: users, invites, workspaces, members, api_keys): ``after_id``
← ``last_id``, stop on ``has_more: false``. ``after_id`` takes an object id, so a page that
says there is more but leaves ``last_id`` null continues after its last item's ``id`` rather
than ending the listing early (which would retire every record after it)."""
FEED_PAGING = Paging(family="Compliance feed")
"""Compliance feed (family E): ``after_id`` ← ``last_id`` (opaque: never guessed)."""
PAGE_CURSOR_PAGING = Paging(cursor_param="page", next_field="next_page", has_more_field=None,
                            family="page cursor")
"""Anthropic page cursor (family B: service accounts, federation, RBAC, agents…):
``page`` ← ``next_page``, no ``has_more`` in the SDK model: stop on ``next_page`` alone."""
DIRECTORY_PAGING = Paging(cursor_param="page", next_field="next_page",
                          family="Compliance directory")
"""Compliance directory (family D) and the usage reports: ``page`` ← ``next_page``, stop on
``has_more: false``."""
TOKEN_PAGING = DIRECTORY_PAGING
"""Anthropic and OpenAI usage reports: ``page`` + ``next_page`` + ``has_more``."""
OPENAI_LIST_PAGING = Paging(cursor_param="after", next_field="last_id", item_id_fallback=True,
                            family="OpenAI after/last_id")
"""OpenAI lists (users, projects, project users, service accounts, keys, audit logs, admin
keys): ``after`` ← ``last_id``, which may be absent: then the last item's id."""
OPENAI_NEXT_PAGING = Paging(cursor_param="after", next_field="next", item_id_fallback=True,
                            family="OpenAI next cursor")
"""OpenAI ``next``-cursor lists (groups, group users, roles, role assignments): ``after`` ←
``next``; the spec says "the last ID", so a missing ``next`` falls back to the last item's id."""


def _fallback_cursor(items: list[Any]) -> str | None:
    last = items[-1] if items else None
    value = last.get("id") if isinstance(last, dict) else None
    return value if isinstance(value, str) and value else None


def paginate(
    client: HttpClient, path: str, params: Params = (), *, paging: Paging = ID_PAGING,
    start: str | None = None, max_pages: int | None = None,
) -> Iterator[Page]:
    """Yield the pages of a listing one by one, iteratively, refusing to loop.

    ``start`` resumes from a committed cursor. Raises ``PaginationError`` on a repeated
    cursor, a page claiming more results but empty or without a cursor, a malformed envelope,
    or more than ``max_pages`` pages.
    """
    seen: set[str] = set()
    cursor = start
    pages = 0
    while True:
        query = list(params) + ([(paging.cursor_param, cursor)] if cursor is not None else [])
        resp = client.get_json(path, query)
        doc = resp.data
        if not isinstance(doc, dict) or not isinstance(doc.get(paging.items_field), list):
            raise MalformedResponse(
                f"GET {resp.locator}: expected a JSON object with a {paging.items_field!r} list")
        items: list[Any] = doc[paging.items_field]
        raw_next = doc.get(paging.next_field)
        nxt = raw_next if isinstance(raw_next, str) and raw_next else None
        flag = doc.get(paging.has_more_field) if paging.has_more_field else None
        if paging.has_more_field is None or not isinstance(flag, bool):
            # No has_more (family B, or a page that left the optional field out): a cursor
            # means more, unless the page is empty (nothing to advance past: the end).
            has_more = nxt is not None and bool(items)
        else:
            has_more = flag
        if has_more and nxt is None and paging.item_id_fallback:
            nxt = _fallback_cursor(items)
        pages += 1
        if has_more:
            if not items:
                raise PaginationError(
                    f"GET {resp.locator}: empty page says has_more=true; stopping instead of "
                    "looping")
            if nxt is None:
                raise PaginationError(
                    f"GET {resp.locator}: has_more=true but no {paging.next_field!r} cursor")
            if nxt in seen or nxt == cursor:
                raise PaginationError(
                    f"GET {resp.locator}: the vendor returned cursor {nxt!r} again; stopping "
                    "instead of looping")
            if max_pages is not None and pages >= max_pages:
                raise PaginationError(f"GET {path}: more than {max_pages} pages")
            seen.add(nxt)
        yield Page(items=items, response=resp, next_cursor=nxt if has_more else None,
                   cursor=cursor)
        if not has_more:
            return
        cursor = nxt


def id_cursor_pages(client: HttpClient, path: str, params: Params = (), *,
                    start: str | None = None) -> Iterator[Page]:
    """Anthropic family A: ``after_id`` ← ``last_id`` until ``has_more`` is false."""
    return paginate(client, path, params, paging=ID_PAGING, start=start)


def feed_pages(client: HttpClient, path: str, params: Params = (), *,
               start: str | None = None) -> Iterator[Page]:
    """Compliance feed (family E): ``after_id`` ← ``last_id`` (backwards in time)."""
    return paginate(client, path, params, paging=FEED_PAGING, start=start)


def page_cursor_pages(client: HttpClient, path: str, params: Params = (), *,
                      start: str | None = None) -> Iterator[Page]:
    """Anthropic family B: ``page`` ← ``next_page`` until there is no ``next_page``."""
    return paginate(client, path, params, paging=PAGE_CURSOR_PAGING, start=start)


def directory_pages(client: HttpClient, path: str, params: Params = (), *,
                    start: str | None = None) -> Iterator[Page]:
    """Compliance directory (family D) and usage reports: ``page`` ← ``next_page``, stop on
    ``has_more: false``."""
    return paginate(client, path, params, paging=DIRECTORY_PAGING, start=start)


def openai_list_pages(client: HttpClient, path: str, params: Params = (), *,
                      start: str | None = None) -> Iterator[Page]:
    """OpenAI ``after`` ← ``last_id`` (or the last item's id when ``last_id`` is absent)."""
    return paginate(client, path, params, paging=OPENAI_LIST_PAGING, start=start)


def openai_next_pages(client: HttpClient, path: str, params: Params = (), *,
                      start: str | None = None) -> Iterator[Page]:
    """OpenAI ``after`` ← ``next`` (groups, group users, roles, role assignments)."""
    return paginate(client, path, params, paging=OPENAI_NEXT_PAGING, start=start)
