"""long-lived-key, key-in-archived-workspace, key-usage-spike."""

from __future__ import annotations

from tenure.model import Workspace
from tenure.services.context import App
from tests.checks.builder import Store, ago, day_ago, failing, key, run, usage


def test_long_lived_keys(app: App) -> None:
    Store(app).platform(credentials=[
        key("k_old", created=ago(91)),
        key("k_old_expiring", created=ago(200), expires=ago(-30)),
        key("k_young", created=ago(89)),
        key("k_old_inactive", created=ago(300), status="inactive"),
        key("k_old_svc", created=ago(120), owner="sa_1", owner_type="service_account"),
    ])
    assert failing(run(app), "long-lived-key") == {"k_old", "k_old_svc"}


def test_keys_in_archived_workspaces(app: App) -> None:
    Store(app).platform(
        workspaces=[Workspace("wrk_live", "live", ago(300)),
                    Workspace("wrk_done", "done", ago(300), archived_at=ago(20))],
        credentials=[key("k_live", workspace="wrk_live"), key("k_done", workspace="wrk_done"),
                     key("k_done_off", workspace="wrk_done", status="archived")])
    summary = run(app)
    assert failing(summary, "key-in-archived-workspace") == {"k_done"}


def test_usage_spike_against_trailing_median(app: App) -> None:
    steady = [usage("k_spike", day_ago(d), 100) for d in range(8, 38)]
    steady += [usage("k_calm", day_ago(d), 100) for d in range(8, 38)]
    steady += [usage("k_small", day_ago(d), 2) for d in range(8, 38)]
    steady += [usage("k_thin", day_ago(d), 10) for d in range(8, 11)]
    recent = [usage("k_spike", day_ago(3), 1500), usage("k_calm", day_ago(3), 900),
              usage("k_small", day_ago(2), 90), usage("k_thin", day_ago(1), 5000),
              usage("k_new", day_ago(1), 9000)]
    Store(app).platform(credentials=[key(k, created=ago(60)) for k in
                                     ("k_spike", "k_calm", "k_small", "k_thin", "k_new")],
                        usage=steady + recent)
    summary = run(app)
    # calm: 9x (under 10x); small: under the minimum volume; thin and new: no baseline
    assert failing(summary, "key-usage-spike") == {"k_spike"}
    hit = next(r.hit for o in summary.outcomes if o.check.id == "key-usage-spike"
               for r in o.results)
    assert hit.evidence["peak_volume"] == 150_000
    assert hit.evidence["baseline_median"] == 10_000
    assert hit.evidence["peak_day"] == day_ago(3).isoformat()


def test_spike_median_with_even_days(app: App) -> None:
    days = [usage("k_even", day_ago(8 + i), r) for i, r in
            enumerate([10, 10, 10, 10, 30, 30, 30, 30])]
    Store(app).platform(credentials=[key("k_even", created=ago(60))],
                        usage=[*days, usage("k_even", day_ago(1), 201)])
    summary = run(app)
    assert failing(summary, "key-usage-spike") == {"k_even"}  # median 20, 201 > 200
