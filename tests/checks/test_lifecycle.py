"""Findings over time: deterministic ids, resolution, mutes and their expiry, the ledger."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from tenure.checks.engine import finding_id
from tenure.errors import NotAllowed, NotAuthenticated, NotFound, TenureError
from tenure.services.context import App
from tenure.services.findings import (
    FindingFilter,
    list_findings,
    mute_finding,
)
from tenure.store import schema
from tests.checks.builder import Store, ago, day_ago, later, person, run, user
from tests.conftest import signed_in


def _ledger_kinds(app: App) -> list[str]:
    with app.engine.connect() as conn:
        return [k for (k,) in conn.execute(
            sa.select(schema.ledger_entries.c.kind)
            .where(schema.ledger_entries.c.kind.like("finding.%"))
            .order_by(schema.ledger_entries.c.seq))]


def _setup(app: App) -> Store:
    store = Store(app)
    store.hr([person("lee@acme.test", status="terminated", end=day_ago(5))])
    store.platform(accounts=[user("user_lee", "lee@acme.test")])
    return store


def test_ids_are_deterministic_and_survive_reruns(app: App) -> None:
    _setup(app)
    run(app)
    first = list_findings(app, FindingFilter(check="leaver-active-account"))
    run(later(app, 1))
    again = list_findings(later(app, 1), FindingFilter(check="leaver-active-account"))
    assert [f.id for f in first] == [f.id for f in again] == [
        finding_id("leaver-active-account", "anthropic", "account", "user_lee")]
    assert again[0].first_seen == first[0].first_seen
    assert again[0].last_seen > first[0].last_seen
    assert _ledger_kinds(app).count("finding.opened") == 1  # no duplicate entry on a re-run


def test_resolves_when_the_condition_clears(app: App) -> None:
    store = _setup(app)
    run(app)
    store.platform(accounts=[], at=app.now())  # the user was removed on the platform
    summary = run(later(app, 1))
    fid = finding_id("leaver-active-account", "anthropic", "account", "user_lee")
    assert fid in summary.resolved
    assert list_findings(app, FindingFilter(check="leaver-active-account")) == []
    resolved = list_findings(app, FindingFilter(check="leaver-active-account",
                                                statuses=("pass",)))
    assert resolved[0].resolved_at is not None
    assert "finding.resolved" in _ledger_kinds(app)


def test_manual_findings_do_not_resolve_fails(app: App) -> None:
    from tenure.model import Gap

    store = _setup(app)
    run(app)
    store.platform(gaps=[Gap("account", "403")], at=app.now())
    summary = run(later(app, 1))
    assert summary.resolved == []  # cannot tell: the failing finding stays open
    statuses = {f.status for f in list_findings(later(app, 1),
                                                FindingFilter(check="leaver-active-account"))}
    assert statuses == {"fail", "manual"}


def test_mute_stays_visible_and_reopens_at_expiry(app: App) -> None:
    _setup(app)
    run(app)
    fid = finding_id("leaver-active-account", "anthropic", "account", "user_lee")
    admin = signed_in(app, "admin@acme.test")
    with pytest.raises(NotAuthenticated):
        mute_finding(app, fid, reason="x", until=app.now() + timedelta(days=7))
    mute = mute_finding(admin, fid, reason="legal hold until handover", until=app.now()
                        + timedelta(days=7))
    assert mute.created_by == "cli:admin@acme.test"
    shown = list_findings(app, FindingFilter(check="leaver-active-account"))
    assert shown[0].muted
    assert shown[0].mute_reason == "legal hold until handover"
    summary = run(later(app, 8))
    assert fid in summary.unmuted
    after = list_findings(later(app, 8), FindingFilter(check="leaver-active-account"))
    assert not after[0].muted
    assert after[0].status == "fail"
    kinds = _ledger_kinds(app)
    assert kinds.index("finding.muted") < kinds.index("finding.unmuted")


def test_mute_validation(app: App) -> None:
    _setup(app)
    run(app)
    fid = finding_id("leaver-active-account", "anthropic", "account", "user_lee")
    admin = signed_in(app, "admin@acme.test")
    with pytest.raises(NotFound):
        mute_finding(admin, "fnd_nope", reason="x", until=app.now() + timedelta(days=1))
    with pytest.raises(TenureError, match="reason"):
        mute_finding(admin, fid, reason=" ", until=app.now() + timedelta(days=1))
    with pytest.raises(TenureError, match="future"):
        mute_finding(admin, fid, reason="x", until=ago(1))
    reviewer = signed_in(app, "rev@acme.test", "reviewer")
    with pytest.raises(NotAllowed, match="reviewer"):
        mute_finding(reviewer, fid, reason="x", until=app.now() + timedelta(days=1))


def test_filters(app: App) -> None:
    _setup(app)
    run(app)
    assert {f.check for f in list_findings(app, FindingFilter(source="anthropic"))} == {
        "leaver-active-account"}
    assert list_findings(app, FindingFilter(source="openai")) == []
    from tenure.checks.base import Severity
    assert list_findings(app, FindingFilter(severity=Severity.LOW)) == []
