"""overactive-admin, privileged-without-purpose, access-past-purpose, mover-stale-access."""

from __future__ import annotations

from datetime import timedelta

from tenure.model import (
    Activity,
    ActivityCategory,
    ActivityTarget,
    ActorKind,
    Group,
    GroupMember,
    Permission,
    PrincipalKind,
    Role,
    RoleAssignment,
    ScopeType,
    TargetRelation,
    Workspace,
)
from tenure.services.context import App
from tests.checks.builder import (
    Store,
    ago,
    event,
    failing,
    grant,
    key,
    person,
    run,
    user,
)


def _admin_events(actor: str, count: int, days_ago: float = 2) -> list[Activity]:
    return [event(f"{actor}-{i}-{days_ago}", ago(days_ago) + timedelta(minutes=i),
                  actor=actor, category="admin") for i in range(count)]


def test_overactive_admin_against_peers(app: App) -> None:
    admins = [user(f"user_a{i}", f"a{i}@acme.test", role="admin") for i in range(4)]
    events = (_admin_events("user_a0", 60) + _admin_events("user_a1", 4)
              + _admin_events("user_a2", 6) + _admin_events("user_a3", 25)
              + _admin_events("user_a3", 100, days_ago=20)   # outside the 7-day window
              + _admin_events("user_dev", 80))               # not an admin
    Store(app).platform(accounts=[*admins, user("user_dev", "dev@acme.test", role="developer")],
                        activities=events)
    summary = run(app)
    # a0: 60 > 20 and > 5 x median(4, 6, 25)=6 -> fails; a3: 25 is under 5 x 6
    assert failing(summary, "overactive-admin") == {"user_a0"}


def test_single_admin_compared_with_floor_only(app: App) -> None:
    Store(app).platform(accounts=[user("user_a0", "a0@acme.test", role="admin")],
                        activities=_admin_events("user_a0", 21))
    assert failing(run(app), "overactive-admin") == {"user_a0"}


def test_privileged_without_purpose(app: App) -> None:
    store = Store(app)
    store.platform(
        accounts=[user("user_adm", "adm@acme.test", role="admin"),
                  user("user_ok", "ok@acme.test", role="admin"),
                  user("user_mail", "mail@acme.test", role="developer"),
                  user("user_exp", "exp@acme.test", role="admin"),
                  user("user_ws", "ws@acme.test"), user("user_wsok", "wsok@acme.test"),
                  user("user_plain", "plain@acme.test")],
        grants=[grant("user_ws", "workspace_admin", privileged=True),
                grant("user_wsok", "workspace_admin", privileged=True),
                grant("user_plain", "workspace_user")])
    store.purpose("user_ok", expires=ago(-30))
    store.purpose("mail@acme.test")
    store.purpose("user_exp", expires=ago(1))
    store.purpose("user_wsok@workspace:wrk_1:workspace_admin", subject_type="grant")
    # Judged by tier, admin by default: a workspace admin (elevated) is not drowned in with
    # the org admins; a developer with a purpose passes either way.
    summary = run(app)
    assert failing(summary, "privileged-without-purpose") == {"user_adm", "user_exp"}
    elevated = App(settings=app.settings.model_copy(update={"checks": {
        "privileged-without-purpose": {"tier": "elevated"}}}), clock=app.clock,
        actor=app.actor, _engine=app.engine)
    assert failing(run(elevated), "privileged-without-purpose") == {
        "user_adm", "user_exp", "user_ws"}


def test_privileged_without_purpose_via_group_and_custom_role(app: App) -> None:
    admin_role = Role("rbac_role_a", "Helpdesk", scope_id="anthropic", permissions=(
        Permission("permission_manage_members", "organization", "o"),))
    chat_role = Role("rbac_role_c", "Admin (name only)", scope_id="anthropic", permissions=(
        Permission("chat", "organization", "o"),))
    Store(app).platform(
        accounts=[user("user_g", "g@acme.test"), user("user_r", "r@acme.test"),
                  user("user_n", "n@acme.test")],
        access=[admin_role, chat_role, Group("rbac_group_1", "Platform-Admins"),
                GroupMember("rbac_group_1", "user_g"),
                RoleAssignment(PrincipalKind.GROUP, "rbac_group_1", "rbac_role_a",
                               scope_id="anthropic"),
                RoleAssignment(PrincipalKind.USER, "user_r", "rbac_role_a", scope_id="anthropic"),
                RoleAssignment(PrincipalKind.USER, "user_n", "rbac_role_c",
                               scope_id="anthropic")])
    summary = run(app)
    assert failing(summary, "privileged-without-purpose") == {"user_g", "user_r"}
    (via_group,) = [r.hit for o in summary.outcomes if o.check.id == "privileged-without-purpose"
                    for r in o.results if r.hit.subject_id == "user_g"]
    assert via_group.evidence["tier"] == "admin"
    assert via_group.evidence["via_groups"] == 1


