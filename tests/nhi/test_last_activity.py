"""When each non-human identity last acted, and by which signal (``tenure nhi list``, /nhi)."""

from __future__ import annotations

from tenure.model import (
    Activity,
    ActivityCategory,
    ActivityTarget,
    ActorKind,
    TargetRelation,
)
from tenure.services.context import App
from tenure.services.nhi_views import list_nhis
from tests.checks.builder import Store, ago, key, person, user

from . import builder as b


def test_last_activity_per_identity_with_its_signal(app: App) -> None:
    store = Store(app)
    store.hr([person("alice@acme.test", manager="")])
    federated = Activity(
        "act_fed", ago(2), ActorKind.FEDERATED, "issuer|repo:acme/app", None,
        "platform_federated_authentication", ActivityCategory.LOGIN,
        targets=(ActivityTarget(TargetRelation.SUBJECT, "service_account", "svac_ci"),
                 ActivityTarget(TargetRelation.RESOURCE, "federation_rule", "fdrl_ci")))
    store.platform(accounts=[
        user("user_alice", "alice@acme.test"),
        b.service_account("svac_feed", creator="user_alice"),
        b.service_account("svac_key", creator="user_alice"),
        b.service_account("svac_ci", creator="user_alice"),
        b.service_account("svac_idle", creator="user_alice"),
    ], credentials=[key("key_sa", owner="svac_key", owner_type="service_account",
                        last_used=ago(5))],
        activities=[Activity("act_1", ago(3), ActorKind.SERVICE_ACCOUNT, "svac_feed", None,
                             "platform_file_uploaded", ActivityCategory.CONTENT), federated])
    b.write(app, [b.rule("fdrl_ci", "svac_ci"),
                  b.agent("agent_1", tools=[]), b.environment("env_1"),
                  b.deployment("depl_1", "agent_1", "env_1")])
    rows = {r["id"]: r for r in list_nhis(app)}
    assert rows["svac_feed"]["last_signal"] == "acted as itself (activity feed)"
    assert rows["svac_key"]["last_signal"] == "one of its keys was used"
    assert rows["svac_ci"]["last_signal"] == "federated login"
    assert rows["fdrl_ci"]["last_signal"] == "federated login"
    assert rows["depl_1"]["last_signal"] == "last run"
    assert rows["agent_1"]["last_signal"] == "a deployment of it ran"
    assert (rows["svac_idle"]["last_active"], rows["svac_idle"]["last_signal"]) == (
        "", "no activity seen")
    assert rows["svac_ci"]["last_active"][:10] == ago(2).date().isoformat()
