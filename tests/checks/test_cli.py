"""The CLI: findings JSON/CSV/OCSF shape, mute, checks, compliance, policy validate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tenure.cli import app as cli_app
from tenure.config import load_settings
from tenure.services.context import App, open_app
from tests.checks.builder import Store, day_ago, key, person, user
from tests.conftest import FIXED_NOW, make_app, user_token

AS_OF = FIXED_NOW.isoformat()


@pytest.fixture
def workdir(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A tenure.toml on the test store, with a leaver, an unmatched seat and an old key."""
    monkeypatch.delenv("TENURE_DATABASE_URL", raising=False)
    (tmp_path / "policies").mkdir()
    (tmp_path / "tenure.toml").write_text(
        f'policies_dir = "policies"\n[database]\nurl = "{database_url}"\n'
        '[checks.long-lived-key]\nmax_age_days = 30\n', encoding="utf-8")
    app = make_app(database_url)
    store = Store(app)
    store.hr([person("lee@acme.test", status="terminated", end=day_ago(3)),
              person("ann@acme.test")])
    store.platform(accounts=[user("user_lee", "lee@acme.test"), user("user_x", "x@gmail.test"),
                             user("user_ann", "ann@acme.test")],
                   credentials=[key("apikey_old", creator="user_ann",
                                    created=FIXED_NOW.replace(year=2026, month=9))],
                   activities=[])
    app.close()
    return tmp_path


def _tenure(workdir: Path, *args: str, user: str | None = None) -> tuple[int, str, str]:
    """The CLI on the work store; with ``user``, signed in as that admin (TENURE_TOKEN)."""
    env: dict[str, str | None] = {}
    if user is not None:
        app = open_app(str(workdir / "tenure.toml"))
        try:
            env["TENURE_TOKEN"] = user_token(app, user)
        finally:
            app.close()
    result = CliRunner().invoke(
        cli_app, ["--config", str(workdir / "tenure.toml"), "--as-of", AS_OF, *args], env=env)
    return result.exit_code, result.stdout, result.stderr


def test_findings_json_shape(workdir: Path) -> None:
    code, out, _ = _tenure(workdir, "findings", "--format", "json")
    assert code == 0
    rows = json.loads(out)
    by_check = {r["check"]: r for r in rows}
    assert {"leaver-active-account", "unmatched-account", "long-lived-key"} <= set(by_check)
    leaver = by_check["leaver-active-account"]
    for field in ("id", "check", "severity", "status", "source", "subject_type", "subject_id",
                  "subject_email", "person", "evidence", "frameworks", "first_seen", "muted"):
        assert field in leaver
    assert leaver["subject_id"] == "user_lee"
    assert leaver["person"] == "lee@acme.test"
    assert leaver["status"] == "fail"
    assert "owasp-nhi:NHI1" in leaver["frameworks"]
    assert leaver["evidence"]["end_date"] == day_ago(3).isoformat()
    assert by_check["long-lived-key"]["subject_type"] == "api_key"  # param override: 30 days
    code, out, _ = _tenure(workdir, "findings", "--check", "unmatched-account", "-f", "json")
    assert [r["subject_id"] for r in json.loads(out)] == ["user_x"]
    code, out, _ = _tenure(workdir, "findings", "--severity", "critical", "-f", "csv")
    assert out.splitlines()[0].startswith("id,check,title,severity")
    assert len(out.splitlines()) == 2


