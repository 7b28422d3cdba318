"""Leaver trigger → plan → guards → approval → apply on the simulator → verified."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from tenure.actions.runner import CRASH_ENV, ApplyRefused
from tenure.services import revocation
from tenure.services.context import App
from tenure.services.revocation import ApprovalRefused
from tenure.store import schema

from ..conftest import signed_in, user_token
from .conftest import Org


def planner(org: Org) -> App:
    """The store acting as the admin who plans."""
    return signed_in(org.app, "planner@corp.io")


def ciso(org: Org) -> App:
    """The store acting as a second admin, who approves and applies."""
    return signed_in(org.app, "ciso@corp.io")


def _plan(org: Org, tmp_path: Path, **origin: str) -> tuple[Path, str]:
    made, _ = revocation.plan_revocation(planner(org), **origin)
    path = tmp_path / f"{made.id}.json"
    path.write_text(made.to_json(), encoding="utf-8")
    return path, made.sha256


def _feed_types(org: Org) -> Counter[str]:
    response = httpx.get(f"{org.sim.base_url}/v1/compliance/activities",
                         params={"limit": 5000},
                         headers={"x-api-key": org.sim.compliance_key or org.sim.admin_key,
                                  "anthropic-version": "2023-06-01"})
    response.raise_for_status()
    return Counter(a["type"] for a in response.json()["data"])


def test_leaver_plan_apply_verify(org: Org, tmp_path: Path) -> None:
    leavers = org.planted["leaver-active-account"]
    leaver_keys = org.planted.get("leaver-active-key", set())
    path, sha = _plan(org, tmp_path, trigger="leaver")
    document = json.loads(path.read_text())
    planned = {(s["target"]["kind"], s["target"]["subject_id"]): s for s in document["steps"]}
    assert {sid for kind, sid in planned if kind == "account"} == leavers
    assert leaver_keys <= {sid for kind, sid in planned if kind == "api_key"}
    some_seat = next(s for s in document["steps"] if s["target"]["kind"] == "account")
    assert some_seat["call"]["method"] == "DELETE"
    assert some_seat["call"]["path"].endswith(some_seat["target"]["subject_id"])
    # inactive first (reversible); archiving is a configured second step, off here
    assert all(s["call"]["body"] == {"status": "inactive"} for s in document["steps"]
               if s["target"]["kind"] == "api_key")
    before = len(org.sim.mutations())
    feed_before = _feed_types(org)

    # Guards: unapproved, wrong hash, planner approving, over the limit, stale → 0 calls.
    with pytest.raises(ApplyRefused, match="NotApproved"):
        revocation.apply(ciso(org), path, approve_hash=sha)
    with pytest.raises(ApplyRefused, match="NotApproved"):
        revocation.apply(ciso(org), path, approve_hash="0" * 64)
    with pytest.raises(ApprovalRefused, match="cannot also approve"):
        revocation.approve_plan(planner(org), path)
    revocation.approve_plan(ciso(org), path)
    with pytest.raises(ApplyRefused, match="ResourceLimitExceeded"):
        revocation.apply(ciso(org), path, approve_hash=sha, max_actions=1)
    with pytest.raises(ApplyRefused, match="ResourceLimitExceeded"):
        revocation.apply(ciso(org), path, approve_hash=sha, max_percent=0.5)
    seat = next(iter(leavers))
    accounts = schema.accounts
    with org.app.engine.begin() as conn:
        old = conn.execute(sa.select(accounts.c.role).where(
            accounts.c.external_id == seat)).scalar_one()
        conn.execute(accounts.update().where(accounts.c.external_id == seat).values(
            role="billing"))
    with pytest.raises(ApplyRefused, match=f"PlanStale.*{seat}"):
        revocation.apply(ciso(org), path, approve_hash=sha)
    with org.app.engine.begin() as conn:
        conn.execute(accounts.update().where(accounts.c.external_id == seat).values(role=old))
    altered = tmp_path / "altered.json"
    altered.write_text(path.read_text().replace('"inactive"', '"archived"'), encoding="utf-8")
    with pytest.raises(ApplyRefused, match="PlanAltered"):
        revocation.apply(ciso(org), altered, approve_hash=sha)
    assert len(org.sim.mutations()) == before
    with org.app.engine.connect() as conn:
        refusals = conn.execute(sa.select(sa.func.count()).where(
            schema.ledger_entries.c.kind == "plan.refused")).scalar_one()
    assert refusals == 6

    # Apply: seats removed, keys deactivated, the platform shows it, each verified.
    report = revocation.apply(ciso(org), path, approve_hash=sha)
    assert report.count("failed") == 0
    assert all(s.get("verified") for s in report.steps if s["status"] != "manual")
    assert report.resynced == ["claude"]
    feed = _feed_types(org) - feed_before
    assert feed["org_user_deleted"] == len(leavers)
    assert feed["scoped_api_key_updated"] >= len(leaver_keys)
    with org.app.engine.connect() as conn:
        present = set(conn.execute(sa.select(accounts.c.external_id).where(
            accounts.c.removed_at.is_(None))).scalars())
        verified = conn.execute(sa.select(schema.plan_actions.c.verified)).scalars().all()
    assert not leavers & present  # the re-sync saw them gone
    assert verified
    assert all(verified)

    # Re-applying changes nothing.
    mutations = len(org.sim.mutations())
    again = revocation.apply(ciso(org), path, approve_hash=sha)
    assert again.calls == 0
    assert len(org.sim.mutations()) == mutations


def test_crash_during_apply_executes_each_action_at_most_once(
    org: Org, tmp_path: Path
) -> None:
    path, sha = _plan(org, tmp_path, trigger="leaver")
    revocation.approve_plan(ciso(org), path)
    steps = json.loads(path.read_text())["steps"]
    env = {**os.environ, "TENURE_DATABASE_URL": "", "SIM_ADMIN_KEY": org.sim.admin_key,
           "TENURE_TOKEN": user_token(org.app, "ciso@corp.io")}
    crashes = 0
    for index in range(len(steps)):
        for point in ("intent", "call"):
            result = subprocess.run(
                [sys.executable, "-m", "tenure.cli", "--config", str(org.config), "--as-of",
                 "2026-11-25T12:00:00Z", "revoke", "apply", str(path), "--approve-hash", sha,
                 "--no-resync"],
                env={**env, CRASH_ENV: f"{point}:{index}"}, capture_output=True, text=True,
                timeout=120, check=False)
            assert result.returncode in (0, 137), result.stderr
            crashes += result.returncode == 137
    assert crashes == 2 * len(steps)  # every crash point was reached, and the process died
    final = revocation.apply(ciso(org), path, approve_hash=sha)
    assert final.count("failed") == 0
    per_target = Counter(r.path for r in org.sim.mutations())
    assert per_target
    assert max(per_target.values()) == 1
    assert len(per_target) == len(steps)
