"""The import hot path's pieces: canonical UTC text, row-form activities, the prefetch thread."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tenure.clock import from_utc_text, parse_instant, utc_text
from tenure.connectors.anthropic.feed import compliance_activity, compliance_row
from tenure.model import activity_from_row, activity_row
from tenure.prefetch import prefetched

DATA = Path(__file__).parents[1] / "data" / "anthropic"


@pytest.mark.parametrize(("text", "stored"), [
    ("2026-11-24T23:55:19Z", "2026-11-24 23:55:19.000000"),
    ("2026-11-24T23:55:19.123Z", "2026-11-24 23:55:19.123000"),
    ("2026-11-25T01:55:19+02:00", "2026-11-24 23:55:19.000000"),
    ("2026-11-24T23:55:19", "2026-11-24 23:55:19.000000"),
    ("2026-11-24", "2026-11-24 00:00:00.000000"),
    (" 2026-11-24T23:55:19Z\n", "2026-11-24 23:55:19.000000"),
])
def test_utc_text_gives_the_canonical_stored_form(text: str, stored: str) -> None:
    assert utc_text(text) == stored


@pytest.mark.parametrize("text", ["", "garbage", "2026-13-01T00:00:00Z", "2026-02-30",
                                  "2026-11-24T25:00:00Z"])
def test_utc_text_rejects_what_parse_instant_rejects(text: str) -> None:
    with pytest.raises(ValueError, match=r"."):
        parse_instant(text)
    with pytest.raises(ValueError, match=r"."):
        utc_text(text)


@given(st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2200, 1, 1),
                    timezones=st.sampled_from([UTC, timezone(timedelta(hours=5, minutes=30)),
                                               timezone(timedelta(hours=-8))])))
def test_utc_text_agrees_with_parse_instant(value: datetime) -> None:
    text = value.isoformat()
    assert from_utc_text(utc_text(text)) == parse_instant(text)


def test_row_form_and_dataclass_form_of_recorded_activities_agree() -> None:
    page = json.loads((DATA / "activities.json").read_text())
    assert page["data"]
    for obj in page["data"]:
        row = compliance_row(obj)
        assert activity_row(compliance_activity(obj)) == row
        assert activity_row(activity_from_row(row)) == row


def test_prefetched_yields_everything_in_order() -> None:
    assert list(prefetched(iter(range(1000)), depth=2)) == list(range(1000))


def test_prefetched_reraises_the_producers_error_where_it_happened() -> None:
    def produce() -> Iterator[int]:
        yield 1
        yield 2
        raise ValueError("line 3 is bad")

    stream = prefetched(produce())
    assert [next(stream), next(stream)] == [1, 2]
    with pytest.raises(ValueError, match="line 3 is bad"):
        next(stream)


def test_prefetched_stops_its_thread_when_the_consumer_stops_early() -> None:
    produced: list[int] = []

    def produce() -> Iterator[int]:
        for i in range(10_000):
            produced.append(i)
            yield i

    before = threading.active_count()
    stream = prefetched(produce(), depth=1)
    assert next(stream) == 0
    stream.close()
    assert threading.active_count() == before
    assert len(produced) < 10  # bounded: the producer never ran far ahead
