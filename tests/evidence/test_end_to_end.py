"""Issue 8's acceptance test: after the end-to-end review on the simulator's planted
organization (sync → checks → campaign → decisions → close → plan → approve → apply →
verify), the campaign package verifies offline; one edited CSV cell fails with file and
reason."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest

from tenure.evidence import keys
from tenure.reviews.campaigns import CampaignSpec, NoResponse
from tenure.reviews.decisions import Decision
from tenure.reviews.reviewers import parse_rule
from tenure.reviews.scope import parse_scope
from tenure.services import evidence as svc
from tenure.services import reviews, revocation
from tenure.services.findings import run_checks
from tests.conftest import FIXED_NOW, signed_in
from tests.planted import planted_org

from .test_package import resign_files, rewrite


def test_package_after_the_end_to_end_review(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    keys.write_private_key(keys.generate(), tmp_path / "signing.pem")
    extra = ('[evidence]\nsigning_key_file = "signing.pem"\n'
             "[revocation]\nmax_actions = 100\nmax_percent = 100\n")
    with planted_org(tmp_path, database_url, monkeypatch, extra_config=extra) as org:
        app = org.app
        run_checks(app)
        cid, population = reviews.create(app, CampaignSpec(
            name="Q4 Claude", scope=parse_scope("source:claude,kind:account,kind:api_key"),
            due_at=FIXED_NOW + timedelta(days=14),
            reviewer_rule=parse_rule("manager,key-owner", "secops@example.com"),
            if_no_response=NoResponse.RECOMMENDATION))
        items = reviews.items(app, cid)
        keep = next(i for i in items if i.recommendation == "keep")
        reviews.decide(signed_in(app, keep.reviewer, "reviewer"),
                       [keep.id], reviewer=keep.reviewer, decision=Decision.KEEP,
                       justification="+still on the project")
        reviews.close(app, cid, force=True)
        plan, _ = revocation.plan_revocation(signed_in(app, "planner@corp.io"), campaign=cid)
        plan_file = tmp_path / "plan.json"
        plan_file.write_text(plan.to_json(), encoding="utf-8")
        ciso = signed_in(app, "ciso@corp.io")
        revocation.approve_plan(ciso, plan_file)
        applied = revocation.apply(ciso, plan_file, approve_hash=plan.sha256)
        assert applied.count("failed") == 0

        result = svc.export_campaign(app, cid, tmp_path / "out")
        svc.create_checkpoint(app)
        assert svc.verify_ledger(app, raw_pages=True).ok

    report = svc.check_package(result.path, [tmp_path / "signing.pem"])
    assert report.ok, report.lines()
    assert any(line.startswith("Population:") for line in report.info)
    assert any(line.startswith("Revocations:") for line in report.info), report.lines()
    with zipfile.ZipFile(result.path) as archive:
        population = json.loads(archive.read("data/population.json"))
        revoked = json.loads(archive.read("data/revocations.json"))
        decisions = archive.read("data/decisions.csv").decode()
        html = archive.read("report.html").decode()
    assert len(population) == len(population_items := population) > 20
    assert {p["id"] for p in population_items} == {i.id for i in items}
    assert revoked
    assert all(r["verified"] is True for r in revoked if r["status"] != "manual")
    assert "'+still on the project" in decisions
    assert "revocation steps verified" in html

    rows = list(csv.reader(io.StringIO(decisions, newline="")))
    rows[1][4] = "revoke" if rows[1][4] != "revoke" else "keep"
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    edited = rewrite(result.path, tmp_path / "edited.zip",
                     replace={"data/decisions.csv": buffer.getvalue().encode()})
    report = svc.check_package(edited, [tmp_path / "signing.pem"])
    assert not report.ok
    assert [p.file for p in report.problems] == ["data/decisions.csv"]
    assert "changed after export" in report.problems[0].reason
    assert any(line.startswith("FAILED: data/decisions.csv: SHA-256") for line in
               report.lines())

    # even re-signed by the key holder, a revocation cannot claim a verification the ledger
    # does not hold
    revoked[0]["verified"] = False
    forged = resign_files(result.path, tmp_path / "forged.zip", tmp_path / "signing.pem", {
        "data/revocations.json": (json.dumps(revoked, indent=1) + "\n").encode()})
    report = svc.check_package(forged, [tmp_path / "signing.pem"])
    assert [p.file for p in report.problems] == ["data/revocations.json"]
    assert "but the ledger recorded verified=True" in report.problems[0].reason
