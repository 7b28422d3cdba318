"""dormant-account reads the Claude Enterprise Analytics last_activity_date where it is the
best signal, and says which signal it judged by."""

from __future__ import annotations

from typing import Any

from tenure.checks.dormancy import SIGNALS
from tenure.model import AnalyticsUser
from tenure.services.context import App
from tests.checks.builder import Store, day_ago, person, run, user


def _dormant(app: App) -> dict[str, dict[str, Any]]:
    outcome = next(o for o in run(app).outcomes if o.check.id == "dormant-account")
    return {r.hit.subject_id: dict(r.hit.evidence) for r in outcome.results}


def test_a_chat_only_seat_is_judged_by_analytics(app: App) -> None:
    s = Store(app)
    s.hr([person("ada@acme.test"), person("bob@acme.test"), person("cy@acme.test")])
    s.platform(accounts=(user("u_ada", "ada@acme.test"), user("u_bob", "bob@acme.test"),
                         user("u_cy", "cy@acme.test")),
               access=(AnalyticsUser("u_ada", "ada@acme.test", day_ago(50), {"chat": 3}),
                       AnalyticsUser("u_bob", "bob@acme.test", day_ago(3), {"chat": 9}),
                       AnalyticsUser("u_cy", "cy@acme.test", None)))
    dormant = _dormant(app)
    # bob chatted 3 days ago: the Analytics date alone keeps the seat live.
    assert set(dormant) == {"u_ada", "u_cy"}
    assert dormant["u_ada"]["signal"] == SIGNALS["analytics"]
    assert dormant["u_ada"]["last_analytics_day"] == day_ago(50).isoformat()
    # An org without last-activity reporting omits the date: not the Analytics signal.
    assert dormant["u_cy"]["signal"] == SIGNALS["none"]
