"""Builds check fixtures through the real writers: one sync run per call, like a connector."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from tenure.identity import resolve_identities
from tenure.model import (
    RECORD_TYPES,
    Account,
    AccountKind,
    Activity,
    Credential,
    CredentialKind,
    Entitlement,
    Gap,
    Grant,
    Person,
    PersonStatus,
    RunStatus,
    Usage,
    Workspace,
)
from tenure.services import effective_access
from tenure.services.context import App
from tenure.services.findings import RunSummary, run_checks
from tenure.store import schema, writers
from tenure.store.access_writers import ACCESS_ROWS
from tenure.store.activity import write_activities
from tenure.store.people import retire_missing_people, write_people
from tests.conftest import FIXED_NOW

NOW = FIXED_NOW


def ago(days: float) -> datetime:
    """``days`` before the fixed clock."""
    return NOW - timedelta(days=days)


def day_ago(days: int) -> date:
    """The date ``days`` before the fixed clock."""
    return (NOW - timedelta(days=days)).date()


def person(email: str, *, status: str = "active", end: date | None = None,
           department: str = "Eng", manager: str = "boss@acme.test") -> Person:
    """A person in the HR source."""
    return Person(email=email, name=email.split("@")[0], employee_id=email,
                  status=PersonStatus(status), department=department, manager_email=manager,
                  start_date=date(2024, 1, 1), end_date=end)


def user(uid: str, email: str | None, *, role: str = "user", created: datetime | None = None,
         kind: AccountKind = AccountKind.USER) -> Account:
    """A platform account created a year ago unless told otherwise."""
    return Account(external_id=uid, kind=kind, email=email, name=uid, role=role,
                   created_at=created or ago(365))


def key(kid: str, *, owner: str | None = None, creator: str | None = None,
        owner_type: str | None = "user", status: str = "active", created: datetime | None = None,
        expires: datetime | None = None, workspace: str | None = "wrk_1",
        last_used: datetime | None = None) -> Credential:
    """An API key created 10 days ago unless told otherwise."""
    return Credential(external_id=kid, kind=CredentialKind.API_KEY, name=kid, status=status,
                      owner_type=owner_type, owner_id=owner, creator_id=creator,
                      workspace_id=workspace, created_at=created or ago(10),
                      expires_at=expires, last_used_at=last_used)


def grant(account: str, role: str, *, scope_type: str = "workspace", scope_id: str = "wrk_1",
          privileged: bool = False, granted: datetime | None = None,
          inherited: bool = False) -> Grant:
    """An account holding a role."""
    return Grant(account, Entitlement(scope_type, scope_id, role, privileged),
                 inherited=inherited, granted_at=granted)


def event(eid: str, when: datetime, *, actor: str | None = None, email: str | None = None,
          category: str = "usage", credential: str | None = None,
          actor_kind: str = "user") -> Activity:
    """An activity event."""
    return Activity(external_id=eid, occurred_at=when, actor_kind=actor_kind, actor_id=actor,
                    actor_email=email, action=f"{category}_event", category=category,
                    credential_id=credential)


def usage(kid: str, day: date, requests: int) -> Usage:
    """A key's usage on a day (100 tokens per request)."""
    return Usage(subject_type="api_key", subject_id=kid, day=day, requests=requests,
                 input_tokens=requests * 80, output_tokens=requests * 20)


