"""Review items for group memberships and role assignments, synced from the OpenAI simulator:
each shows its effective-access path in words and the member's usage; the reviewer rule
``group-owner`` routes them to the owner recorded in Tenure, else the IdP's owner."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from tenure.reviews.campaigns import CampaignSpec, NoResponse, build_population
from tenure.reviews.decisions import Decision
from tenure.reviews.reviewers import parse_rule
from tenure.reviews.scope import SubjectKind, parse_scope
from tenure.services import reviews, revocation
from tenure.services.lifecycle import add_purpose
from tests.actions.test_revoke_openai import OpenAIOrg
from tests.actions.test_revoke_openai import org as oai_org  # noqa: F401 (the fixture)
from tests.conftest import FIXED_NOW, signed_in


def test_group_items_show_the_path_and_go_to_the_group_owner(
        oai_org: OpenAIOrg) -> None:  # noqa: F811 (the fixture)
    org = oai_org
    assert org.sim.openai is not None
    rbac = org.sim.openai.rbac
    admins = next(g for g, v in rbac.groups.items() if v["name"] == "Platform-Admins")
    add_purpose(signed_in(org.app, "ciso@corp.io"), admins, reason="owns the admin group",
                owner="platform-lead@corp.io", until=FIXED_NOW + timedelta(days=90),
                project=None)
    spec = CampaignSpec(
        name="groups", scope=parse_scope("source:openai,kind:group_member,kind:role_assignment"),
        due_at=FIXED_NOW + timedelta(days=14),
        reviewer_rule=parse_rule("group-owner,manager", "secops@corp.io"),
        idp_owners=(("*", "iam-owner@corp.io"),))
    with org.app.engine.connect() as conn:
        items = build_population(conn, spec, "preview", org.app.now()).items
    members = {i.snapshot.subject_id: i for i in items
               if i.snapshot.kind == SubjectKind.GROUP_MEMBER}
    assert set(members) == {f"{g}:{u}" for g, m in rbac.members.items() for u in m}
    (admin_item,) = [i for k, i in members.items() if k.startswith(admins)]
    snap = admin_item.snapshot
    assert snap.reach == ["admin via group Platform-Admins → role Owner"]
    assert snap.privileged
    assert snap.group is not None
    assert snap.group.owner_basis == "owner recorded in Tenure"
    assert admin_item.reviewer == "platform-lead@corp.io"
    assert snap.usage.known
    assert snap.did
    scim = [i for i in members.values() if i.snapshot.group and i.snapshot.group.scim_managed]
    assert len(scim) == 3
    assert {i.reviewer for i in scim} == {"iam-owner@corp.io"}
    assert all("SCIM-managed" in line for i in scim for line in i.snapshot.reach)
    roles = [i for i in items if i.snapshot.kind == SubjectKind.ROLE_ASSIGNMENT]
    custodian = next(i for i in roles if "Key Custodian" in i.snapshot.label)
    assert custodian.snapshot.reach == ["admin via role Key Custodian"]
    assert custodian.snapshot.privileged


def test_a_revoked_group_item_removes_the_membership_through_the_plan(
        oai_org: OpenAIOrg, tmp_path: Path) -> None:  # noqa: F811 (the fixture)
    org = oai_org
    assert org.sim.openai is not None
    rbac = org.sim.openai.rbac
    admins = next(g for g, v in rbac.groups.items() if v["name"] == "Platform-Admins")
    (member,) = rbac.members[admins]
    campaign_id, _ = reviews.create(org.app, CampaignSpec(
        name="admin groups", scope=parse_scope("source:openai,kind:group_member"),
        due_at=FIXED_NOW + timedelta(days=14),
        reviewer_rule=parse_rule("named:lead@corp.io", "secops@corp.io"),
        if_no_response=NoResponse.KEEP))
    item = next(i for i in reviews.items(org.app, campaign_id)
                if i.subject_id == f"{admins}:{member}")
    reviews.decide(signed_in(org.app, "lead@corp.io", "reviewer"), [item.id],
                   reviewer="lead@corp.io", decision=Decision.REVOKE,
                   justification="not an admin any more")
    closed = reviews.close(signed_in(org.app, "ciso@corp.io", "admin"), campaign_id,
                           force=True)  # the others stay as they are (keep)
    assert closed.stored_plan_id is not None, closed.plan_problem
    document = json.loads(revocation.export_plan(org.app, closed.stored_plan_id))
    (step,) = document["steps"]
    assert step["call"]["path"] == f"/v1/organization/groups/{admins}/users/{member}"
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    revocation.approve_plan(signed_in(org.app, "admin2@corp.io", "admin"), path)
    report = revocation.apply(signed_in(org.app, "admin2@corp.io", "admin"), path,
                              approve_hash=str(document["sha256"]))
    assert report.count("failed") == 0
    assert all(s.get("verified") for s in report.steps)
    assert member not in rbac.members[admins]
