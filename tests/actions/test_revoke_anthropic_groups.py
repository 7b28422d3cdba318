"""Removing a member from a Claude Enterprise RBAC group on the simulator: the call carries
the RBAC beta header, is re-read and verified by listing the members, and is idempotent; a
member of a SCIM-sourced group is a manual task for the identity provider's owner naming the
group and the member (the API refuses member changes there)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tenure.actions import planner
from tenure.actions.plan import Target
from tenure.services import revocation
from tenure.services.context import App
from tenure.simulator.anthropic_rbac import plane
from tests.conftest import signed_in
from tests.enterprise import enterprise_org

pytestmark = pytest.mark.timeout(180)


def _plan(app: App, tmp_path: Path, targets: list[Target]) -> tuple[Path, dict[str, Any]]:
    with app.engine.begin() as conn:
        made, _ = planner.build_plan(conn, app.settings, targets, origin="test",
                                     created_by="planner@corp.io", now=app.wall(),
                                     task_owner="iam@corp.io")
    path = tmp_path / f"{made.id}.json"
    path.write_text(made.to_json(), encoding="utf-8")
    return path, json.loads(made.to_json())


def test_remove_group_member_direct_and_scim(tmp_path: Path, database_url: str,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    with enterprise_org(tmp_path, database_url, monkeypatch) as org:
        groups = plane(org.sim.state).groups
        direct = next(g for g in groups.values() if g.source_type == "direct" and g.members)
        scim = next(g for g in groups.values() if g.source_type == "scim" and g.members)
        member, scim_member = next(iter(direct.members)), next(iter(scim.members))
        targets = [Target("claude", org.result.tenant, "group_member", f"{g.id}:{u}",
                          f"{u} in {g.name}", "revoke", "test")
                   for g, u in ((direct, member), (scim, scim_member))]
        path, document = _plan(org.app, tmp_path, targets)
        steps = {s["target"]["subject_id"]: s for s in document["steps"]}
        api = steps[f"{direct.id}:{member}"]
        assert (api["action"], api["call"]["method"], api["call"]["path"]) == (
            "anthropic.remove_group_member", "DELETE",
            f"/v1/organizations/rbac_groups/{direct.id}/members/{member}")
        task = steps[f"{scim.id}:{scim_member}"]
        assert task["action"] == "manual"
        assert f"{scim.name} is SCIM-managed" in task["manual"]["why"]
        assert scim.members[scim_member][0] in task["manual"]["why"]  # the member's email
        revocation.approve_plan(signed_in(org.app, "ciso@corp.io"), path)
        sha = str(document["sha256"])
        report = revocation.apply(signed_in(org.app, "ciso@corp.io"), path, approve_hash=sha)
        assert report.count("failed") == 0
        assert [(s["status"], s.get("verified")) for s in report.steps] == [
            ("applied", True), ("manual", None)]
        assert member not in direct.members
        assert scim_member in scim.members  # nothing sent to the SCIM group
        deletes = [r for r in org.sim.mutations() if r.method == "DELETE"]
        assert [r.path for r in deletes] == [
            f"/v1/organizations/rbac_groups/{direct.id}/members/{member}"]
        calls = len(org.sim.mutations())
        assert revocation.apply(signed_in(org.app, "ciso@corp.io"), path,
                                approve_hash=sha).calls == 0
        assert len(org.sim.mutations()) == calls
