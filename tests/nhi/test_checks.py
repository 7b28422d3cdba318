"""The ten non-human identity checks, on both databases: what fails, what passes, and a Gap
that makes a check ``manual``."""

from __future__ import annotations

from tenure.model import (
    Activity,
    ActivityCategory,
    ActorKind,
    DeploymentStatus,
    EgressKind,
    Gap,
    ToolPermission,
)
from tenure.services.context import App
from tests.checks.builder import Store, ago, failing, key, manual, person, run, user
from tests.conftest import signed_in

from . import builder as b


def _org(app: App) -> Store:
    store = Store(app)
    store.hr([person("alice@acme.test", manager="boss@acme.test"),
              person("boss@acme.test", manager=""),
              person("gone@acme.test", status="terminated", end=ago(20).date())])
    store.platform(accounts=[
        user("user_alice", "alice@acme.test"), user("user_gone", "gone@acme.test"),
        b.service_account("svac_owned", creator="user_alice"),
        b.service_account("svac_orphan"),
        b.service_account("svac_child", creator="svac_owned"),
        b.service_account("svac_left", creator="user_gone"),
        b.service_account("svac_tagged", description="ci bot owner:alice@acme.test"),
        b.service_account("svac_stranger", description="owner:nobody@else.test"),
        b.service_account("svac_archived", status="archived"),
    ], credentials=[key("key_sa", owner="svac_orphan", owner_type="service_account",
                        creator="user_alice")],
        activities=[Activity("act_1", ago(3), ActorKind.SERVICE_ACCOUNT, "svac_owned", None,
                             "platform_file_uploaded", ActivityCategory.CONTENT)])
    return store


def test_sponsor_resolution_and_sponsor_checks(app: App) -> None:
    _org(app)
    summary = run(app)
    assert failing(summary, "nhi-without-sponsor") == {"svac_orphan", "svac_stranger"}
    assert failing(summary, "nhi-sponsor-left") == {"svac_left"}
    # the service account's key is not an orphan: its owner is a listed service account
    assert "key_sa" not in failing(summary, "orphaned-key")
    from tenure.services.sponsors import list_sponsors
    rows = {r["id"]: r for r in list_sponsors(app)}
    assert (rows["svac_owned"]["basis"], rows["svac_owned"]["sponsor"]) == (
        "creator", "alice@acme.test")
    assert (rows["svac_child"]["basis"], rows["svac_child"]["sponsor"]) == (
        "inherited", "alice@acme.test")
    assert rows["svac_tagged"]["basis"] == "convention"
    assert rows["svac_orphan"]["basis"] == "none"
    # an explicit sponsor wins over everything and clears the finding
    from tenure.services.sponsors import set_sponsor
    set_sponsor(signed_in(app, "admin@acme.test"), "svac_orphan", owner="boss@acme.test",
                reason="runs the billing export")
    assert "svac_orphan" not in failing(run(app), "nhi-without-sponsor")


def test_dormant_service_account(app: App) -> None:
    _org(app)
    dormant = failing(run(app), "service-account-dormant")
    assert "svac_owned" not in dormant  # it acted 3 days ago
    assert {"svac_orphan", "svac_child", "svac_left"} <= dormant
    assert "svac_archived" not in dormant


def test_federation_checks(app: App) -> None:
    _org(app)
    b.write(app, [
        b.issuer("fdis_1"), b.issuer("fdis_nojti", check_jti=False),
        b.issuer("fdis_failing", failures=3),
        b.rule("fdrl_pinned", "svac_owned"),
        b.rule("fdrl_wild", "svac_owned", prefix="repo:acme/app:*"),
        b.rule("fdrl_wild_claims", "svac_owned", prefix="repo:acme/app:*",
               claims={"repository_owner": "acme"}),
        b.rule("fdrl_pr", "svac_owned", prefix="repo:acme/app:pull_request"),
        b.rule("fdrl_admin", "svac_owned", scope="org:admin"),
        b.rule("fdrl_all", "svac_owned", all_workspaces=True),
    ])
    summary = run(app)
    assert failing(summary, "federation-rule-broad-match") == {"fdrl_wild", "fdrl_pr"}
    assert failing(summary, "federation-rule-privileged") == {"fdrl_admin", "fdrl_all"}
    assert failing(summary, "federation-issuer-unhealthy") == {"fdis_nojti", "fdis_failing"}
    # rules answer through their target service account (creator alice)
    assert not {r for r in failing(summary, "nhi-without-sponsor") if r.startswith("fdrl_")}


def test_agent_checks(app: App) -> None:
    _org(app)
    b.write(app, [
        b.agent("agent_loose", tools=[b.tool("bash", ToolPermission.ALWAYS_ALLOW),
                                      b.tool("read", ToolPermission.ALWAYS_ALLOW, False)]),
        b.agent("agent_careful", tools=[b.tool("bash")], owner="alice@acme.test"),
        b.environment("env_open", EgressKind.UNRESTRICTED), b.environment("env_closed"),
        b.deployment("depl_exfil", "agent_careful", "env_open", vaults=["vlt_1"]),
        b.deployment("depl_closed", "agent_careful", "env_closed", vaults=["vlt_1"]),
        b.deployment("depl_unowned", "agent_loose", "env_closed"),
        b.deployment("depl_paused", "agent_loose", "env_open", vaults=["vlt_1"],
                     status=DeploymentStatus.PAUSED),
        b.credential("vcrd_ok", "vlt_1"), b.credential("vcrd_expired", "vlt_1", expired=True),
        b.credential("vcrd_old", "vlt_1", age_days=500, expires=False),
        b.credential("vcrd_unused", "vlt_2", expired=True),
    ])
    summary = run(app)
    assert failing(summary, "agent-unsupervised-tools") == {"agent_loose"}
    assert failing(summary, "agent-open-egress-with-secrets") == {"depl_exfil"}
    assert failing(summary, "agent-running-unowned") == {"depl_unowned"}
    assert failing(summary, "vault-credential-expired-in-use") == {"vcrd_expired", "vcrd_old"}
    unsponsored = failing(summary, "nhi-without-sponsor")
    assert {"agent_loose", "depl_unowned"} <= unsponsored
    assert not {"agent_careful", "depl_exfil"} & unsponsored


def test_a_gap_makes_the_checks_manual(app: App) -> None:
    store = _org(app)
    store.platform(source="claude", accounts=[b.service_account("svac_x")],
                   gaps=[Gap("service_account", "403 forbidden"),
                         Gap("federation_rule", "403 forbidden")])
    summary = run(app)
    assert "svac_x" not in failing(summary, "nhi-without-sponsor")
    results = next(o for o in summary.outcomes if o.check.id == "nhi-without-sponsor").results
    assert any(r.hit.subject_id == "claude" and str(r.status) == "manual" for r in results)
    assert "claude" in manual(summary, "federation-rule-broad-match")
