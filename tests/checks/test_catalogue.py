"""The catalogue: ids, framework references, parameters, migrations."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from tenure.checks.base import Check
from tenure.checks.params import resolve_params, validate_overrides
from tenure.checks.registry import CHECK_ID, load_builtin_checks
from tenure.errors import ConfigError
from tenure.frameworks import FRAMEWORKS, iso27001, nist_csf, owasp_nhi, parse_ref, soc2
from tenure.store import schema
from tenure.store.db import make_engine, migrate

ISSUE_CHECKS = {
    "leaver-active-account", "leaver-active-key", "orphaned-key", "unmatched-account",
    "dormant-account", "dormant-key", "never-used-key", "long-lived-key", "overactive-admin",
    "privileged-without-purpose", "access-past-purpose", "mover-stale-access",
    "key-in-archived-workspace", "key-usage-spike",
    "nhi-without-sponsor", "nhi-sponsor-left", "service-account-dormant",
    # issue 17: effective access
    "privilege-via-group", "custom-role-privileged", "disabled-seat-still-granted",
    "idp-group-drift",
    "federation-rule-broad-match", "federation-rule-privileged", "federation-issuer-unhealthy",
    "agent-unsupervised-tools", "agent-open-egress-with-secrets", "agent-running-unowned",
    "vault-credential-expired-in-use",
}
RECORD_TYPES = {"person", "account", "credential", "workspace", "grant", "activity", "usage",
                "service_account", "federation_issuer", "federation_rule", "agent",
                "agent_environment", "agent_deployment", "vault", "vault_credential",
                "group", "group_member", "role", "role_assignment"}


def _checks() -> list[Check]:
    return [c for _, c in load_builtin_checks().items()]


def test_the_catalogue_is_the_issue_table() -> None:
    assert {c.id for c in _checks()} == ISSUE_CHECKS


@pytest.mark.parametrize("check", _checks(), ids=lambda c: c.id)
def test_every_check_is_complete(check: Check) -> None:
    assert CHECK_ID.match(check.id)
    assert check.title
    assert check.rationale
    assert check.remediation
    assert check.actions
    assert all("." in a for a in check.actions)
    assert check.frameworks
    assert set(check.needs) <= RECORD_TYPES


def test_every_framework_reference_exists() -> None:
    for check in _checks():
        for ref in check.frameworks:
            assert ref.control in FRAMEWORKS[ref.framework].controls, (check.id, ref)
            assert parse_ref(ref.key) == ref
    used = {r.framework for c in _checks() for r in c.frameworks}
    assert used == {"owasp-nhi", "owasp-asi", "nist-csf", "soc2", "iso27001"}


def test_framework_helpers() -> None:
    assert owasp_nhi("NHI1").key == "owasp-nhi:NHI1"
    assert nist_csf("PR.AA-05").title.startswith("Access permissions")
    assert soc2("CC6.2").framework == "soc2"
    assert iso27001("A.5.18").title == "Access rights"
    assert {f"PR.AA-0{i}" for i in range(1, 7)} <= set(FRAMEWORKS["nist-csf"].controls)
    assert {"A.5.15", "A.5.16", "A.5.17", "A.5.18"} <= set(FRAMEWORKS["iso27001"].controls)
    with pytest.raises(KeyError):
        owasp_nhi("NHI11")
    with pytest.raises(KeyError):
        parse_ref("cobit:APO01")


def test_params_overrides() -> None:
    check = load_builtin_checks().get("overactive-admin")
    params = resolve_params(check, {"min_actions": 50, "admin_roles": ["owner"]})
    assert params.int("min_actions") == 50
    assert params.words("admin_roles") == ("owner",)
    assert params.int("window_days") == 7
    with pytest.raises(ConfigError, match="unknown parameter"):
        resolve_params(check, {"windowdays": 3})
    with pytest.raises(ConfigError, match="number"):
        resolve_params(check, {"min_actions": "many"})
    with pytest.raises(ConfigError, match="no check"):
        validate_overrides(_checks(), {"dormant-acount": {"window_days": 3}})


def test_findings_migration_matches_metadata(database_url: str) -> None:
    engine = make_engine(database_url)
    migrate(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}),
                                schema.metadata)
    engine.dispose()
    mine = [d for d in diff if "finding" in repr(d)]
    assert mine == []


def test_docs_checks_md_is_generated_from_the_registry() -> None:
    from pathlib import Path

    from tenure.checks.catalogue_doc import catalogue_markdown

    doc = Path(__file__).parents[2] / "docs" / "checks.md"
    assert doc.read_text(encoding="utf-8") == catalogue_markdown(), (
        "regenerate: python -m tenure.checks.catalogue_doc > docs/checks.md")


def test_anthropic_actions_named_by_checks_exist() -> None:
    import dataclasses

    from tenure.connectors.anthropic import actions, agent_actions, nhi_actions

    kinds = {f.default for module in (actions, nhi_actions, agent_actions)
             for obj in vars(module).values()
             if dataclasses.is_dataclass(obj) for f in dataclasses.fields(obj)
             if f.name == "kind"}
    named = {a for c in _checks() for a in c.actions if a.startswith("anthropic.")}
    assert named <= kinds


def test_openai_actions_named_by_checks_exist() -> None:
    import dataclasses

    from tenure.connectors.openai import actions

    kinds = {f.default for obj in vars(actions).values()
             if dataclasses.is_dataclass(obj) for f in dataclasses.fields(obj)
             if f.name == "kind"}
    named = {a for c in _checks() for a in c.actions if a.startswith("openai.")}
    assert named
    assert named <= kinds
