"""Always current, and only what it affects (issue 18 item 5): a sync, an apply or a campaign
close re-evaluates only the checks whose declared inputs (``needs`` + ``reads``) changed, and
the ``checks.run`` ledger entry says which ran, of how many, and why."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import sqlalchemy as sa

from tenure.checks.affected import affected, inputs
from tenure.checks.registry import load_builtin_checks
from tenure.services import revocation
from tenure.services.dashboard import checks_last_run
from tenure.services.findings import run_checks
from tenure.services.reviews import CLOSE_CHANGES
from tenure.services.sync import sync_sources
from tenure.services.touched import EFFECTIVE_ACCESS, IDENTITY, INSERTED, PERSON_CHANGE, SPONSOR
from tenure.store import schema, writers
from tests.conftest import signed_in
from tests.planted import PlantedOrg

KNOWN = {*writers.SNAPSHOT_TABLES, *INSERTED, IDENTITY, PERSON_CHANGE, EFFECTIVE_ACCESS,
         "purpose", "service_account", SPONSOR}


def _catalogue() -> list:  # type: ignore[type-arg]
    return [c for _, c in load_builtin_checks().items()]


def test_every_check_declares_data_kinds_a_change_can_name() -> None:
    for check in _catalogue():
        assert inputs(check) <= KNOWN, (check.id, inputs(check) - KNOWN)


def test_a_change_selects_the_checks_that_read_it() -> None:
    checks = _catalogue()
    usage = {c.id for c in affected(checks, {"usage"})}
    assert {"dormant-key", "never-used-key", "key-usage-spike"} <= usage
    assert "leaver-active-account" not in usage
    people = {c.id for c in affected(checks, {"person", PERSON_CHANGE})}
    assert {"leaver-active-account", "unmatched-account", "mover-stale-access"} <= people
    assert "long-lived-key" not in people
    assert {c.id for c in affected(checks, {"purpose"})} >= {"access-past-purpose",
                                                              "privileged-without-purpose"}
    assert affected(checks, CLOSE_CHANGES) == []
    assert len(affected(checks, {IDENTITY})) > len(people)


def _runs(org: PlantedOrg) -> list[dict[str, object]]:
    with org.app.engine.connect() as conn:
        return [json.loads(p) for p in conn.execute(
            sa.select(schema.ledger_entries.c.payload).where(
                schema.ledger_entries.c.kind == "checks.run")
            .order_by(schema.ledger_entries.c.seq)).scalars()]


def test_an_unchanged_hr_file_runs_no_check_and_a_mover_runs_only_theirs(
    org: PlantedOrg, tmp_path: Path
) -> None:
    run_checks(org.app)
    before = len(_runs(org))
    (result,) = sync_sources(org.app, ["hr"])
    assert result.touched == set()
    assert len(_runs(org)) == before  # nothing read by any check changed
    hr = tmp_path / "hr.csv"
    rows = list(csv.DictReader(hr.open(encoding="utf-8")))
    rows[0]["department"] = rows[0]["department"] + " (moved)"
    with hr.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    (result,) = sync_sources(org.app, ["hr"])
    assert {"person", PERSON_CHANGE} <= result.touched
    assert IDENTITY not in result.touched  # the same people match the same accounts
    latest = _runs(org)[-1]
    assert latest["trigger"] == "sync:hr"
    ran = set(latest["check_ids"])  # type: ignore[arg-type]
    assert ran == {c.id for c in affected(_catalogue(), result.touched)}
    assert "mover-stale-access" in ran
    assert "key-usage-spike" not in ran
    assert latest["checks"] == len(ran) < int(str(latest["of"]))
    freshness = checks_last_run(org.app)
    assert freshness.partial
    assert freshness.check_at("mover-stale-access") == freshness.at
    assert freshness.check_at("key-usage-spike") == freshness.all_at
    assert freshness.all_at is not None
    assert freshness.all_at < freshness.at  # type: ignore[operator]


def test_apply_reruns_the_checks_reading_what_it_changed(org: PlantedOrg, tmp_path: Path
                                                         ) -> None:
    run_checks(org.app)
    leavers = org.planted["leaver-active-account"]
    made, _ = revocation.plan_revocation(signed_in(org.app, "planner@corp.io"),
                                         trigger="leaver")
    path = tmp_path / "plan.json"
    path.write_text(made.to_json(), encoding="utf-8")
    ciso = signed_in(org.app, "ciso@corp.io")
    revocation.approve_plan(ciso, path)
    report = revocation.apply(ciso, path, approve_hash=made.sha256)
    assert report.checks is not None
    latest = _runs(org)[-1]
    assert latest["trigger"] == f"apply:{made.id}"
    assert "account" in latest["changed"]  # type: ignore[operator]
    assert "leaver-active-account" in latest["check_ids"]  # type: ignore[operator]
    with org.app.engine.connect() as conn:
        still = conn.execute(sa.select(schema.findings.c.subject_id).where(
            schema.findings.c.check_id == "leaver-active-account",
            schema.findings.c.status == "fail")).scalars().all()
    assert not set(still) & leavers
