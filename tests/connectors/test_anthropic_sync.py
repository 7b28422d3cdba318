"""Anthropic connector → sync engine → store, over loopback HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from tenure.config import Settings
from tenure.connectors.anthropic import AnthropicConfig
from tenure.model import RunStatus
from tenure.services.context import App
from tenure.services.sync import run_source
from tenure.store import schema, writers
from tests.conftest import FIXED_NOW, make_app
from tests.gaps import SWITCHED_OFF_TYPES, read_gaps

from .fakevendor import ADMIN_KEY, COMPLIANCE_KEY, FakeAnthropic, Reply, error, loopback

pytestmark = pytest.mark.timeout(120)

ORG_ID = "2f8c1a60-3b7d-4e0a-9c55-0d5f3a1b2c3d"


@pytest.fixture
def vendor() -> FakeAnthropic:
    return FakeAnthropic()


@pytest.fixture
def base_url(vendor: FakeAnthropic) -> Iterator[str]:
    with loopback(vendor) as url:
        yield url


@pytest.fixture(autouse=True)
def keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_ANTHROPIC_ADMIN_KEY", ADMIN_KEY)
    monkeypatch.setenv("TEST_ANTHROPIC_COMPLIANCE_KEY", COMPLIANCE_KEY)


def app_for(database_url: str, base_url: str, now: datetime = FIXED_NOW,
            **options: Any) -> App:
    config = AnthropicConfig(
        name="claude", type="anthropic", base_url=base_url,
        api_key_env="TEST_ANTHROPIC_ADMIN_KEY",
        compliance_api_key_env="TEST_ANTHROPIC_COMPLIANCE_KEY",
        backoff_initial_seconds=0.001, backoff_max_seconds=0.01,
        # the recorded org has no OAuth plane nor managed agents: reading them is switched
        # off, not a Gap
        **{"service_accounts": False, "workload_identity": False, "managed_agents": False,
           **options})
    return make_app(database_url, Settings(sources=(config,)), now=now)


@pytest.fixture
def make(database_url: str, base_url: str) -> Iterator[Any]:
    apps: list[App] = []

    def build(now: datetime = FIXED_NOW, **options: Any) -> App:
        application = app_for(database_url, base_url, now, **options)
        apps.append(application)
        return application

    yield build
    for application in apps:
        application.close()


def count(app: App, table: sa.Table, *where: Any) -> int:
    with app.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table).where(*where))
                   .scalar_one())


def present(app: App, table: sa.Table) -> set[str]:
    with app.engine.connect() as conn:
        return set(conn.execute(sa.select(table.c.external_id).where(
            table.c.removed_at.is_(None))).scalars())


def activity_ids(app: App) -> list[str]:
    with app.engine.connect() as conn:
        return list(conn.execute(sa.select(schema.activities.c.external_id)).scalars())


def test_full_sync_of_a_recorded_org(make: Any, vendor: FakeAnthropic) -> None:
    app = make()
    result = run_source(app, "claude")
    assert result.status is RunStatus.COMPLETE, (result.error, result.gaps)
    assert result.tenant == ORG_ID
    assert result.complete_types == {"account", "invite", "workspace", "grant", "credential"}
    assert result.written["account"] == 5
    assert result.written["invite"] == 3
    assert result.written["workspace"] == 2
    assert result.written["credential"] == 5
    assert result.written["usage"] == 2
    assert result.written["activity"] == 10  # 8 compliance events + 2 Claude Code records
    assert result.notes["http_retries"] == 0
    grants = present(app, schema.grants)
    assert "user_04Dan000000000000000000@workspace:wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ:" \
           "workspace_billing" in grants
    assert f"user_01WCz1FkmYMm4gnmykNKUu3Q@organization:{ORG_ID}:admin" in grants
    assert len(grants) == 10, sorted(grants)
    with app.engine.connect() as conn:
        inherited = conn.execute(sa.select(schema.grants.c.account_id).where(
            schema.grants.c.inherited.is_(True))).scalars().all()
        assert inherited == ["user_04Dan000000000000000000"]
        bodies = conn.execute(sa.select(schema.raw_pages.c.body)).scalars().all()
        assert bodies  # raw pages kept
        import zlib
        assert all(b"TESTCANARY" not in zlib.decompress(b) for b in bodies)
        usage = conn.execute(sa.select(schema.usage_daily.c.subject_id,
                                       schema.usage_daily.c.input_tokens)).all()
        assert sorted(usage) == [("apikey_01Rj2N8SVvo6BePZj99NhmiT", 1330),
                                 ("apikey_03Newer00000000000000", 55)]
        rollup = conn.execute(sa.select(schema.activity_daily.c.principal_id).where(
            schema.activity_daily.c.principal_type == "email",
            schema.activity_daily.c.category == "usage")).scalars().all()
        assert rollup == ["cara@acme.test"]
    # The org is sent the documented headers only; the key never appears in a query string.
    assert all("beta" not in q for _, _, q in vendor.calls)


def test_second_sync_is_incremental_and_retires_removed(make: Any,
                                                        vendor: FakeAnthropic) -> None:
    app = make()
    run_source(app, "claude")
    before = activity_ids(app)
    vendor.users = [u for u in vendor.users if u["email"] != "eve@acme.test"]
    # One event indexed late (just before the first run's end, inside the overlap), the
    # others after it.
    new = vendor.add_activities(4, start=FIXED_NOW - timedelta(minutes=5),
                                step=timedelta(minutes=10))
    vendor.calls.clear()
    result = run_source(make(now=FIXED_NOW + timedelta(hours=1)), "claude")
    assert result.status is RunStatus.COMPLETE
    after = activity_ids(app)
    assert sorted(after) == sorted(before + new)  # nothing duplicated, the new ones added
    assert "user_05Eve000000000000000000" not in present(app, schema.accounts)
    assert result.retired["account"] == 1
    feed = [q for _, p, q in vendor.calls if p == "/v1/compliance/activities"]
    # The second run reads only from the high-water mark (less the overlap), not 90 days.
    start = feed[0]["created_at.gte"][0]
    assert start >= (FIXED_NOW - timedelta(minutes=11)).isoformat().replace("+00:00", "Z")


def test_forbidden_endpoint_is_a_gap_and_the_rest_goes_on(make: Any,
                                                          vendor: FakeAnthropic) -> None:
    app = make()
    run_source(app, "claude")
    vendor.denied.add("/v1/organizations/api_keys")
    result = run_source(app, "claude")
    assert result.status is RunStatus.PARTIAL
    assert [(g.record_type, g.reason) for g in read_gaps(result.gaps)] == [
        ("credential", "permission_error (HTTP 403)")]
    assert "credential" not in result.complete_types
    assert {"account", "invite", "workspace", "grant"} <= result.complete_types
    # Keys seen before are not retired by a run that could not list them.
    assert len(present(app, schema.credentials)) == 5
    with app.engine.connect() as conn:
        gaps = conn.execute(sa.select(schema.gaps.c.record_type)).scalars().all()
    assert [g for g in gaps if g not in SWITCHED_OFF_TYPES] == ["credential"]


def test_compliance_not_enabled_is_a_gap(make: Any, vendor: FakeAnthropic) -> None:
    vendor.missing.add("/v1/compliance")
    result = run_source(make(), "claude")
    assert result.status is RunStatus.PARTIAL
    assert [g.record_type for g in read_gaps(result.gaps)] == ["activity"]
    assert "Compliance API enabled" in read_gaps(result.gaps)[0].detail
    assert result.written["activity"] == 2  # Claude Code analytics still read


def test_org_without_workspaces(make: Any, vendor: FakeAnthropic) -> None:
    vendor.workspaces, vendor.members = [], {}
    result = run_source(make(), "claude")
    assert [(g.record_type, g.reason) for g in read_gaps(result.gaps)] == [
        ("workspace", "no workspaces")]
    assert "grant" in result.complete_types  # no workspaces means no workspace grants


def test_compliance_key_with_bearer_auth(make: Any, vendor: FakeAnthropic) -> None:
    vendor.compliance_bearer_only = True
    result = run_source(make(), "claude")
    assert result.status is RunStatus.COMPLETE, result.gaps
    assert result.written["activity"] == 10


def test_activity_types_filter_is_sent(make: Any, vendor: FakeAnthropic) -> None:
    result = run_source(make(activity_types=("sso_login_succeeded", "sso_login_failed")),
                        "claude")
    assert result.written["activity"] == 2 + 2
    feed = [q for _, p, q in vendor.calls if p == "/v1/compliance/activities"]
    assert feed[0]["activity_types[]"] == ["sso_login_succeeded", "sso_login_failed"]


def test_organization_filter_is_sent(make: Any, vendor: FakeAnthropic) -> None:
    run_source(make(organization_ids=("org_01Wv6QeBcDfGhJkLmNpQrSt8",)), "claude")
    feed = [q for _, p, q in vendor.calls if p == "/v1/compliance/activities"]
    assert feed[0]["organization_ids[]"] == ["org_01Wv6QeBcDfGhJkLmNpQrSt8"]


def test_changing_the_activity_filter_rereads_the_lookback(make: Any,
                                                          vendor: FakeAnthropic) -> None:
    run_source(make(activity_types=("sso_login_succeeded",)), "claude")
    vendor.calls.clear()
    result = run_source(make(now=FIXED_NOW + timedelta(hours=1)), "claude")
    assert result.written["activity"] == 8 - 1  # every other type, from the lookback
    feed = [q for _, p, q in vendor.calls if p == "/v1/compliance/activities"]
    assert feed[0]["created_at.gte"][0].startswith("2026-08-27")


def test_a_refused_committed_cursor_restarts_its_window(make: Any,
                                                        vendor: FakeAnthropic) -> None:
    app = make()
    # A crash left an open feed window whose page cursor the vendor no longer accepts.
    start = FIXED_NOW - timedelta(days=90)
    with app.engine.begin() as conn:
        writers.save_cursor(conn, source="claude", stream="activities", run_id="old",
                            now=FIXED_NOW, cursor={
                                "high_water": None, "start": start.isoformat(),
                                "end": FIXED_NOW.isoformat(), "page": "activity_expired",
                                "activity_types": []})
    result = run_source(app, "claude")
    assert result.status is RunStatus.COMPLETE, (result.error, result.gaps)
    assert len([i for i in activity_ids(app) if i.startswith("activity_")]) == 8
    feed = [q for _, p, q in vendor.calls if p == "/v1/compliance/activities"]
    assert feed[0]["after_id"] == ["activity_expired"]
    assert "after_id" not in feed[1]


def test_sync_with_faults_completes_and_reports_retries(make: Any,
                                                        vendor: FakeAnthropic) -> None:
    rng = random.Random(7)
    faults = [error(429, "rate_limit_error", **{"retry-after": "0"}),
              error(529, "overloaded_error"), error(500, "api_error"),
              Reply(body={"data": [1, 2, 3]}, truncate=7), Reply(raw=b'{"data": [')]
    vendor.fault_when = lambda path, query: rng.choice(faults) if rng.random() < 0.3 else None
    vendor.page_cap = 2
    result = run_source(make(max_retries=20), "claude")
    assert result.status is RunStatus.COMPLETE, (result.error, result.gaps)
    assert result.notes["http_retries"] > 0
    assert set(result.notes["http_retry_reasons"]) <= {"429", "529", "5xx", "transport",
                                                       "malformed"}
    assert result.written["activity"] == 10


def test_outage_beyond_retries_is_a_gap(make: Any, vendor: FakeAnthropic) -> None:
    vendor.fault_when = lambda path, query: error(503, "api_error") if "usage_report/messages" \
        in path else None
    result = run_source(make(max_retries=2), "claude")
    assert [(g.record_type, g.reason) for g in read_gaps(result.gaps)] == [
        ("usage", "unavailable after retries")]
    assert result.notes["http_retries"] == 2  # max_retries for the one failing request


def test_legacy_page_limit_falls_back_to_100(make: Any, vendor: FakeAnthropic) -> None:
    vendor.legacy_limit = True
    result = run_source(make(), "claude")
    assert result.status is RunStatus.COMPLETE, (result.error, result.gaps)
    limits = [q["limit"][0] for _, p, q in vendor.calls if p == "/v1/organizations/users"]
    assert limits == ["1000", "100"]
    assert result.written["account"] == 5


def test_bad_admin_key_fails_the_run_clearly(make: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_ANTHROPIC_ADMIN_KEY", "sk-ant-admin01-WRONGWRONGWRONG-000")
    result = run_source(make(), "claude")
    assert result.status is RunStatus.FAILED
    assert result.error is not None
    assert "HTTP 401 authentication_error" in result.error
    assert "WRONGWRONG" not in result.error


@pytest.mark.timeout(30)
def test_out_of_order_feed_fails_with_a_clear_error(make: Any, vendor: FakeAnthropic) -> None:
    original = vendor.ordered_activities

    def shuffled(query: dict[str, list[str]]) -> list[dict[str, Any]]:
        events = original(query)
        return events[::-1]

    vendor.ordered_activities = shuffled  # type: ignore[method-assign]
    result = run_source(make(), "claude")
    assert result.status is RunStatus.FAILED
    assert result.error is not None
    assert "out of order" in result.error


@pytest.mark.timeout(30)
def test_repeated_cursor_fails_with_a_clear_error(make: Any, vendor: FakeAnthropic) -> None:
    vendor.fault_when = lambda path, query: Reply(body={
        "data": [vendor.users[0]], "has_more": True, "first_id": "x", "last_id": "x"}) \
        if path == "/v1/organizations/users" else None
    result = run_source(make(), "claude")
    assert result.status is RunStatus.FAILED
    assert result.error is not None
    assert "again" in result.error


class Crash(BaseException):
    """Stands in for SIGKILL inside the process: nothing after it runs, nothing is finished."""


def crash_after(n: int) -> Any:
    seen = {"batches": 0}

    def progress(source: str, stream: str, written: int) -> None:
        seen["batches"] += 1
        if seen["batches"] >= n:
            raise Crash

    return progress


@pytest.mark.parametrize("crash_at", [1, 3, 6, 9, 12])
def test_crash_between_pages_resumes_with_nothing_lost_or_duplicated(
    make: Any, vendor: FakeAnthropic, crash_at: int,
) -> None:
    vendor.activities = []
    ids = vendor.add_activities(40, start=FIXED_NOW - timedelta(days=5),
                                step=timedelta(hours=2))
    app = make(activity_page_size=7)
    with pytest.raises(Crash):
        run_source(app, "claude", progress=crash_after(crash_at))
    vendor.calls.clear()
    result = run_source(app, "claude")
    assert result.status is RunStatus.COMPLETE, (result.error, result.gaps)
    stored = [i for i in activity_ids(app) if i.startswith("activity_")]
    assert sorted(stored) == sorted(ids)
    with app.engine.connect() as conn:
        runs = dict(conn.execute(sa.select(schema.sync_runs.c.status,
                                           sa.func.count()).group_by(
            schema.sync_runs.c.status)).all())
    assert runs == {"failed": 1, "complete": 1}  # the killed run is recorded as interrupted



def test_one_bad_record_is_quarantined_and_the_rest_stored(make: Any,
                                                           vendor: FakeAnthropic) -> None:
    """A user without id and a key with a non-string id: each set aside with the endpoint,
    page and field named; the run is partial, the rest is stored, nothing is retired."""
    app = make()
    assert run_source(app, "claude").status is RunStatus.COMPLETE
    vendor.users.insert(1, {"type": "user", "email": "noid@acme.test", "role": "user",
                            "added_at": "2026-01-01T00:00:00Z", "x_unknown": [1, 2]})
    vendor.keys.append({"id": 12345, "type": "api_key", "status": "active"})
    result = run_source(app, "claude")
    assert result.status is RunStatus.PARTIAL
    problems = sorted(result.problems, key=lambda p: str(p["endpoint"]))
    assert [(p["endpoint"], p["field"]) for p in problems] == [
        ("/v1/organizations/api_keys", "id"), ("/v1/organizations/users", "id")]
    assert problems[1]["index"] == 0  # the fake vendor sorts the id-less record first
    assert "first page" in str(problems[1]["page"])
    assert result.written["account"] == 5  # the five good users
    assert result.written["credential"] == 5
    assert {"account", "grant", "credential"}.isdisjoint(result.complete_types)
    assert {g.record_type for g in result.gaps if g.reason == "quarantined vendor record"} == {
        "account", "grant", "credential"}
    assert count(app, schema.accounts, schema.accounts.c.removed_at.is_not(None)) == 0
