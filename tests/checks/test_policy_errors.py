"""Custom policy validation corner cases and the error status of a check that cannot run."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from tenure.checks.availability import source_states
from tenure.checks.base import Check, EvalContext, Hit, Severity, SubjectType
from tenure.checks.engine import evaluate_check
from tenure.checks.policy import PolicyError, load_policies, parse_policy_text
from tenure.frameworks import soc2
from tenure.services.context import App
from tenure.services.findings import FindingFilter, list_findings, persist_outcomes
from tests.checks.builder import Store, user


def _problems(text: str) -> list[str]:
    _, problems = parse_policy_text(text, "p.yaml", {"dormant-account"})
    return [f"{p.line}:{p.column}: {p.message}" for p in problems]


def test_yaml_syntax_error_has_a_line() -> None:
    (problem,) = _problems("id: x\nwhere: [\n")
    assert problem.startswith("3:1: invalid YAML")


def test_activity_needs_a_subject_with_activity() -> None:
    text = ("id: g\ntitle: t\nseverity: low\nsubject: grant\nwhere:\n"
            "  - activity: {window_days: 3, at_least: 1}\n")
    assert _problems(text) == ["6:15: activity is not available for subject grant"]


def test_builtin_ids_and_duplicates_are_rejected() -> None:
    base = ("title: t\nseverity: low\nsubject: api_key\nwhere:\n"
            "  - {attribute: id, absent: false}\n")
    assert _problems("id: dormant-account\n" + base) == [
        "1:5: id 'dormant-account' is already used (by a built-in check or another policy)"]
    twice = "id: one\n" + base + "---\nid: one\n" + base
    assert _problems(twice) == [
        "8:5: id 'one' is already used (by a built-in check or another policy)"]


def test_operator_rules() -> None:
    text = ("id: k\ntitle: t\nseverity: low\nsubject: api_key\nwhere:\n"
            "  - {attribute: name, older_than_days: 3}\n"
            "  - {attribute: name, in: admin}\n"
            "  - {attribute: name, equals: a, not_equals: b}\n"
            "  - {attribute: expires_at, absent: maybe}\n"
            "frameworks: [soc2:CC9.9]\n")
    problems = _problems(text)
    assert problems == [
        "6:23: older_than_days needs a date attribute; name is text",
        "7:27: in must be a list",
        "8:5: a filter needs exactly one operator (equals, not_equals, greater_than, "
        "less_than, at_least, at_most, in, not_in, absent, older_than_days, newer_than_days)",
        "9:37: absent must be true or false",
        "10:14: soc2 has no control 'CC9.9'",
    ]


def test_load_rejects_the_folder_on_any_problem(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("id: a\n", encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        load_policies(tmp_path, reserved=set())
    assert "a.yaml:1:1: missing required field 'title'" in str(caught.value)


def _broken(ctx: EvalContext) -> list[Hit]:
    ctx.conn.execute(sa.text("SELECT * FROM no_such_table"))
    return []


def test_a_check_that_cannot_run_is_an_error_finding(app: App) -> None:
    Store(app).platform(accounts=[user("user_a", "a@acme.test")])
    broken = Check(id="broken-check", title="Broken", severity=Severity.LOW,
                   subject_type=SubjectType.ACCOUNT, rationale="r", remediation="r",
                   actions=(), frameworks=(soc2("CC6.1"),), needs=("account",),
                   evaluate=_broken)
    with app.engine.begin() as conn:
        outcome = evaluate_check(conn, broken, now=app.now(),
                                 states=source_states(conn, app.settings), overrides={})
        assert outcome.error is not None
        assert str(outcome.status) == "error"
        persist_outcomes(conn, [outcome], now=app.now(), actor="test")
    (finding,) = list_findings(app, FindingFilter(check="broken-check"))
    assert finding.status == "error"
    assert finding.subject_type == "check"