def test_findings_csv_evidence_is_json(workdir: Path) -> None:
    """CSV exports carry structured evidence as JSON (a spreadsheet or a script can read it
    back), never Python's repr."""
    import csv
    import io

    code, out, _ = _tenure(workdir, "findings", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    leaver = next(r for r in rows if r["check"] == "leaver-active-account")
    assert "{'" not in leaver["evidence"]
    evidence = json.loads(leaver["evidence"])
    assert evidence["end_date"] == day_ago(3).isoformat()


def test_findings_ocsf_detection_finding(workdir: Path) -> None:
    code, out, _ = _tenure(workdir, "findings", "--check", "leaver-active-account", "-f", "ocsf")
    assert code == 0
    (event,) = json.loads(out)
    assert event["class_uid"] == 2004
    assert event["category_uid"] == 2
    assert event["type_uid"] == 200401
    assert event["severity_id"] == 5
    assert event["status_id"] == 1
    assert event["finding_info"]["analytic"]["uid"] == "leaver-active-account"
    assert event["resources"][0]["uid"] == "user_lee"
    assert event["resources"][0]["owner"] == {"email_addr": "lee@acme.test"}
    assert event["metadata"]["product"]["name"] == "Tenure"
    assert isinstance(event["time"], int)


def test_mute_via_cli(workdir: Path) -> None:
    _, out, _ = _tenure(workdir, "findings", "--check", "unmatched-account", "-f", "json")
    fid = json.loads(out)[0]["id"]
    code, out, err = _tenure(workdir, "findings", "mute", fid, "--reason", "contractor",
                             "--until", "2026-12-31")
    assert code == 2  # a mute records who accepted the risk: nobody signed in
    assert "tenure login" in err
    code, out, err = _tenure(workdir, "findings", "mute", fid, "--reason", "contractor",
                             "--until", "2026-12-31", user="admin@acme.test")
    assert code == 0, err
    _, out, _ = _tenure(workdir, "findings", "--check", "unmatched-account", "-f", "json")
    row = json.loads(out)[0]
    assert row["muted"] is True
    assert row["muted_until"].startswith("2026-12-31")
    _, out, _ = _tenure(workdir, "findings", "--check", "unmatched-account", "-f", "ocsf")
    assert json.loads(out)[0]["status"] == "Suppressed"
    code, _, _ = _tenure(workdir, "findings", "--check", "unmatched-account", "--fail-on",
                         "high")
    assert code == 0  # the only high finding is muted
    code, _, _ = _tenure(workdir, "findings", "--fail-on", "critical")
    assert code == 1  # the leaver is not
    code, _, err = _tenure(workdir, "findings", "mute", "fnd_missing", "--reason", "x",
                           "--until", "2026-12-31", user="admin@acme.test")
    assert code == 2
    assert "no finding" in err


def test_checks_and_compliance(workdir: Path) -> None:
    code, out, _ = _tenure(workdir, "checks", "-f", "json")
    assert code == 0
    catalogue = {c["id"]: c for c in json.loads(out)}
    assert catalogue["long-lived-key"]["params"] == {"max_age_days": 30}
    assert catalogue["dormant-account"]["params"] == {"window_days": 30}
    code, out, _ = _tenure(workdir, "compliance", "soc2", "-f", "json")
    controls = {c["control"]: c for c in json.loads(out)}
    assert "leaver-active-account" in controls["CC6.2"]["checks"]
    assert controls["CC6.2"]["failing"] >= 1
    assert 0 <= controls["CC6.2"]["pass_rate"] < 1
    code, _, err = _tenure(workdir, "compliance", "cobit")
    assert code == 2
    assert "unknown framework" in err


BAD_POLICY = """\
id: Bad_Id
title: broken
severity: urgent
subject: account
colour: red
where:
  - attribute: role
    in: [admin]
  - attribute: shoe_size
    equals: 3
  - attribute: created_at
    equals: yesterday
  - activity: {window_days: 7, at_least: 1, per: day}
"""

GOOD_POLICY = """\
id: contractor-admin
title: Contractor holds an admin role
severity: high
subject: account
frameworks: [nist-csf:PR.AA-05]
where:
  - {attribute: role, in: [admin, owner]}
  - {attribute: person_department, equals: Contractors}
  - {attribute: created_at, older_than_days: 10}
  - activity: {window_days: 30, at_most: 5}
---
id: keys-without-expiry-in-prod
title: Key without expiry in production
severity: low
subject: api_key
where:
  - {attribute: expires_at, absent: true}
  - {attribute: workspace_id, in: [wrk_1]}
"""


def test_policy_validate_reports_lines(workdir: Path) -> None:
    (workdir / "policies" / "bad.yaml").write_text(BAD_POLICY, encoding="utf-8")
    code, _, err = _tenure(workdir, "policy", "validate")
    assert code == 1
    path = str(workdir / "policies" / "bad.yaml")
    assert f"{path}:1:5: id must be kebab-case" in err
    assert f"{path}:3:11: severity must be one of" in err
    assert f"{path}:5:1: unknown field 'colour'" in err
    assert f"{path}:9:16: subject account has no attribute 'shoe_size'" in err
    assert f"{path}:12:5: compare dates with older_than_days" in err
    assert f"{path}:13:45: unknown field 'per'" in err


def test_policies_compile_and_run(workdir: Path, database_url: str) -> None:
    (workdir / "policies" / "good.yaml").write_text(GOOD_POLICY, encoding="utf-8")
    code, out, err = _tenure(workdir, "policy", "validate")
    assert code == 0, err
    assert "ok  contractor-admin" in out
    app = make_app(database_url, load_settings(workdir / "tenure.toml"))
    _seed_contractor(app)
    app.close()
    code, out, err = _tenure(workdir, "findings", "--check", "contractor-admin", "-f", "json")
    assert code == 0, err
    rows = json.loads(out)
    assert [r["subject_id"] for r in rows] == ["user_c"], rows[0]["evidence"]
    assert rows[0]["evidence"]["person_department"] == "Contractors"
    _, out, _ = _tenure(workdir, "findings", "--check", "keys-without-expiry-in-prod", "-f",
                        "json")
    assert [r["subject_id"] for r in json.loads(out)] == ["apikey_old"]
    _, out, _ = _tenure(workdir, "policy", "schema")
    schema = json.loads(out)
    assert "person_department" in json.dumps(schema)
    assert schema["required"] == ["id", "title", "severity", "subject", "where"]


def _seed_contractor(app: App) -> None:
    store = Store(app)
    store.hr([person("c@acme.test", department="Contractors"),
              person("d@acme.test", department="Contractors"),
              person("ann@acme.test")])
    store.platform(accounts=[user("user_c", "c@acme.test", role="admin"),
                             user("user_d", "d@acme.test", role="user"),
                             user("user_ann", "ann@acme.test", role="admin")],
                   credentials=[key("apikey_old", creator="user_ann",
                                    created=FIXED_NOW.replace(year=2026, month=9))])
