"""Chart y axes step evenly (0/10/20/30/40), never at quarters of a round maximum
(0/12/25/38/50), on the web charts and the report's."""

from __future__ import annotations

import itertools
import re

import pytest

from tenure.evidence.svg import column_chart, nice_ticks
from tenure.web.charts import stacked_columns


@pytest.mark.parametrize(("top", "ticks"), [
    (0, [0, 1, 2, 3, 4]), (3, [0, 1, 2, 3, 4]), (7, [0, 2, 4, 6, 8]), (12, [0, 5, 10, 15]),
    (38, [0, 10, 20, 30, 40]), (50, [0, 20, 40, 60]), (1234, [0, 500, 1000, 1500]),
])
def test_ticks_are_even_round_steps_covering_the_top(top: float, ticks: list[float]) -> None:
    assert nice_ticks(top, at_least=4.0) == ticks


def test_every_step_is_one_two_or_five_times_a_power_of_ten() -> None:
    for top in (0.3, 9, 99, 101, 777, 15.8e6):
        ticks = nice_ticks(top)
        steps = {round(b - a, 9) for a, b in itertools.pairwise(ticks)}
        assert len(steps) == 1
        (step,) = steps
        assert f"{step:e}"[0] in "125"
        assert ticks[-1] >= top


def _axis(svg: str) -> list[str]:
    return re.findall(r'text-anchor="end"[^>]*>([^<]+)</text>', svg)


def test_the_web_trend_chart_labels_even_ticks() -> None:
    svg = stacked_columns(["w1", "w2", "w3"], {"high": [20, 5, 0], "low": [18, 1, 0]},
                          title="Open findings")
    assert _axis(svg) == ["0", "10", "20", "30", "40"]


def test_the_report_column_chart_labels_even_ticks() -> None:
    svg = column_chart([("d1", 38), ("d2", 3)], title="Events per day")
    assert _axis(svg) == ["0", "10", "20", "30", "40"]
