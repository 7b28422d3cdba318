"""The Claude Enterprise plants of issue 17 are all found, and nothing else fails those checks:
simulator → connector (RBAC, directory, Analytics) + the IdP's SCIM push → checks, on SQLite
and PostgreSQL."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from tenure.services.findings import run_checks
from tests.enterprise import enterprise_org

ISSUE_17 = ("privilege-via-group", "custom-role-privileged", "disabled-seat-still-granted",
            "idp-group-drift", "dormant-account")


def test_enterprise_plants_found_and_nothing_else(tmp_path: Path, database_url: str,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    with enterprise_org(tmp_path, database_url, monkeypatch) as org:
        summary = run_checks(org.app)
        found: dict[str, set[str]] = defaultdict(set)
        manual: dict[str, dict[str, str]] = {}
        for outcome in summary.outcomes:
            assert outcome.error is None, outcome.error
            if outcome.check.id in ISSUE_17:
                manual[outcome.check.id] = dict(outcome.manual)
                found[outcome.check.id] |= {r.hit.subject_id for r in outcome.results
                                            if str(r.status) == "fail"}
        for check in ISSUE_17:
            assert manual[check] == {}, (check, manual[check])
            assert found[check] == org.planted.get(check, set()), check
        (quiet,) = [e for e in org.entries if e.get("signal") == "analytics"]
        dormant = next(r.hit for o in summary.outcomes if o.check.id == "dormant-account"
                       for r in o.results if r.hit.subject_id == quiet["subject_id"])
        assert "analytics" in str(dormant.evidence).lower()
