"""``tenure demo`` shows effective-access paths: one in the Console org, one through a group in
the Claude Enterprise org (each in words, with the command that shows it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tenure.services import demo, demo_enterprise


def test_demo_prints_an_effective_access_path_through_a_group(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for env in (demo.ADMIN_ENV, demo.COMPLIANCE_ENV, demo.OAUTH_ENV,
                *demo_enterprise.ENV.values()):
        monkeypatch.delenv(env, raising=False)
    report = demo.run_demo(tmp_path / "demo")
    assert report.planted_found == report.planted_total
    assert ": admin " in report.access_path
    assert "admin via group " in report.enterprise_path
    if "Platform-Admins" in report.enterprise_path:   # SCIM-managed: the IdP pushed it
        assert report.enterprise_path.endswith(", pushed by Okta")
    assert report.enterprise_config is not None
    assert report.enterprise_config.exists()
