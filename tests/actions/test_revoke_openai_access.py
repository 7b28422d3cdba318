"""Revoking access that comes through groups and role assignments, on the OpenAI simulator:
remove a group member, unassign a user role, remove a group's project access — each verified
with a fresh read and idempotent; a SCIM-managed group's member is a manual task for the IdP
owner naming the group and the member."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tenure.actions import planner
from tenure.actions.plan import Target
from tenure.actions.runner import ApplyReport
from tenure.model import RunStatus
from tenure.services import revocation
from tenure.services.findings import run_checks
from tenure.services.sync import run_source
from tenure.simulator.openai_state import OpenAIState
from tenure.store import schema
from tests.actions.test_revoke_openai import OpenAIOrg, _plan
from tests.actions.test_revoke_openai import org as oai_org  # noqa: F401 (the fixture)
from tests.conftest import signed_in

pytestmark = pytest.mark.timeout(120)


def _state(org: OpenAIOrg) -> OpenAIState:
    assert org.sim.openai is not None
    return org.sim.openai


def _apply(org: OpenAIOrg, path: Path, document: dict[str, Any]) -> ApplyReport:
    revocation.approve_plan(signed_in(org.app, "ciso@corp.io"), path)
    return revocation.apply(signed_in(org.app, "ciso@corp.io"), path,
                            approve_hash=str(document["sha256"]))


def _plan_targets(org: OpenAIOrg, tmp_path: Path, targets: list[Target]
                  ) -> tuple[Path, dict[str, Any]]:
    with org.app.engine.begin() as conn:
        made, _ = planner.build_plan(conn, org.app.settings, targets, origin="test",
                                     created_by="planner@corp.io", now=org.app.wall(),
                                     task_owner="iam@corp.io")
    path = tmp_path / f"{made.id}.json"
    path.write_text(made.to_json(), encoding="utf-8")
    return path, json.loads(made.to_json())


def test_privilege_via_group_removes_the_membership_not_the_seat(
        oai_org: OpenAIOrg, tmp_path: Path) -> None:  # noqa: F811 (the fixture)
    org = oai_org
    rbac = _state(org).rbac
    admins = next(g for g, v in rbac.groups.items() if v["name"] == "Platform-Admins")
    (member,) = rbac.members[admins]
    run_checks(org.app)
    path, document = _plan(org, tmp_path, check="privilege-via-group")
    (step,) = document["steps"]
    assert step["target"]["kind"] == "group_member"
    assert (step["action"], step["call"]["method"], step["call"]["path"]) == (
        "openai.remove_group_member", "DELETE",
        f"/v1/organization/groups/{admins}/users/{member}")
    report = _apply(org, path, document)
    assert report.count("failed") == 0
    assert all(s.get("verified") for s in report.steps)
    assert member not in rbac.members[admins]
    assert member in _state(org).users  # the seat stays
    with org.app.engine.connect() as conn:
        gone = conn.execute(sa.select(schema.group_members.c.removed_at).where(
            schema.group_members.c.external_id == f"{admins}:{member}")).scalar()
    assert gone is not None  # re-synced after apply
    mutations = len(org.sim.mutations())
    assert revocation.apply(signed_in(org.app, "ciso@corp.io"), path,
                            approve_hash=str(document["sha256"])).calls == 0
    assert len(org.sim.mutations()) == mutations


def test_a_scim_managed_group_member_is_a_task_for_the_idp_owner(
        oai_org: OpenAIOrg, tmp_path: Path) -> None:  # noqa: F811 (the fixture)
    org = oai_org
    rbac = _state(org).rbac
    research = next(g for g, v in rbac.groups.items() if v["is_scim_managed"])
    owner = next(r for r, v in rbac.roles.items()
                 if v["name"] == "Owner" and v["resource_type"] == "api.organization")
    rbac.assign("group", research, None, owner)  # Research-Team becomes an admin group
    assert run_source(org.app, "openai").status is RunStatus.COMPLETE
    run_checks(org.app)
    _, document = _plan(org, tmp_path, check="privilege-via-group")
    tasks = [s for s in document["steps"] if s["target"]["subject_id"].startswith(research)]
    assert len(tasks) == len(rbac.members[research]) == 3
    for step in tasks:
        assert step["action"] == "manual"
        assert step["call"] is None
        email = _state(org).users[step["target"]["subject_id"].split(":")[1]]["email"]
        why = step["manual"]["why"]
        assert "Research-Team is SCIM-managed" in why
        assert email in why


def test_unassign_a_user_role_and_remove_a_project_group(oai_org: OpenAIOrg,  # noqa: F811
                                                         tmp_path: Path) -> None:
    org = oai_org
    rbac = _state(org).rbac
    custodian = next(r for r, v in rbac.roles.items() if v["name"] == "Key Custodian")
    holder = next(k[1] for k in rbac.assignments if k[3] == custodian and k[0] == "user")
    research = next(p for p, v in _state(org).projects.items() if v["name"] == "Research")
    ds = next(g for g, v in rbac.groups.items() if v["name"] == "Data-Science")
    member_role = rbac.project_groups[research][ds]["role"]
    targets = [
        Target("openai", "openai", "role_assignment",
               f"user:{holder}@organization::{custodian}", "Key Custodian", "revoke", "test"),
        Target("openai", "openai", "role_assignment",
               f"group:{ds}@workspace:{research}:{member_role}", "Data-Science on Research",
               "revoke", "test")]
    path, document = _plan_targets(org, tmp_path, targets)
    calls = {(s["action"], s["call"]["path"]) for s in document["steps"]}
    assert calls == {
        ("openai.unassign_user_role", f"/v1/organization/users/{holder}/roles/{custodian}"),
        ("openai.remove_project_group", f"/v1/organization/projects/{research}/groups/{ds}")}
    report = _apply(org, path, document)
    assert report.count("failed") == 0
    assert all(s.get("verified") for s in report.steps)
    assert ("user", holder, "", custodian) not in rbac.assignments
    assert ds not in rbac.project_groups[research]
