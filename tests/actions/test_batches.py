"""A plan over max_actions is applied in approved batches, each verified (issue 18 item 6):
the plan stays one hash-pinned object; each batch is approved by an admin other than the
planner, applied in order, verified and ledgered; an unbatched apply over the limit is still
refused with no vendor call."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from tenure.actions.batches import layout
from tenure.actions.plan import read_plan
from tenure.actions.runner import ApplyRefused
from tenure.errors import TenureError
from tenure.services import plan_batches, revocation
from tenure.services.revocation import AlreadyApproved, ApprovalRefused
from tenure.store import schema

from ..conftest import signed_in, user_token
from .conftest import Org
from .test_four_eyes import ledger_rows, plan_row, run

SIZE = 2


def _leaver_plan(org: Org, tmp_path: Path) -> tuple[Path, str, int]:
    made, _ = revocation.plan_revocation(signed_in(org.app, "planner@corp.io"),
                                         trigger="leaver")
    path = tmp_path / "plan.json"
    path.write_text(made.to_json(), encoding="utf-8")
    calls = sum(1 for s in made.steps if s.call is not None)
    assert calls > SIZE, "the planted leavers need more vendor actions than one batch"
    return path, made.sha256, calls


def _batch_rows(org: Org, plan_id: str) -> list[dict[str, object]]:
    with org.app.engine.connect() as conn:
        return [dict(r) for r in conn.execute(sa.select(schema.plan_batches).where(
            schema.plan_batches.c.plan_id == plan_id).order_by(schema.plan_batches.c.batch)
        ).mappings()]


def test_layout_cuts_vendor_calls_in_step_order(org: Org, tmp_path: Path) -> None:
    path, _, calls = _leaver_plan(org, tmp_path)
    plan, _ = read_plan(path)
    batches = layout(plan, SIZE)
    assert [i for b in batches for i in b.steps] == sorted(s.index for s in plan.steps)
    assert all(0 < b.calls <= SIZE for b in batches)
    assert sum(b.calls for b in batches) == calls
    assert len(layout(plan, calls)) == 1
    with pytest.raises(TenureError, match="at least one"):
        layout(plan, 0)


def test_a_plan_over_the_limit_is_applied_in_approved_verified_batches(
    org: Org, tmp_path: Path
) -> None:
    path, sha, calls = _leaver_plan(org, tmp_path)
    plan, _ = read_plan(path)
    ciso, planner = signed_in(org.app, "ciso@corp.io"), signed_in(org.app, "planner@corp.io")
    mutations = len(org.sim.mutations())

    # The whole plan, approved, is still refused over the limit: no vendor call.
    revocation.approve_plan(ciso, path)
    with pytest.raises(ApplyRefused, match=r"ResourceLimitExceeded.*approved batches"):
        revocation.apply(ciso, path, approve_hash=sha, max_actions=SIZE)
    assert len(org.sim.mutations()) == mutations

    # Four eyes per batch: the planner may not approve one; nobody applies an unapproved one.
    with pytest.raises(ApprovalRefused, match="cannot also approve"):
        plan_batches.approve_batch(planner, path, 1, size=SIZE)
    with pytest.raises(ApplyRefused, match=r"NotApproved.*batch 1"):
        revocation.apply(ciso, path, approve_hash=sha, max_actions=SIZE, batch=1)
    first = plan_batches.approve_batch(ciso, path, 1, size=SIZE)
    with pytest.raises(AlreadyApproved, match="already approved"):
        plan_batches.approve_batch(ciso, path, 1)
    with pytest.raises(TenureError, match="batches of 2"):
        plan_batches.approve_batch(ciso, path, 2, size=SIZE + 1)
    # Batches run in order: batch 2, even approved, waits for batch 1 to be verified.
    plan_batches.approve_batch(ciso, path, 2)
    with pytest.raises(ApplyRefused, match="BatchOutOfOrder"):
        revocation.apply(ciso, path, approve_hash=sha, max_actions=SIZE, batch=2)
    assert len(org.sim.mutations()) == mutations
    with pytest.raises(ApplyRefused, match="NotApproved"):
        revocation.apply(ciso, path, approve_hash="0" * 64, max_actions=SIZE, batch=1)

    report = revocation.apply(ciso, path, approve_hash=sha, max_actions=SIZE, batch=1)
    assert {s["index"] for s in report.steps} == set(first.steps)
    assert report.calls == first.calls
    assert all(s.get("verified") for s in report.steps if s["status"] == "applied")
    assert report.plan_status == "applying"
    assert len(org.sim.mutations()) == mutations + first.calls
    progress = plan_batches.progress(ciso, plan.id)
    assert progress.needed
    assert (progress.applied, progress.verified) == (1, first.calls)
    assert progress.next_to_apply == 2
    with pytest.raises(ApplyRefused, match="AlreadyApplied"):
        revocation.apply(ciso, path, approve_hash=sha, max_actions=SIZE, batch=1)

    for batch in progress.batches[1:]:
        if batch.number > 2:
            plan_batches.approve_batch(ciso, path, batch.number)
        revocation.apply(ciso, path, approve_hash=sha, max_actions=SIZE, batch=batch.number)
    rows = _batch_rows(org, plan.id)
    assert [r["status"] for r in rows] == ["applied"] * len(progress.batches)
    assert all(r["verified"] == r["calls"] and r["approved_by"] == "ciso@corp.io"
               for r in rows)
    assert sum(int(str(r["calls"])) for r in rows) == calls
    assert plan_row(org, plan.id)["status"] == "applied"
    # The plan stayed one hash-pinned object: every batch entry names the same hash.
    approved = ledger_rows(org, "plan.batch_approved")
    applied = ledger_rows(org, "plan.batch_applied")
    assert len(approved) == len(applied) == len(progress.batches)
    assert {json.loads(str(e["payload"]))["sha256"] for e in approved + applied} == {sha}
    assert all(e["actor"] == "cli:ciso@corp.io" for e in approved + applied)
    (done,) = ledger_rows(org, "plan.applied")
    assert json.loads(str(done["payload"]))["batch"] == len(progress.batches)
    with pytest.raises(AlreadyApproved, match="already applied"):
        plan_batches.approve_batch(ciso, path, 1)


def test_batches_from_the_cli(org: Org, tmp_path: Path) -> None:
    planner, ciso = user_token(org.app, "planner@corp.io"), user_token(org.app, "ciso@corp.io")
    out = tmp_path / "plan.json"
    code, output = run(org, "revoke", "plan", "--trigger", "leaver", "--out", str(out),
                       token=planner)
    assert code == 0, output
    document = json.loads(out.read_text())
    sha = document["sha256"]
    code, output = run(org, "revoke", "approve", str(out), "--batch", "1", token=planner)
    assert code == 2
    assert "cannot also approve" in output
    code, output = run(org, "revoke", "approve", str(out), "--batch", "1", "--batch-size",
                       str(SIZE), token=ciso)
    assert code == 0, output
    assert "approved batch 1" in output
    code, output = run(org, "revoke", "apply", str(out), "--approve-hash", sha,
                       "--max-actions", str(SIZE), token=ciso)
    assert code == 2
    assert "NotApproved" in output
    code, output = run(org, "revoke", "apply", str(out), "--approve-hash", sha,
                       "--max-actions", str(SIZE), "--batch", "1", token=ciso)
    assert code == 0, output
    assert "Applied batch 1" in output
    code, output = run(org, "revoke", "status", document["id"], "--format", "json",
                       token=ciso)
    assert code == 0, output
    status = json.loads(output)
    assert status["batches"][0]["status"] == "applied"
    assert status["batches"][0]["verified"] == status["batches"][0]["calls"] == SIZE
    assert {b["status"] for b in status["batches"][1:]} == {"awaiting approval"}
    assert status["status"] == "applying"
