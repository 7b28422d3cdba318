"""Who plans, approves and applies is the authenticated user — never a typed email, an
environment variable or the clock a shell user chooses (issue 19: "four-eyes by typing", "the
ledger believes the caller")."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from tenure.cli import app as cli_app
from tenure.errors import NotAllowed, NotAuthenticated
from tenure.services import revocation
from tenure.services.revocation import ApprovalRefused
from tenure.store import schema

from ..conftest import ensure_user, signed_in, user_token
from .conftest import Org

AS_OF = "2026-11-25T12:00:00Z"


def run(org: Org, *args: str, token: str | None = None,
        env: dict[str, str] | None = None) -> tuple[int, str]:
    """The real CLI, signed in with ``token`` (or not signed in at all)."""
    result = CliRunner().invoke(cli_app, ["--config", str(org.config), "--as-of", AS_OF, *args],
                                env={**({"TENURE_TOKEN": token} if token else {}),
                                     **(env or {})})
    return result.exit_code, result.output


def plan_file(org: Org, tmp_path: Path, token: str) -> tuple[Path, str]:
    out = tmp_path / "plan.json"
    code, output = run(org, "revoke", "plan", "--trigger", "leaver", "--out", str(out),
                       token=token)
    assert code == 0, output
    return out, json.loads(out.read_text())["sha256"]


def plan_row(org: Org, plan_id: str) -> dict[str, object]:
    with org.app.engine.connect() as conn:
        return dict(conn.execute(sa.select(schema.revocation_plans).where(
            schema.revocation_plans.c.id == plan_id)).mappings().one())


def ledger_rows(org: Org, kind: str) -> list[dict[str, object]]:
    with org.app.engine.connect() as conn:
        return [dict(r) for r in conn.execute(sa.select(schema.ledger_entries).where(
            schema.ledger_entries.c.kind == kind).order_by(schema.ledger_entries.c.seq)
        ).mappings()]


def test_a_shell_user_without_a_token_cannot_plan_approve_or_apply(
    org: Org, tmp_path: Path
) -> None:
    planner = user_token(org.app, "planner@corp.io")
    path, sha = plan_file(org, tmp_path, planner)
    before = len(org.sim.mutations())
    # the old bypass: approve "as" someone else from the shell, then apply
    code, output = run(org, "revoke", "approve", str(path), "--as", "ciso@corp.io")
    assert code != 0
    assert "No such option: --as" in output
    code, output = run(org, "revoke", "approve", str(path))
    assert code == 2
    assert "tenure login" in output
    code, output = run(org, "revoke", "apply", str(path), "--approve-hash", sha)
    assert code == 2
    assert "tenure login" in output
    code, output = run(org, "revoke", "plan", "--trigger", "leaver", "--out",
                       str(tmp_path / "p2.json"))
    assert code == 2
    assert len(org.sim.mutations()) == before
    stored = json.loads(path.read_text())
    assert plan_row(org, stored["id"])["approved_by"] is None


def test_the_planner_is_the_token_user_and_cannot_approve(org: Org, tmp_path: Path) -> None:
    planner = user_token(org.app, "planner@corp.io")
    path, _ = plan_file(org, tmp_path, planner)
    plan_id = json.loads(path.read_text())["id"]
    assert plan_row(org, plan_id)["created_by"] == "planner@corp.io"
    (created,) = ledger_rows(org, "plan.created")
    assert created["actor"] == "cli:planner@corp.io"
    code, output = run(org, "revoke", "approve", str(path), token=planner)
    assert code == 2
    assert "cannot also approve" in output
    (refused,) = ledger_rows(org, "plan.approval_refused")
    assert json.loads(str(refused["payload"]))["approver"] == "planner@corp.io"


@pytest.mark.parametrize("who", ["nobody", "auditor", "reviewer", "disabled"])
def test_ineligible_approvers_are_refused(org: Org, tmp_path: Path, who: str) -> None:
    planner = user_token(org.app, "planner@corp.io")
    path, _ = plan_file(org, tmp_path, planner)
    plan_id = json.loads(path.read_text())["id"]
    if who == "nobody":
        # nonexistent users and texts that are not emails have no token at all: a token that
        # does not authenticate is refused before anything is read
        for fake in ("tnr_api_0123456789abcdef_" + "x" * 43, "not-an-email"):
            code, output = run(org, "revoke", "approve", str(path), token=fake)
            assert code == 2, output
            assert "invalid, revoked" in output
    elif who == "disabled":
        token = user_token(org.app, "gone@corp.io")
        with org.app.engine.begin() as conn:
            conn.execute(schema.web_users.update().where(
                schema.web_users.c.email == "gone@corp.io").values(
                disabled_at=datetime.now(UTC)))
        code, output = run(org, "revoke", "approve", str(path), token=token)
        assert code == 2
        assert "invalid, revoked" in output
    else:
        token = user_token(org.app, f"{who}@corp.io", who)
        code, output = run(org, "revoke", "approve", str(path), token=token)
        assert code == 2
        assert f"is {who}: approving a plan needs an enabled admin" in output
    assert plan_row(org, plan_id)["approved_by"] is None
    assert plan_row(org, plan_id)["status"] == "planned"


def test_tenure_actor_and_user_cannot_set_the_recorded_actor(org: Org, tmp_path: Path) -> None:
    planner = user_token(org.app, "planner@corp.io")
    spoof = {"TENURE_ACTOR": "web:carol@corp.io", "USER": "carol", "LOGNAME": "carol"}
    out = tmp_path / "p.json"
    code, output = run(org, "revoke", "plan", "--trigger", "leaver", "--out", str(out),
                       token=planner, env=spoof)
    assert code == 0, output
    code, output = run(org, "findings", env=spoof)  # a host action: checks
    assert code in (0, 1), output
    with org.app.engine.connect() as conn:
        actors = set(conn.execute(sa.select(schema.ledger_entries.c.actor).distinct()).scalars())
    assert not any("carol" in a for a in actors), actors
    assert "cli:planner@corp.io" in actors


def test_approval_and_apply_record_the_authenticated_admin_and_the_wall_clock(
    org: Org, tmp_path: Path
) -> None:
    planner = user_token(org.app, "planner@corp.io")
    ciso = user_token(org.app, "ciso@corp.io")
    path, sha = plan_file(org, tmp_path, planner)
    plan_id = json.loads(path.read_text())["id"]
    started = datetime.now(UTC)
    code, output = run(org, "revoke", "approve", str(path), token=ciso)
    assert code == 0, output
    row = plan_row(org, plan_id)
    assert row["approved_by"] == "ciso@corp.io"
    approved_at = row["approved_at"]
    assert isinstance(approved_at, datetime)
    assert approved_at >= started - timedelta(seconds=1)  # not --as-of 2026-11-25
    # approving again — as the same or another admin — is refused and changes nothing
    ensure_user(org.app, "other-admin@corp.io")
    for token in (ciso, user_token(org.app, "other-admin@corp.io")):
        code, output = run(org, "revoke", "approve", str(path), token=token)
        assert code == 2
        assert "already approved by ciso@corp.io" in output
    assert plan_row(org, plan_id)["approved_at"] == approved_at
    code, output = run(org, "revoke", "apply", str(path), "--approve-hash", sha,
                       "--no-resync", token=ciso)
    assert code == 0, output
    assert plan_row(org, plan_id)["applied_by"] == "cli:ciso@corp.io"
    code, output = run(org, "revoke", "approve", str(path),
                       token=user_token(org.app, "other-admin@corp.io"))
    assert code == 2
    assert "already applied" in output
    assert plan_row(org, plan_id)["approved_by"] == "ciso@corp.io"
    assert plan_row(org, plan_id)["approved_at"] == approved_at


def test_as_of_does_not_date_the_ledger_nor_pass_the_plan_age_guard(
    org: Org, tmp_path: Path
) -> None:
    planner = user_token(org.app, "planner@corp.io")
    ciso = user_token(org.app, "ciso@corp.io")
    path, _ = plan_file(org, tmp_path, planner)
    plan_id = json.loads(path.read_text())["id"]
    # a plan planned three days ago (max age 24 h): rewrite its stored and file time
    three_days = datetime.now(UTC) - timedelta(days=3)
    document = json.loads(path.read_text())
    document["created_at"] = three_days.isoformat()
    from tenure.actions.plan import parse_plan

    old_plan, _ = parse_plan(json.dumps(document))
    with org.app.engine.begin() as conn:
        conn.execute(schema.revocation_plans.update().where(
            schema.revocation_plans.c.id == plan_id).values(
            created_at=three_days, sha256=old_plan.sha256, document=old_plan.document()))
    path.write_text(old_plan.to_json(), encoding="utf-8")
    code, output = run(org, "revoke", "approve", str(path), token=ciso)
    assert code == 0, output
    back = (three_days + timedelta(hours=1)).isoformat()
    result = CliRunner().invoke(cli_app, [
        "--config", str(org.config), "--as-of", back, "revoke", "apply", str(path),
        "--approve-hash", old_plan.sha256, "--no-resync"], env={"TENURE_TOKEN": ciso})
    assert result.exit_code == 2, result.output
    assert "PlanExpired" in result.output
    # --as-of in 2021 dates nothing in the ledger: a check run evaluated as of then is still
    # recorded now, after everything before it
    result = CliRunner().invoke(cli_app, ["--config", str(org.config), "--as-of", "2021-03-04",
                                          "findings"])
    assert result.exit_code in (0, 1), result.output
    with org.app.engine.connect() as conn:
        stamps = list(conn.execute(sa.select(schema.ledger_entries.c.ts)
                                   .order_by(schema.ledger_entries.c.seq)).scalars())
    assert all(a <= b for a, b in itertools.pairwise(stamps))
    assert min(stamps).year == datetime.now(UTC).year


def test_service_level_approval_checks_the_authenticated_identity(
    org: Org, tmp_path: Path
) -> None:
    made, _ = revocation.plan_revocation(signed_in(org.app, "planner@corp.io"),
                                         trigger="leaver")
    path = tmp_path / "p.json"
    path.write_text(made.to_json(), encoding="utf-8")
    ciso = signed_in(org.app, "ciso@corp.io")
    with pytest.raises(NotAllowed, match=r"signed in as ciso@corp\.io, not boss@corp\.io"):
        revocation.approve_plan(ciso, path, approver="boss@corp.io")
    with pytest.raises(NotAuthenticated, match="tenure login"):
        revocation.approve_plan(org.app, path)
    revocation.approve_plan(ciso, path)
    with pytest.raises(ApprovalRefused, match="already approved"):
        revocation.approve_plan(signed_in(org.app, "third@corp.io"), path)