class Store:
    """Writes fixture data as sync runs, through the same writers the sync engine uses."""

    def __init__(self, app: App) -> None:
        self.app = app

    def hr(self, people: Sequence[Person], *, at: datetime | None = None,
           gap: str | None = None, source: str = "hr") -> None:
        """One complete HR import (retiring people no longer listed)."""
        now = at or ago(1)
        run_id = uuid.uuid4().hex
        with self.app.engine.begin() as conn:
            writers.start_run(conn, run_id=run_id, source=source, source_type="hr-csv",
                              now=now)
            write_people(conn, list(people), source=source, tenant=source, run_id=run_id,
                         now=now)
            if gap:
                writers.record_gap(conn, run_id=run_id, source=source, tenant=source,
                                   record_type="person", reason=gap, detail="", now=now)
            else:
                retire_missing_people(conn, source=source, tenant=source, run_id=run_id,
                                      now=now)
            writers.finish_run(conn, run_id=run_id, tenant=source, complete_types=["person"],
                               status=RunStatus.PARTIAL if gap else RunStatus.COMPLETE,
                               stats={}, error=None, now=now)
            resolve_identities(conn)

    def platform(
        self, *, source: str = "anthropic", accounts: Sequence[Account] = (),
        credentials: Sequence[Credential] = (), workspaces: Sequence[Workspace] = (),
        grants: Sequence[Grant] = (), activities: Sequence[Activity] = (),
        usage: Sequence[Usage] = (), gaps: Sequence[Gap] = (), at: datetime | None = None,
        failed: bool = False, access: Sequence[Any] = (),
    ) -> None:
        """One platform sync run; every snapshot type counts as completely listed.

        ``access``: Group, GroupMember, Role, RoleAssignment and AnalyticsUser records; the
        run's effective access is computed at the end, as the sync engine does."""
        now = at or ago(0.5)
        run_id = uuid.uuid4().hex
        common = {"source": source, "tenant": source, "run_id": run_id}
        snapshots = {
            "account": [writers.account_row(a) for a in accounts],
            "credential": [writers.credential_row(c) for c in credentials],
            "workspace": [writers.workspace_row(w) for w in workspaces],
            "grant": [writers.grant_row(g) for g in grants],
        }
        for record in access:
            snapshots.setdefault(RECORD_TYPES[type(record)], []).append(
                ACCESS_ROWS[type(record)](record))
        with self.app.engine.begin() as conn:
            writers.start_run(conn, run_id=run_id, source=source, source_type="test-platform",
                              now=now)
            writers.upsert_entitlements(conn, grants, source=source, tenant=source, now=now)
            for name, rows in snapshots.items():
                writers.upsert_snapshot(conn, writers.SNAPSHOT_TABLES[name], rows, now=now,
                                        **common)
            write_activities(conn, list(activities), **common)
            writers.write_usage(conn, list(usage), **common)
            gap_types = {g.record_type for g in gaps}
            for g in gaps:
                writers.record_gap(conn, run_id=run_id, source=source, tenant=source,
                                   record_type=g.record_type, reason=g.reason, detail=g.detail,
                                   now=now)
            complete = [n for n in snapshots if n not in gap_types]
            if not failed:
                for name in complete:
                    writers.retire_missing(conn, writers.SNAPSHOT_TABLES[name], source=source,
                                           tenant=source, run_id=run_id, now=now)
            status = (RunStatus.FAILED if failed else
                      RunStatus.PARTIAL if gaps else RunStatus.COMPLETE)
            writers.finish_run(conn, run_id=run_id, tenant=source, status=status,
                               complete_types=complete, stats={},
                               error="boom" if failed else None, now=now)
            resolve_identities(conn)
            if not failed:
                effective_access.compute(conn, source=source, tenant=source, run_id=run_id,
                                         now=now)

    def purpose(self, ref: str, *, subject_type: str = "account",
                expires: datetime | None = None, approved: datetime | None = None,
                project: str | None = None, withdrawn: datetime | None = None) -> None:
        """Record a purpose (no writer exists yet; the table is the contract)."""
        with self.app.engine.begin() as conn:
            conn.execute(schema.purposes.insert().values(
                subject_type=subject_type, subject_ref=ref, reason="project work",
                owner_email="owner@acme.test", approved_by="boss@acme.test",
                approved_at=approved, expires_at=expires, project_id=project,
                created_at=ago(100), created_by="test", withdrawn_at=withdrawn))


def run(app: App) -> RunSummary:
    """Run every check as of the app's clock."""
    return run_checks(app)


def failing(summary: RunSummary, check_id: str) -> set[str]:
    """Subject ids failing ``check_id`` in a run."""
    return {r.hit.subject_id for o in summary.outcomes if o.check.id == check_id
            for r in o.results if str(r.status) == "fail"}


def manual(summary: RunSummary, check_id: str) -> dict[str, str]:
    """Sources a check reported manual for, with the reasons."""
    return next(o.manual for o in summary.outcomes if o.check.id == check_id)


def later(app: App, days: float) -> App:
    """The same store with both clocks moved ``days`` forward (mute expiry is judged on the
    wall clock)."""
    from tenure.clock import Clock

    return App(settings=app.settings, clock=Clock(app.now() + timedelta(days=days)),
               actor=app.actor, _engine=app.engine,
               wall_clock=Clock(app.wall() + timedelta(days=days)))

