"""Claude Enterprise access structure end to end: simulator over loopback → connector → store
→ effective access, on SQLite and PostgreSQL; each missing credential is a Gap."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from tenure.model import AccessPathKind, AssignmentOrigin, GroupSource, PrivilegeTier, RunStatus
from tenure.services import effective_access
from tenure.simulator.anthropic_rbac import Variant
from tenure.store import schema
from tests.enterprise import EnterpriseOrg, enterprise_org


def rows(org: EnterpriseOrg, table: sa.Table) -> dict[str, dict[str, object]]:
    with org.app.engine.connect() as conn:
        return {r["external_id"]: dict(r) for r in conn.execute(
            sa.select(table).where(table.c.removed_at.is_(None))).mappings()}


def by_check(org: EnterpriseOrg, check: str) -> list[dict[str, object]]:
    return [e for e in org.entries if e["check"] == check]


def gaps(org: EnterpriseOrg) -> set[str]:
    return {g.record_type for g in org.result.gaps}


@pytest.mark.parametrize("variant", [Variant(), Variant.b()], ids=["sdk-names", "docs-names"])
def test_enterprise_structure_and_effective_access(tmp_path: Path, database_url: str,
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   variant: Variant) -> None:
    # The docs spelling also reads the widest Analytics window the vendor allows (366 days).
    days = 366 if variant.group_roles == "roles" else 90
    with enterprise_org(tmp_path, database_url, monkeypatch, variant=variant,
                        analytics_days=days) as org:
        assert org.result.status is RunStatus.PARTIAL      # Enterprise: no workspaces/keys
        assert not gaps(org) & {"role", "group", "group_member", "role_assignment",
                                "analytics_user", "directory"}
        assert {"role", "group", "group_member", "role_assignment",
                "analytics_user"} <= org.result.complete_types
        roles = {r["display_name"]: r for r in rows(org, schema.roles).values()}
        assert roles["Org Admin"]["tier"] is PrivilegeTier.ADMIN
        assert roles["Helpdesk Plus"]["tier"] is PrivilegeTier.ADMIN
        assert roles["Analyst"]["tier"] is PrivilegeTier.ELEVATED  # capability_access_all_ga
        assert roles["Member"]["tier"] is PrivilegeTier.NONE
        groups = {g["name"]: g for g in rows(org, schema.groups).values()}
        assert groups["Platform-Admins"]["source_type"] is GroupSource.SCIM
        assert groups["Helpdesk"]["source_type"] is GroupSource.DIRECT
        (drift,) = by_check(org, "idp-group-drift")
        members = {m["account_id"] for m in rows(org, schema.group_members).values()
                   if m["group_id"] == drift["subject_id"]}
        assert drift["member_ids"] in members
        with org.app.engine.connect() as conn:
            access = effective_access.access_of(conn)
        admin_via_group = {(r["account_id"], r["via_group_id"]) for r in access
                           if r["path_kind"] is AccessPathKind.GROUP
                           and r["tier"] is PrivilegeTier.ADMIN}
        assert admin_via_group == {(str(e["subject_id"]), str(e["group_id"]))
                                   for e in by_check(org, "privilege-via-group")}
        plant = next(e for e in by_check(org, "privilege-via-group")
                     if e["group_id"] == drift["subject_id"]
                     and e["subject_id"] != drift["member_ids"])
        (path,) = [r for r in access if r["account_id"] == plant["subject_id"]
                   and r["tier"] is PrivilegeTier.ADMIN]
        assert path["explanation"] == (
            "admin via group Platform-Admins → role Org Admin, pushed by Okta")
        # The custom role given to a user is known only from the feed, and says so.
        feed = [r for r in access if r["origin"] is AssignmentOrigin.FEED_DERIVED]
        assert [(r["entitlement_name"], r["tier"], r["path_kind"]) for r in feed] == [
            ("Key Minter", PrivilegeTier.ELEVATED, AccessPathKind.ROLE)]
        assert "known from the activity feed" in str(feed[0]["explanation"])
        # The linked organization's admin, from the Compliance directory.
        linked = [r for r in access if r["origin"] is AssignmentOrigin.LEGACY_ROLE
                  and r["entitlement"] == "admin" and r["scope_id"] != org.result.tenant]
        assert [r["tier"] for r in linked] == [PrivilegeTier.ADMIN]
        # The offboarded seat is still a group member (its account is gone).
        (gone,) = by_check(org, "disabled-seat-still-granted")
        assert gone["subject_id"] not in rows(org, schema.accounts)
        assert any(m["account_id"] == gone["subject_id"]
                   for m in rows(org, schema.group_members).values())
        analytics = {a["user_id"]: a for a in rows(org, schema.analytics_users).values()}
        (quiet,) = [e for e in by_check(org, "dormant-account") if e.get("signal")]
        assert analytics[quiet["subject_id"]]["last_activity_date"] is not None


def test_missing_credentials_are_gaps_never_empty(tmp_path: Path, database_url: str,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    # No Compliance Access Key: the Admin key is refused by the directory (403); no
    # analytics key configured: a Gap; RBAC still read, but nothing the directory alone knows
    # is complete (linked organizations' roles, groups, members and role assignments).
    with enterprise_org(tmp_path, database_url, monkeypatch, analytics_key=False,
                        compliance=False, idp_push=False) as org:
        found = {g.record_type: g for g in org.result.gaps}
        assert "directory" in found
        assert "403" in found["directory"].reason
        assert "role_assignment" in found
        assert "role_assignment" not in org.result.complete_types
        # What only the directory knows (linked organizations' roles, groups, members) is
        # kept: an unreadable directory retires none of it.
        assert "group" not in org.result.complete_types
        assert "no analytics key" in found["analytics_user"].reason
        assert rows(org, schema.analytics_users) == {}
        assert "analytics_user" not in org.result.complete_types


def test_tenure_access_shows_the_path(tmp_path: Path, database_url: str,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    from typer.testing import CliRunner

    from tenure.cli import app as cli_app

    with enterprise_org(tmp_path, database_url, monkeypatch) as org:
        plant = next(e for e in by_check(org, "privilege-via-group")
                     if "Helpdesk" in str(e["note"]))
        runner = CliRunner()
        base = ["--config", str(tmp_path / "tenure.toml")]
        shown = runner.invoke(cli_app, [*base, "access", str(plant["email"]), "--tier", "admin",
                                        "--format", "json"], catch_exceptions=False)
        assert shown.exit_code == 0, shown.output
        (row,) = json.loads(shown.stdout)
        assert row["why"] == "admin via group Helpdesk → role Helpdesk Plus"
        assert row["via_group_id"] == plant["group_id"]
        assert [s["step"] for s in row["path"]] == ["account", "group", "role"]
        table = runner.invoke(cli_app, [*base, "access", str(plant["subject_id"])],
                              catch_exceptions=False)
        assert "via group Helpdesk" in table.stdout
        missing = runner.invoke(cli_app, [*base, "access", "user_nobody"])
        assert missing.exit_code == 2
        # The web account page shows the same path, in names.
        from fastapi.testclient import TestClient

        from tenure.api import create_app
        from tests.conftest import add_web_users
        from tests.web.conftest import PASSWORD, sign_in

        add_web_users(org.app, [("auditor@northwind.example", "auditor")], PASSWORD)
        with TestClient(create_app(org.app), base_url="http://testserver") as client:
            sign_in(client, "auditor@northwind.example")
            page = client.get("/subjects/account",
                              params={"source": "claude", "id": str(plant["subject_id"])})
        assert page.status_code == 200, page.text
        assert "admin via group Helpdesk → role Helpdesk Plus" in page.text


def test_a_compliance_key_without_user_data_scope(tmp_path: Path, database_url: str,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from tenure.simulator.anthropic_rbac import ORG_DATA

    with enterprise_org(tmp_path, database_url, monkeypatch, idp_push=False,
                        compliance_scopes={ORG_DATA, "read:compliance_activities"}) as org:
        found = {g.record_type: g for g in org.result.gaps}
        assert "read:compliance_user_data" in found["directory"].detail
        assert "role_assignment" in found                      # linked orgs' roles unknown
        assert {"role", "group"} <= org.result.complete_types
        # Linked organizations' group members were not read: none may be retired.
        assert "group_member" not in org.result.complete_types
        with org.app.engine.connect() as conn:
            access = effective_access.access_of(conn)
        assert not [r for r in access if r["scope_id"] not in ("", org.result.tenant)]


def test_an_unreadable_directory_retires_nothing_it_alone_knows(
        tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with enterprise_org(tmp_path, database_url, monkeypatch, idp_push=False) as org:
        kept = {t.name: set(rows(org, t)) for t in
                (schema.roles, schema.groups, schema.group_members)}
        from tenure.services.sync import run_source
        from tenure.simulator.anthropic_rbac import plane

        plane(org.sim.state).compliance_scopes = set()     # the directory now answers 403
        again = run_source(org.app, "claude")
        assert "directory" in {g.record_type for g in again.gaps}
        assert not {"role", "group", "group_member"} & again.complete_types
        assert {t.name: set(rows(org, t)) for t in
                (schema.roles, schema.groups, schema.group_members)} == kept
