"""Campaign packages after an end-to-end review: the package verifies offline (population,
snapshot, decision and plan hashes recompute); one edited CSV cell fails naming the file."""

from __future__ import annotations

import json
import zipfile
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page

from tenure.config import EvidenceConfig
from tenure.errors import NotFound
from tenure.reviews.decisions import Decision
from tenure.services import evidence as svc
from tenure.services import reviews
from tenure.services.context import App
from tests.browsing import Watch, screenshot, violations
from tests.conftest import signed_in
from tests.reviews.conftest import org  # noqa: F401 - the reviews test organization fixture
from tests.reviews.test_campaigns import by_subject, spec

from .test_package import resign_files, rewrite
from .test_report_browser import SECTIONS


@pytest.fixture
def reviewed(org: App, key_file: Path) -> tuple[App, str]:  # noqa: F811
    """A closed campaign: decisions by two reviewers, a delegation, the no-response rule."""
    app = replace(org, settings=org.settings.model_copy(
        update={"evidence": EvidenceConfig(signing_key_file=key_file)}))
    cid, _ = reviews.create(app, spec())
    items = by_subject(app, cid)
    reviews.decide(signed_in(app, "boss@corp.io", "reviewer"),
                   [items["user_alice"].id], reviewer="boss@corp.io",
                   decision=Decision.KEEP, justification="=works on the API daily")
    reviews.decide(signed_in(app, "boss@corp.io", "reviewer"),
                   [items["user_bob"].id], reviewer="boss@corp.io",
                   decision=Decision.REVOKE, justification="left on 1 October")
    reviews.delegate(signed_in(app, "boss@corp.io", "reviewer"),
                     [items["user_carol"].id], reviewer="boss@corp.io", to="ceo@corp.io",
                     reason="on leave")
    later = replace(app, clock=replace(app.clock, as_of=app.now() + timedelta(days=30)),
                    wall_clock=replace(app.wall_clock, as_of=app.wall() + timedelta(days=30)))
    reviews.close(later, cid)
    return later, cid


def test_campaign_package_verifies_and_recomputes(reviewed: tuple[App, str], key_file: Path,
                                                  tmp_path: Path) -> None:
    app, cid = reviewed
    result = svc.export_campaign(app, cid, tmp_path / "out")
    report = svc.check_package(result.path, [key_file])
    assert report.ok, report.lines()
    assert any(line.startswith("Population:") for line in report.info), report.lines()
    with zipfile.ZipFile(result.path) as archive:
        names = set(archive.namelist())
        population = json.loads(archive.read("data/population.json"))
        decisions = json.loads(archive.read("data/decisions.json"))
        plan = json.loads(archive.read("data/revocation_plan.json"))
        decisions_csv = archive.read("data/decisions.csv").decode()
        html = archive.read("report.html").decode()
    assert {"data/campaign.csv", "data/usage_context.csv", "data/outcomes.csv",
            "data/assignments.json", "data/revocation_actions.json",
            "data/campaign_ledger.json"} <= names
    assert len(population) > 5
    assert {d["reviewer"] for d in decisions} == {"boss@corp.io"}
    assert any(p["subject_id"] == "user_bob" for p in plan)
    assert "'=works on the API daily" in decisions_csv
    for title in ("Population at start", "Items with usage context", "Decisions",
                  "Revocation plan", "Revocations and their verification"):
        assert title in html


def test_a_decision_edited_in_the_table_fails_export_and_verify(
    reviewed: tuple[App, str], tmp_path: Path,
) -> None:
    import sqlalchemy as sa

    from tenure.store import schema

    app, cid = reviewed
    closed = svc.verify_ledger(app)
    assert closed.ok
    assert closed.checkpoints  # closing the campaign cut a checkpoint automatically
    assert closed.unsigned_tail == 0
    d = schema.review_decisions
    with app.engine.begin() as conn:  # no key needed: a plain UPDATE
        first = conn.execute(sa.select(d.c.id).where(d.c.campaign_id == cid)
                             .order_by(d.c.id)).scalars().first()
        conn.execute(d.update().where(d.c.id == first).values(decision="revoke",
                                                               justification="edited"))
    with pytest.raises(svc.EvidenceError, match="disagree with the signed ledger"):
        svc.export_campaign(app, cid, tmp_path / "out")
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())
    report = svc.verify_ledger(app)
    assert not report.ok
    (problem,) = report.table_problems
    assert f"review_decisions row {first} differs from ledger entry" in problem
    assert "decision, justification" in problem
    # a row inserted with no ledger entry is named too
    with app.engine.begin() as conn:
        conn.execute(d.update().where(d.c.id == first).values(decision="keep",
                                                               justification="=works on the "
                                                               "API daily"))
    assert svc.verify_ledger(app).ok
    with app.engine.begin() as conn:
        row = conn.execute(sa.select(d).where(d.c.id == first)).mappings().one()
        conn.execute(d.insert().values({k: v for k, v in row.items() if k != "id"}))
    assert any("has no review.decided ledger entry" in p
               for p in svc.verify_ledger(app).table_problems)


def test_edited_campaign_package_fails_with_file_and_reason(
    reviewed: tuple[App, str], key_file: Path, tmp_path: Path,
) -> None:
    app, cid = reviewed
    package = svc.export_campaign(app, cid, tmp_path / "out").path
    with zipfile.ZipFile(package) as archive:
        text = archive.read("data/decisions.csv").decode()
    edited = rewrite(package, tmp_path / "edited.zip", replace={
        "data/decisions.csv": text.replace("revoke", "keep", 1).encode()})
    report = svc.check_package(edited, [key_file])
    assert [(p.file, "changed after export" in p.reason) for p in report.problems] == [
        ("data/decisions.csv", True)]

    # a key holder re-signing a shrunken population is still caught by the recomputation
    with zipfile.ZipFile(package) as archive:
        population = json.loads(archive.read("data/population.json"))
    population.pop()
    resigned = resign_files(package, tmp_path / "resigned.zip", key_file, {
        "data/population.json": (json.dumps(population, indent=1) + "\n").encode()})
    report = svc.check_package(resigned, [key_file])
    assert not report.ok
    files = {p.file for p in report.problems}
    assert {"data/population.json", "ledger/entries.jsonl"} <= files
    assert files <= {"data/population.json", "ledger/entries.jsonl", "data/decisions.json"}
    assert any("population hash" in p.reason for p in report.problems)
    assert any("items but the campaign recorded" in p.reason for p in report.problems)


def test_unknown_campaign_is_not_found(reviewed: tuple[App, str], tmp_path: Path) -> None:
    app, _ = reviewed
    with pytest.raises(NotFound, match="cmp_missing"):
        svc.export_campaign(app, "cmp_missing", tmp_path)


def test_campaign_report_in_chromium(reviewed: tuple[App, str], page: Page,
                                     tmp_path: Path) -> None:
    app, cid = reviewed
    package = svc.export_campaign(app, cid, tmp_path / "out").path
    report = tmp_path / "report.html"
    with zipfile.ZipFile(package) as archive:
        report.write_bytes(archive.read("report.html"))
    watch = Watch(page)
    page.goto(report.as_uri())
    ids = page.evaluate("[...document.querySelectorAll('section')].map(s => s.id)")
    charts = page.locator("#charts svg").count()
    found = violations(page)
    screenshot(page, "evidence-campaign-report.png")
    assert ids == SECTIONS
    assert charts == 6
    assert found == []
    assert watch.problems == []
