"""dormant-account, dormant-key, never-used-key."""

from __future__ import annotations

from tenure.model import Gap
from tenure.services.context import App
from tests.checks.builder import (
    Store,
    ago,
    day_ago,
    event,
    failing,
    key,
    manual,
    person,
    run,
    usage,
    user,
)


def test_dormant_account_from_rollups_by_id_or_email(app: App) -> None:
    store = Store(app)
    store.hr([person(f"{n}@acme.test") for n in ("act", "mail", "idle", "new", "never")]
             + [person("lee@acme.test", status="terminated", end=day_ago(60))])
    store.platform(
        accounts=[user("user_act", "act@acme.test"), user("user_mail", "mail@acme.test"),
                  user("user_idle", "idle@acme.test"), user("user_new", "new@acme.test",
                                                            created=ago(10)),
                  user("user_never", "never@acme.test"), user("user_lee", "lee@acme.test"),
                  user("user_x", "x@other.test")],
        activities=[event("e1", ago(2), actor="user_act", category="content"),
                    # Claude Code analytics give only an email
                    event("e2", ago(3), email="MAIL@acme.test", actor_kind="unauthenticated"),
                    event("e3", ago(45), actor="user_idle", category="login")])
    summary = run(app)
    # new: younger than the window; lee: a leaver (leaver-active-account); x: unmatched
    assert failing(summary, "dormant-account") == {"user_idle", "user_never"}
    idle = next(r for o in summary.outcomes if o.check.id == "dormant-account"
                for r in o.results if r.hit.subject_id == "user_idle")
    assert idle.hit.evidence["last_activity_at"] == ago(45).isoformat()
    assert idle.hit.evidence["window_days"] == 30


def test_dormant_account_manual_on_activity_gap(app: App) -> None:
    store = Store(app)
    store.hr([person("idle@acme.test")])
    store.platform(accounts=[user("user_idle", "idle@acme.test")],
                   gaps=[Gap("activity", "compliance api not enabled")])
    summary = run(app)
    assert failing(summary, "dormant-account") == set()
    assert "compliance api not enabled" in manual(summary, "dormant-account")["anthropic"]


def test_dormant_and_never_used_keys(app: App) -> None:
    store = Store(app)
    store.hr([person("ann@acme.test")])
    store.platform(
        accounts=[user("user_ann", "ann@acme.test")],
        credentials=[
            key("k_busy", creator="user_ann", created=ago(200)),
            key("k_stale", creator="user_ann", created=ago(200)),
            key("k_edge", creator="user_ann", created=ago(200)),
            key("k_never", creator="user_ann", created=ago(40)),
            key("k_young", creator="user_ann", created=ago(5)),
            key("k_openai", creator="user_ann", created=ago(200), last_used=ago(50)),
            key("k_openai_ok", creator="user_ann", created=ago(200), last_used=ago(1)),
            key("k_event", creator="user_ann", created=ago(200)),
            key("k_off", creator="user_ann", created=ago(200), status="inactive"),
        ],
        usage=[usage("k_busy", day_ago(1), 50), usage("k_stale", day_ago(60), 10),
               usage("k_edge", day_ago(30), 3), usage("k_off", day_ago(90), 3)],
        activities=[event("e1", ago(3), credential="k_event", actor_kind="api_key")])
    summary = run(app)
    assert failing(summary, "dormant-key") == {"k_stale", "k_openai"}
    assert failing(summary, "never-used-key") == {"k_never"}


def test_dormant_key_manual_on_usage_gap(app: App) -> None:
    store = Store(app)
    store.platform(credentials=[key("k_stale", created=ago(200))],
                   usage=[usage("k_stale", day_ago(60), 10)],
                   gaps=[Gap("usage", "usage report 500 after retries")])
    summary = run(app)
    assert failing(summary, "dormant-key") == set()
    assert failing(summary, "never-used-key") == set()
    assert "usage" in manual(summary, "dormant-key")["anthropic"]
