"""Store contracts through the real sync engine, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from tenure.clock import Clock
from tenure.config import Settings
from tenure.connectors.base import Batch, RawPage, StreamComplete, SyncItem, TenantInfo
from tenure.identity import link_identity
from tenure.model import (
    Account,
    AccountKind,
    Activity,
    ActivityCategory,
    ActivityTarget,
    ActorKind,
    Entitlement,
    Gap,
    Grant,
    Person,
    PersonStatus,
    RunStatus,
    ScopeType,
    TargetRelation,
    Usage,
)
from tenure.services.context import App
from tenure.services.inventory import list_accounts
from tenure.services.sync import run_source
from tenure.store import schema
from tenure.store.db import make_engine

from .. import scripted
from ..conftest import FIXED_NOW, make_app
from ..scripted import ScriptedConfig

T0 = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.fixture
def platform(database_url: str) -> Iterator[App]:
    """An App with one scripted platform source 'claude' and one scripted HR source 'hr'."""
    scripted.register()
    settings = Settings(sources=(ScriptedConfig(name="claude", type="scripted"),
                                 ScriptedConfig(name="hr", type="scripted")))
    application = make_app(database_url, settings)
    yield application
    application.close()


def run(app: App, source: str, items: Sequence[SyncItem | Exception]) -> RunStatus:
    scripted.SCRIPTS[source] = items
    return run_source(app, source).status


def user(uid: str, email: str | None, role: str = "user") -> Account:
    return Account(uid, AccountKind.USER, email, uid, role, created_at=T0)


def rows(app: App, table: sa.Table) -> list[dict[str, object]]:
    with app.engine.connect() as conn:
        return [dict(r) for r in conn.execute(sa.select(table).order_by(
            *table.primary_key.columns)).mappings()]


def test_upsert_stamps_runs_and_complete_run_retires_missing(platform: App) -> None:
    listing = [TenantInfo("org-1"), Batch("users", [user("u1", "A@x.io"), user("u2", "b@x.io")]),
               StreamComplete("account")]
    assert run(platform, "claude", listing) is RunStatus.COMPLETE
    assert run(platform, "claude", [TenantInfo("org-1"), Batch("users", [user("u1", "a@x.io")]),
                                    StreamComplete("account")]) is RunStatus.COMPLETE
    accounts = {r["external_id"]: r for r in rows(platform, schema.accounts)}
    assert accounts["u1"]["removed_at"] is None
    assert accounts["u1"]["email"] == "a@x.io"
    assert accounts["u1"]["tenant"] == "org-1"
    assert accounts["u2"]["removed_at"] == FIXED_NOW
    assert accounts["u1"]["first_seen_at"] == FIXED_NOW
    # Reappearing revives the record (kept for history, never duplicated).
    run(platform, "claude", [TenantInfo("org-1"), Batch("users", [user("u2", "b@x.io")])])
    accounts = {r["external_id"]: r for r in rows(platform, schema.accounts)}
    assert len(accounts) == 2
    assert accounts["u2"]["removed_at"] is None


def test_incomplete_partial_or_failed_runs_never_retire(platform: App) -> None:
    run(platform, "claude", [TenantInfo("org-1"), Batch("users", [user("u1", "a@x.io"),
                                                                  user("u2", "b@x.io")]),
                             StreamComplete("account")])
    # listing not finished (no StreamComplete): nothing retired
    assert run(platform, "claude", [TenantInfo("org-1"), Batch("users", [user("u1", "a@x.io")])]
               ) is RunStatus.COMPLETE
    # a gap makes the run partial; the account listing was not completed either
    assert run(platform, "claude", [TenantInfo("org-1"), Batch("users", [user("u1", "a@x.io")]),
                                    Gap("account", "permission_error", "403 on /users")]
               ) is RunStatus.PARTIAL
    # a failure after a complete listing: still nothing retired
    assert run(platform, "claude", [TenantInfo("org-1"), Batch("users", [user("u1", "a@x.io")]),
                                    StreamComplete("account"), RuntimeError("network down")]
               ) is RunStatus.FAILED
    assert all(r["removed_at"] is None for r in rows(platform, schema.accounts))
    runs = rows(platform, schema.sync_runs)
    assert sorted(r["status"] for r in runs) == ["complete", "complete", "failed", "partial"]
    (failed,) = [r for r in runs if r["status"] == "failed"]
    assert "RuntimeError: network down" in str(failed["error"])
    assert [g["reason"] for g in rows(platform, schema.gaps)] == ["permission_error"]


def test_activity_dedup_by_vendor_id_and_rollups_count_once(platform: App) -> None:
    def event(i: int, minutes: int, actor: str = "u1", category: str = "admin") -> Activity:
        return Activity(f"act_{i}", T0 + timedelta(minutes=minutes), "user", actor,
                        f"{actor}@x.io", "org_user_deleted", category)

    page1 = [event(1, 0), event(2, 10), event(3, 20, "u2", "login")]
    page2 = [event(2, 10), event(3, 20, "u2", "login"), event(4, 60 * 25), event(4, 60 * 25)]
    run(platform, "claude", [TenantInfo("org-1"), Batch("activity", page1, cursor={"at": 1}),
                             Batch("activity", page2, cursor={"at": 2})])
    run(platform, "claude", [TenantInfo("org-1"), Batch("activity", page1 + page2)])
    assert [r["external_id"] for r in rows(platform, schema.activities)] == [
        "act_1", "act_2", "act_3", "act_4"]
    email_only = Activity("cc_1", T0, "user", None, "Ada@x.io", "claude_code_usage", "usage")
    run(platform, "claude", [TenantInfo("org-1"), Batch("activity", [email_only])])
    daily = {(r["principal_type"], r["principal_id"], r["day"], r["category"]):
             (r["events"], r["last_at"]) for r in rows(platform, schema.activity_daily)}
    assert daily[("account", "u1", date(2026, 11, 1), "admin")] == (2, T0 + timedelta(minutes=10))
    assert daily[("account", "u1", date(2026, 11, 2), "admin")] == (
        1, T0 + timedelta(minutes=60 * 25))
    assert daily[("account", "u2", date(2026, 11, 1), "login")][0] == 1
    # An event that names an account is not counted again by email (that would double it).
    assert [k for k in daily if k[0] == "email"] == [
        ("email", "ada@x.io", date(2026, 11, 1), "usage")]  # only where no account is named
    cursors = rows(platform, schema.sync_cursors)
    assert [(c["stream"], c["cursor"]) for c in cursors] == [("activity", {"at": 2})]


def test_cursor_committed_with_its_page_is_handed_back_after_a_crash(platform: App) -> None:
    def ev(i: int) -> Activity:
        return Activity(f"a{i}", T0 + timedelta(minutes=i), "user", "u1", None, "x", "content")

    status = run(platform, "claude", [
        TenantInfo("org-1"), Batch("activity", [ev(1)], cursor={"page": 1}),
        Batch("activity", [ev(2)], cursor={"page": 2}), RuntimeError("killed")])
    assert status is RunStatus.FAILED
    run(platform, "claude", [TenantInfo("org-1")])
    assert scripted.SEEN_CURSORS["claude"] == {"activity": {"page": 2}}
    assert len(rows(platform, schema.activities)) == 2


def test_interrupted_run_is_marked_failed_by_the_next_run(platform: App) -> None:
    with platform.engine.begin() as conn:
        conn.execute(schema.sync_runs.insert().values(
            id="dead", source="claude", source_type="scripted", tenant="claude",
            started_at=T0, status="running", complete_types=[], stats={}))
    run(platform, "claude", [TenantInfo("org-1")])
    dead = next(r for r in rows(platform, schema.sync_runs) if r["id"] == "dead")
    assert dead["status"] == "failed"
    assert "interrupted" in str(dead["error"])


def test_usage_rereads_replace_the_days_figures(platform: App) -> None:
    day = date(2026, 11, 3)
    run(platform, "claude", [Batch("usage", [Usage("api_key", "k1", day, 5, 100, 10)])])
    run(platform, "claude", [Batch("usage", [Usage("api_key", "k1", day, 7, 140, 12)])])
    (usage,) = rows(platform, schema.usage_daily)
    assert (usage["requests"], usage["input_tokens"]) == (7, 140)


def test_grants_record_their_entitlements(platform: App) -> None:
    admin = Entitlement(ScopeType.ORGANIZATION, "org-1", "admin", privileged=True)
    ws = Entitlement("workspace", "wrkspc_1", "workspace_admin", privileged=True)
    run(platform, "claude", [TenantInfo("org-1"), Batch("grants", [
        Grant("u1", admin), Grant("u1", ws, inherited=True), Grant("u2", ws)])])
    assert {r["external_id"] for r in rows(platform, schema.entitlements)} == {
        "organization:org-1:admin", "workspace:wrkspc_1:workspace_admin"}
    grants = {r["external_id"]: r for r in rows(platform, schema.grants)}
    assert grants["u1@workspace:wrkspc_1:workspace_admin"]["inherited"] is True


def test_identity_resolution_by_email_then_manual_link(platform: App) -> None:
    people = [Person("ada@x.io", "Ada", "E1", PersonStatus.ACTIVE),
              Person("bob@x.io", "Bob", "E2", PersonStatus.TERMINATED, end_date=date(2026, 1, 1))]
    run(platform, "hr", [TenantInfo("hr"), Batch("people", people), StreamComplete("person")])
    svc = Account("svc_1", AccountKind.SERVICE_ACCOUNT, "ada@x.io", "ci-bot", "developer")
    run(platform, "claude", [TenantInfo("org-1"), Batch("users", [
        user("u1", "ADA@x.io"), user("u2", "robert.personal@gmail.com"), user("u3", None),
        svc])])
    by_id = {a.external_id: a for a in list_accounts(platform)}
    assert (by_id["u1"].person_email, by_id["u1"].match) == ("ada@x.io", "email")
    assert by_id["u2"].match == "unmatched"
    assert by_id["u3"].match == "unmatched"
    # a service account is a non-human identity: never matched as a person by email
    assert by_id["svc_1"].match == "unmatched"
    with platform.engine.begin() as conn:
        link_identity(conn, account_or_email="robert.personal@gmail.com",
                      person_email="BOB@x.io", actor="tester", reason="personal address",
                      now=FIXED_NOW)
    by_id = {a.external_id: a for a in list_accounts(platform)}
    assert (by_id["u2"].person_email, by_id["u2"].match) == ("bob@x.io", "manual")
    assert by_id["u2"].person_status == "terminated"
    # links survive re-syncs
    run(platform, "claude",
        [TenantInfo("org-1"), Batch("users", [user("u2", "robert.personal@gmail.com")])])
    assert {a.external_id: a for a in list_accounts(platform)}["u2"].match == "manual"


def test_every_run_and_batch_is_in_the_hash_chained_ledger(platform: App) -> None:
    body = b'{"data": []}'
    run(platform, "claude", [TenantInfo("org-1"),
                             Batch("users", [user("u1", "a@x.io")], raw=RawPage("/v1/x", body))])
    entries = rows(platform, schema.ledger_entries)
    assert [e["kind"] for e in entries] == ["sync.batch", "sync_run.complete"]
    assert entries[1]["prev_hash"] == entries[0]["entry_hash"]
    assert entries[0]["prev_hash"] == "0" * 64
    import hashlib
    import json
    assert json.loads(str(entries[0]["payload"]))["raw_page_sha256"] == hashlib.sha256(
        body).hexdigest()


def test_naive_datetimes_are_refused(database_url: str) -> None:
    engine = make_engine(database_url)
    with pytest.raises(sa.exc.StatementError, match="naive datetime"), engine.begin() as conn:
        conn.execute(schema.gaps.insert().values(
            sync_run_id="x", source="s", tenant="t", record_type="r", reason="r", detail="",
            created_at=datetime(2026, 1, 1)))
    engine.dispose()


def test_clock_drives_every_timestamp(database_url: str) -> None:
    scripted.register()
    settings = Settings(sources=(ScriptedConfig(name="claude", type="scripted"),))
    app = make_app(database_url, settings, now=datetime(2030, 5, 1, tzinfo=UTC))
    assert app.clock == Clock(datetime(2030, 5, 1, tzinfo=UTC))
    run(app, "claude", [Batch("users", [user("u1", "a@x.io")])])
    (account,) = rows(app, schema.accounts)
    assert account["last_seen_at"] == datetime(2030, 5, 1, tzinfo=UTC)
    app.close()


def test_activity_targets_are_stored_once_and_joinable(platform: App) -> None:
    s = TargetRelation.SUBJECT
    added = Activity("grp_1", T0, ActorKind.USER, "u1", None, "group_member_added",
                     ActivityCategory.ADMIN, "account", "u2", targets=(
                         ActivityTarget(s, "account", "u2"), ActivityTarget(s, "account", "u3"),
                         ActivityTarget(TargetRelation.RESOURCE, "group", "g1")))
    removed = Activity("del_1", T0 + timedelta(hours=1), ActorKind.ADMIN_KEY, "apikey_admin",
                       None, "org_user_deleted", ActivityCategory.ADMIN, "user", "u3",
                       credential_id="apikey_admin", targets=(
                           ActivityTarget(s, "user", "u3", "U3@X.io"),))
    login = Activity("login_1", T0, ActorKind.USER, "u3", None, "sso_login_succeeded",
                     ActivityCategory.LOGIN)
    run(platform, "claude", [TenantInfo("org-1"), Batch("activity", [added, removed, login])])
    run(platform, "claude", [TenantInfo("org-1"), Batch("activity", [removed, added])])  # again
    stored = rows(platform, schema.activity_targets)
    assert [(r["external_id"], r["seq"], r["relation"], r["target_type"], r["target_id"],
             r["target_email"]) for r in stored] == [
        ("grp_1", 0, "subject", "account", "u2", None),
        ("grp_1", 1, "subject", "account", "u3", None),
        ("grp_1", 2, "resource", "group", "g1", None),
        ("del_1", 0, "subject", "user", "u3", "u3@x.io")]
    assert stored[0]["occurred_at"] == T0
    # "Who did what to u3": one join on the activity key.
    a, t = schema.activities, schema.activity_targets
    with platform.engine.connect() as conn:
        found = conn.execute(
            sa.select(a.c.action, a.c.actor_kind, a.c.actor_id)
            .join(t, sa.and_(t.c.source == a.c.source, t.c.tenant == a.c.tenant,
                             t.c.occurred_at == a.c.occurred_at,
                             t.c.external_id == a.c.external_id))
            .where(t.c.target_id == "u3").order_by(a.c.occurred_at)).all()
    assert [tuple(r) for r in found] == [("group_member_added", "user", "u1"),
                                         ("org_user_deleted", "admin_key", "apikey_admin")]
