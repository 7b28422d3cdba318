"""Who granted, removed or changed what, to whom: the subject page's identity changes and
``tenure activity``, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import timedelta

import sqlalchemy as sa

from tenure.model import (
    Activity,
    ActivityCategory,
    ActivityTarget,
    ActorKind,
    TargetRelation,
)
from tenure.services import web_views
from tenure.services.activity_views import identity_changes
from tenure.store import schema
from tests.checks.builder import Store, ago, key, user
from tests.conftest import make_app

from .cli_helpers import Invoke

S, R = TargetRelation.SUBJECT, TargetRelation.RESOURCE


def _org(database_url: str) -> None:
    app = make_app(database_url)
    created = Activity("act_created", ago(40), ActorKind.USER, "user_admin", "admin@acme.test",
                       "admin_api_key_created", ActivityCategory.ADMIN, "admin_key", "ak_ops",
                       targets=(ActivityTarget(S, "admin_key", "ak_ops"),))
    removed = Activity("act_removed", ago(3), ActorKind.ADMIN_KEY, "ak_ops", None,
                       "org_user_deleted", ActivityCategory.ADMIN, "user", "user_eve",
                       credential_id="ak_ops",
                       targets=(ActivityTarget(S, "user", "user_eve", "eve@acme.test"),))
    grouped = Activity("act_group", ago(5), ActorKind.SCIM, "directory_01Okta", None,
                       "group_member_added", ActivityCategory.ADMIN, "account", "user_eve",
                       targets=(ActivityTarget(S, "account", "user_eve"),
                                ActivityTarget(S, "account", "user_bob"),
                                ActivityTarget(R, "group", "rbac_group_1")))
    invited = Activity("act_invite", ago(60), ActorKind.USER, "user_admin", "admin@acme.test",
                       "org_user_invite_sent", ActivityCategory.ADMIN, "invite", None,
                       targets=(ActivityTarget(S, "invite", None, "eve@acme.test",
                                               "developer"),))
    staff = Activity("act_staff", ago(2), ActorKind.VENDOR_STAFF, "anthropic", None,
                     "claude_chat_viewed", ActivityCategory.VENDOR_ACCESS, "user", "user_eve",
                     targets=(ActivityTarget(S, "user", "user_eve"),))
    tenure = Activity("act_tenure", ago(1), ActorKind.TENURE, "ak_tenure", None,
                      "scoped_api_key_updated", ActivityCategory.ADMIN, "api_key", "key_eve",
                      credential_id="ak_tenure",
                      targets=(ActivityTarget(S, "api_key", "key_eve"),))
    Store(app).platform(
        accounts=[user("user_admin", "admin@acme.test", role="admin"),
                  user("user_eve", "eve@acme.test"), user("user_bob", "bob@acme.test")],
        credentials=[key("key_eve", owner="user_eve")],
        activities=[created, removed, grouped, invited, staff, tenure])
    # Tenure's applied revocation of key_eve at the time of an event made with a key.
    with app.engine.begin() as conn:
        conn.execute(schema.revocation_plans.insert().values(
            id="plan_1", sha256="0" * 64, origin="test", document={}, status="applied",
            created_at=ago(1), created_by="test"))
        conn.execute(schema.plan_actions.insert().values(
            plan_id="plan_1", step_index=0, source="anthropic", kind="api_key",
            subject_id="key_eve", action="set_key_status", status="applied", detail="",
            outcome_at=ago(1) + timedelta(minutes=2)))
    app.close()


def test_subject_page_lists_who_changed_what_for_the_subject(database_url: str) -> None:
    _org(database_url)
    app = make_app(database_url)
    try:
        eve = web_views.subject(app, "account", "anthropic", "user_eve")
        rows = [(c.action, c.actor_kind, c.relation, c.target_id or c.target_email)
                for c in eve.changes]
        assert rows == [
            ("claude_chat_viewed", ActorKind.VENDOR_STAFF, S, "user_eve"),
            ("org_user_deleted", ActorKind.ADMIN_KEY, S, "user_eve"),
            ("group_member_added", ActorKind.SCIM, S, "user_eve"),
            ("org_user_invite_sent", ActorKind.USER, S, "eve@acme.test"),  # by email
        ]
        staff, removed = eve.changes[:2]
        assert staff.category is ActivityCategory.VENDOR_ACCESS
        assert staff.actor == "vendor staff"
        # The Admin key acted; through it, the person who created it answers for it.
        assert removed.accountable == "admin@acme.test"
        assert removed.actor == "admin key ak_ops (for admin@acme.test)"
        assert not removed.by_tenure
        key_page = web_views.subject(app, "api_key", "anthropic", "key_eve")
        (own,) = key_page.changes
        assert own.by_tenure
        assert own.actor_kind is ActorKind.TENURE
    finally:
        app.close()


def test_key_changes_matching_an_applied_revocation_are_tenure_s(database_url: str) -> None:
    _org(database_url)
    app = make_app(database_url)
    try:
        with app.engine.begin() as conn:
            conn.execute(schema.activities.update().where(
                schema.activities.c.external_id == "act_tenure").values(
                actor_kind="admin_key", actor_id="ak_unconfigured",
                credential_id="ak_unconfigured"))
            (change,) = identity_changes(conn, source="anthropic", target_ids=["key_eve"])
        assert change.actor_kind is ActorKind.ADMIN_KEY
        assert change.by_tenure  # matched Tenure's applied step on key_eve two minutes later
        with app.engine.connect() as conn:
            staff = identity_changes(conn, category=ActivityCategory.VENDOR_ACCESS)
            count = conn.execute(sa.select(sa.func.count()).select_from(
                schema.activity_targets)).scalar_one()
        assert [c.action for c in staff] == ["claude_chat_viewed"]
        assert count == 8
    finally:
        app.close()


def test_cli_activity_by_target_and_vendor_access(database_url: str, invoke: Invoke) -> None:
    _org(database_url)
    result = invoke("activity", "--target", "user_eve", "--format", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["action"] for r in rows] == ["claude_chat_viewed", "org_user_deleted",
                                           "group_member_added"]
    assert rows[1]["accountable"] == "admin@acme.test"
    by_email = json.loads(invoke("activity", "-t", "Eve@acme.test", "-f", "json").stdout)
    assert [r["action"] for r in by_email] == ["org_user_deleted", "org_user_invite_sent"]
    text = invoke("activity", "--vendor-access", "--format", "csv")
    assert text.exit_code == 0, text.output
    assert "claude_chat_viewed (vendor staff access)" in text.stdout
    assert "org_user_deleted" not in text.stdout
    everything = invoke("activity", "--days", "30", "--format", "csv").stdout
    assert "Tenure (key ak_tenure)" in everything
    assert "org_user_invite_sent" not in everything  # 60 days ago
    table = invoke("activity", "--days", "30")
    assert table.exit_code == 0
    assert "Identity changes" in table.stdout