def test_access_past_purpose(app: App) -> None:
    store = Store(app)
    store.platform(
        accounts=[user("user_a", "a@acme.test"), user("user_b", "b@acme.test")],
        workspaces=[Workspace("wrk_1", "one"), Workspace("wrk_old", "old", archived_at=ago(3))],
        grants=[grant("user_a", "workspace_user"), grant("user_b", "workspace_user")],
        credentials=[key("k_exp"), key("k_proj"), key("k_renewed"), key("k_off", status="inactive"),
                     key("k_none")])
    store.purpose("user_a@workspace:wrk_1:workspace_user", subject_type="grant", expires=ago(2))
    store.purpose("user_b@workspace:wrk_1:workspace_user", subject_type="grant",
                  expires=ago(-10))
    store.purpose("k_exp", subject_type="api_key", expires=ago(1))
    store.purpose("k_proj", subject_type="api_key", project="wrk_old")
    store.purpose("k_renewed", subject_type="api_key", expires=ago(50))
    store.purpose("k_renewed", subject_type="api_key", expires=ago(-50))
    store.purpose("k_off", subject_type="api_key", expires=ago(1))
    summary = run(app)
    assert failing(summary, "access-past-purpose") == {
        "user_a@workspace:wrk_1:workspace_user", "k_exp", "k_proj"}
    by_subject = {r.hit.subject_id: r.hit for o in summary.outcomes
                  if o.check.id == "access-past-purpose" for r in o.results}
    assert by_subject["k_proj"].evidence["project_archived_at"] == ago(3).isoformat()
    assert by_subject["k_proj"].subject_type == "api_key"
    assert by_subject["user_a@workspace:wrk_1:workspace_user"].subject_type == "grant"


def test_mover_stale_access(app: App) -> None:
    store = Store(app)
    people = [person("mo@acme.test"), person("fresh@acme.test"), person("ok@acme.test"),
              person("stay@acme.test")]
    store.hr(people, at=ago(100))
    store.platform(accounts=[user("user_mo", "mo@acme.test"), user("user_fresh", "fresh@acme.test"),
                             user("user_ok", "ok@acme.test"), user("user_stay", "stay@acme.test")],
                   grants=[grant("user_mo", "workspace_developer", granted=ago(90)),
                           grant("user_mo", "user", scope_type=ScopeType.ORGANIZATION,
                                 scope_id="org",
                                 inherited=True),
                           grant("user_fresh", "workspace_developer", granted=ago(90)),
                           grant("user_ok", "workspace_developer", granted=ago(90)),
                           grant("user_stay", "workspace_developer", granted=ago(90))],
                   at=ago(95))
    store.hr([person("mo@acme.test", department="Sales"), person("ok@acme.test", department="Ops"),
              person("fresh@acme.test"), person("stay@acme.test")], at=ago(30))
    store.hr([person("mo@acme.test", department="Sales"), person("ok@acme.test", department="Ops"),
              person("fresh@acme.test", manager="new@acme.test"), person("stay@acme.test")],
             at=ago(5))
    store.purpose("user_ok", approved=ago(25))
    summary = run(app)
    # fresh moved 5 days ago: still inside the 14-day re-approval window; ok was re-approved
    assert failing(summary, "mover-stale-access") == {
        "user_mo@workspace:wrk_1:workspace_developer"}


def test_admin_changes_through_admin_keys_count_for_the_key_owner(app: App) -> None:
    """An Admin key acting alone is attributed to who answers for it: the owner in the
    inventory (OpenAI) or the creator of the key in the feed (Anthropic). Tenure's own key
    never counts, and identity families beyond roles and members are admin events."""
    admins = [user(f"user_a{i}", f"a{i}@acme.test", role="admin") for i in range(4)]
    created = Activity("created-k1", ago(30), ActorKind.USER, "user_a1", "a1@acme.test",
                       "admin_api_key_created", ActivityCategory.ADMIN, "admin_key", "ak_1",
                       targets=(ActivityTarget(TargetRelation.SUBJECT, "admin_key", "ak_1"),))

    def by_key(kid: str, n: int, kind: ActorKind = ActorKind.ADMIN_KEY) -> list[Activity]:
        return [Activity(f"{kid}-{i}", ago(1) + timedelta(minutes=i), kind, kid, None,
                         "ccr_agent_created", ActivityCategory.ADMIN, credential_id=kid)
                for i in range(n)]

    Store(app).platform(
        accounts=admins,
        credentials=[key("key_owned", owner="user_a2")],
        activities=[created, *by_key("ak_1", 40), *by_key("key_owned", 3, ActorKind.API_KEY),
                    *by_key("tenure_key", 90, ActorKind.TENURE),
                    *_admin_events("user_a0", 2), *_admin_events("user_a3", 1)])
    summary = run(app)
    assert failing(summary, "overactive-admin") == {"user_a1"}
    (hit,) = [r.hit for o in summary.outcomes if o.check.id == "overactive-admin"
              for r in o.results if str(r.status) == "fail"]
    assert hit.evidence["via_keys"] == 40
