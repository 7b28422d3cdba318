"""Purposes, lifecycle triggers (mover micro-review, purpose end, unused cold start) and
manual tasks, through the CLI and the services, on the planted organization."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from tenure.actions import planner
from tenure.actions.plan import Target
from tenure.cli import app as cli_app
from tenure.clock import Clock
from tenure.errors import TenureError
from tenure.services import lifecycle, reviews, revocation
from tenure.store import schema

from ..conftest import signed_in, user_token
from .conftest import Org


def cli(org: Org, *args: str, user: str = "planner@corp.io", role: str = "admin") -> str:
    """Run the CLI signed in as ``user`` (a personal API token in TENURE_TOKEN)."""
    result = CliRunner().invoke(cli_app, ["--config", str(org.config), "--as-of",
                                          "2026-11-25T12:00:00Z", *args],
                                env={"TENURE_TOKEN": user_token(org.app, user, role)})
    assert result.exit_code == 0, result.output
    return result.stdout


def test_purpose_end_by_date_and_by_archived_project(org: Org, tmp_path: Path) -> None:
    seat = sorted(org.planted["overactive-admin"])[0]
    key = sorted(org.planted["key-in-archived-workspace"])[0]
    with org.app.engine.connect() as conn:
        archived = conn.execute(sa.select(schema.workspaces.c.external_id).where(
            schema.workspaces.c.status == "archived")).scalars().first()
    assert archived is not None
    cli(org, "purpose", "add", seat, "--reason", "migration project", "--owner",
        "lead@corp.io", "--until", "2026-11-01")
    cli(org, "purpose", "add", key, "--reason", "pilot", "--owner", "lead@corp.io",
        "--project", archived)
    listed = json.loads(cli(org, "purpose", "list", "--format", "json"))
    assert {p["subject"]: p["ended"] for p in listed} == {seat: True, key: True}
    out = tmp_path / "purpose.json"
    cli(org, "revoke", "plan", "--trigger", "purpose", "--out", str(out))
    steps = json.loads(out.read_text())["steps"]
    assert {s["target"]["subject_id"] for s in steps} == {seat, key}
    assert any("archived" in s["target"]["reason"] for s in steps)
    with pytest.raises(TenureError, match="exactly one of --until"):
        lifecycle.add_purpose(signed_in(org.app, "planner@corp.io"), seat, reason="x",
                              owner="a@b.io", until=None, project=None)


def test_mover_opens_one_micro_review_for_the_new_manager(org: Org) -> None:
    # The HR history: before the move, then after (so the change is recorded).
    hr = org.config.parent / "hr.csv"
    hr.write_text((org.sim.scenario.path / "hr.csv").read_text())
    earlier = replace(org.app, clock=Clock(org.app.now() - timedelta(days=3)))
    from tenure.services.sync import run_source

    run_source(earlier, "hr")
    hr.write_text((org.sim.scenario.path / "hr_after_move.csv").read_text())
    run_source(replace(org.app, clock=Clock(org.app.now() - timedelta(days=2))), "hr")
    report = lifecycle.run_lifecycle(org.app, ("mover",))
    movers = org.planted["mover-stale-access"]
    assert len(report.reviews) == len(movers) >= 1
    review = report.reviews[0]
    items = reviews.items(org.app, review["campaign_id"])
    assert items
    assert {i.reviewer for i in items} == {review["reviewer"]}
    assert all(i.person_email == review["person"] for i in items)
    detail = reviews.show(org.app, review["campaign_id"])
    assert detail.settings["if_no_response"] == "revoke"
    assert lifecycle.run_lifecycle(org.app, ("mover",)).reviews == []  # not twice
    # Nobody answers: after the grace period the review closes and revokes.
    # (deadlines are judged on the wall clock: --as-of alone would not close it)
    late = replace(org.app, clock=Clock(org.app.now() + timedelta(days=8)),
                   wall_clock=Clock(org.app.wall() + timedelta(days=8)))
    closed = lifecycle.run_lifecycle(late, ("mover",))
    assert [p["trigger"] for p in closed.plans] == ["mover"] * len(report.reviews)
    steps = json.loads(closed.plans[0]["document"])["steps"]
    assert {s["target"]["subject_id"] for s in steps} == {i.subject_id for i in items}
    assert all("no response: campaign rule revoke" in s["target"]["reason"] for s in steps)
    assert reviews.show(org.app, review["campaign_id"]).summary.status == "closed"


def test_unused_access_cold_start_reports_then_plans(org: Org) -> None:
    settings = org.app.settings.model_copy(update={"lifecycle": org.app.settings.lifecycle
                                                    .model_copy(update={"unused_days": 30})})
    app = replace(org.app, settings=settings)
    first = lifecycle.run_lifecycle(app, ("unused",))
    assert first.plans == []
    assert first.reported
    assert any(sid in line for line in first.reported
               for sid in org.planted["never-used-key"])
    second = lifecycle.run_lifecycle(app, ("unused",))
    assert len(second.plans) == 1
    document = json.loads(second.plans[0]["document"])
    planned = {s["target"]["subject_id"] for s in document["steps"]}
    assert org.planted["never-used-key"] <= planned


def test_manual_task_when_the_api_cannot_revoke(org: Org, tmp_path: Path) -> None:
    # An Admin key: the Admin API cannot change one (Console only). A service account no
    # longer serves here: the planted org configures the OAuth plane, which archives it.
    C = schema.credentials
    with org.app.engine.begin() as conn:
        seat = conn.execute(sa.select(C.c.external_id, C.c.tenant).where(
            C.c.removed_at.is_(None), C.c.status == "active")).first()
        assert seat is not None
        conn.execute(C.update().where(C.c.external_id == seat.external_id)
                     .values(kind="admin_key"))
        plan, _ = planner.build_plan(
            conn, org.app.settings, [Target("claude", seat.tenant, "api_key",
                                            seat.external_id, "ops admin key", "revoke",
                                            "test")],
            origin="test", created_by="planner@corp.io", now=org.app.wall(),
            task_owner="owner@corp.io")
    assert plan.steps[0].manual is not None
    assert plan.steps[0].call is None
    path = tmp_path / "manual.json"
    path.write_text(plan.to_json())
    ciso = signed_in(org.app, "ciso@corp.io")
    revocation.approve_plan(ciso, path)
    before = len(org.sim.mutations())
    report = revocation.apply(ciso, path, approve_hash=plan.sha256)
    assert [s["status"] for s in report.steps] == ["manual"]
    assert len(org.sim.mutations()) == before
    tasks = json.loads(cli(org, "revoke", "tasks", "--format", "json"))
    assert [(t["owner"], t["subject_id"]) for t in tasks] == [("owner@corp.io",
                                                               seat.external_id)]
    cli(org, "revoke", "task-done", str(tasks[0]["id"]), "--note", "removed in Console",
        user="owner@corp.io", role="reviewer")
    assert json.loads(cli(org, "revoke", "tasks", "--format", "json")) == []
    status = json.loads(cli(org, "revoke", "status", plan.id, "--format", "json"))
    assert status["steps"][0]["status"] == "manual"


def test_review_targets_become_manual_tasks(org: Org) -> None:
    with org.app.engine.begin() as conn:
        key = conn.execute(sa.select(schema.credentials.c.external_id,
                                     schema.credentials.c.tenant).where(
            schema.credentials.c.status == "active")).first()
        assert key is not None
        plan, _ = planner.build_plan(
            conn, org.app.settings, [Target("claude", key.tenant, "api_key", key.external_id,
                                            "svc key", "review", "owner decides")],
            origin="test", created_by="planner@corp.io", now=org.app.now(),
            task_owner="owner@corp.io")
    (step,) = plan.steps
    assert step.call is None
    assert step.manual is not None
    assert step.manual.why == "owner decides"


def test_plan_from_a_closed_campaign_and_from_a_check(org: Org, tmp_path: Path) -> None:
    from tenure.services.findings import run_checks

    run_checks(org.app)
    out = tmp_path / "check.json"
    cli(org, "revoke", "plan", "--check", "orphaned-key", "--out", str(out))
    steps = json.loads(out.read_text())["steps"]
    assert {s["target"]["subject_id"] for s in steps} == org.planted["orphaned-key"]
    with pytest.raises(TenureError, match="exactly one"):
        revocation.plan_revocation(signed_in(org.app, "planner@corp.io"),
                                   check="orphaned-key", trigger="leaver")
    created = json.loads(cli(org, "review", "create", "--name", "q", "--due", "2026-12-30",
                             "--fallback-reviewer", "s@corp.io", "--scope",
                             "source:claude,kind:api_key", "--format", "json"))
    with pytest.raises(TenureError, match="not closed yet"):
        revocation.plan_revocation(signed_in(org.app, "planner@corp.io"),
                                   campaign=created["campaign_id"])
    exported = tmp_path / "exported.json"
    plans = json.loads(cli(org, "revoke", "list", "--format", "json"))
    cli(org, "revoke", "export", plans[0]["id"], "--out", str(exported))
    assert json.loads(exported.read_text())["sha256"] == plans[0]["sha256"]
