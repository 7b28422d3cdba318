"""Recorded Okta and Entra request sequences replayed against the real app, on both
databases: the expected joiner/mover/leaver changes, memberships and ledger entries."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from tenure.evidence.ledger import iter_entries
from tenure.evidence.verify import verify_entries
from tenure.services.context import App
from tenure.store import schema
from tenure.store.scim import group_member_emails, group_members, groups_of_person

from .conftest import changes, ledger_kinds, replay, rows


def test_okta_lifecycle(client: TestClient, scim_app: App) -> None:
    ids = replay(client, "okta/lifecycle")
    assert changes(scim_app) == [
        ("grace@example.com", "joiner", "status", None, "active"),
        ("ada@example.com", "joiner", "status", None, "active"),
        ("linus@example.com", "joiner", "status", None, "active"),
        ("ada@example.com", "mover", "department", "Engineering", "Research"),
        ("linus@example.com", "mover", "department", "Platform", "Security"),
        ("linus@example.com", "mover", "manager_email", "grace@example.com",
         "ada@example.com"),
        ("ada@example.com", "leaver", "status", "active", "terminated"),
        ("ada@example.com", "updated", "end_date", None, "2026-11-25"),
    ]
    people = {p["email"]: p for p in rows(scim_app, schema.people)}
    assert people["ada@example.com"]["status"] == "terminated"
    assert people["ada@example.com"]["manager_email"] == "grace@example.com"
    assert people["ada@example.com"]["employee_id"] == "1001"
    assert people["ada@example.com"]["title"] == "Engineer"
    assert people["ada@example.com"]["source"] == "scim"
    assert people["linus@example.com"]["department"] == "Security"
    with scim_app.engine.connect() as conn:
        assert group_member_emails(conn, "engineering emea") == []  # ada left, linus removed
        assert group_member_emails(conn, "Engineering EMEA", active_only=False) == [
            "ada@example.com"]
        assert [m.user_id for m in group_members(conn, ids["groups.eng"])] == [ids["users.ada"]]
        assert [g.display_name for g in groups_of_person(conn, "ada@example.com")] == [
            "Engineering EMEA"]
    kinds = ledger_kinds(scim_app)
    assert kinds[0] == "scim.token.created"
    assert kinds[1:] == ["scim.user.created"] * 3 + ["scim.user.replaced"] + [
        "scim.user.patched"] * 2 + ["scim.group.created"] + ["scim.group.patched"] * 3 + [
        "scim.user.patched"]
    entries = rows(scim_app, schema.ledger_entries, order=schema.ledger_entries.c.seq)
    leaver = json.loads(entries[-1]["payload"])
    assert leaver["changes"][0] == {"person": "ada@example.com", "kind": "leaver",
                                    "field": "status", "old": "active", "new": "terminated"}
    added = json.loads(entries[8]["payload"])
    assert [m["email"] for m in added["members_added"]] == sorted(
        ["ada@example.com", "linus@example.com"], key=lambda e: {
            "ada@example.com": ids["users.ada"], "linus@example.com": ids["users.linus"]}[e])
    with scim_app.engine.connect() as conn:
        report = verify_entries(iter_entries(conn))
    assert report.ok
    assert report.total == len(kinds)


def test_okta_passwords_are_never_stored(client: TestClient, scim_app: App) -> None:
    replay(client, "okta/lifecycle")
    dumped = json.dumps([r["resource"] for r in rows(scim_app, schema.scim_users)])
    dumped += json.dumps([r["payload"] for r in rows(scim_app, schema.ledger_entries)])
    assert "t0psecretPW" not in dumped
    assert "1mz050nq" not in dumped
    assert "password" not in dumped


def test_okta_group_delete_keeps_people(client: TestClient, scim_app: App) -> None:
    replay(client, "okta/group_delete")
    assert rows(scim_app, schema.scim_groups) == []
    assert rows(scim_app, schema.scim_group_members) == []
    assert ledger_kinds(scim_app)[-1] == "scim.group.deleted"
    assert [p["status"] for p in rows(scim_app, schema.people)] == ["active"]


def test_entra_lifecycle(client: TestClient, scim_app: App) -> None:
    ids = replay(client, "entra/lifecycle")
    assert changes(scim_app) == [
        ("barbara@contoso.com", "joiner", "status", None, "active"),
        ("alan@contoso.com", "joiner", "status", None, "active"),
        ("alan@contoso.com", "mover", "manager_email", None, "barbara@contoso.com"),
        ("alan@contoso.com", "mover", "department", "Finance", "Treasury"),
        ("alan@contoso.com", "updated", "name", "Alan Turing", "Alan M. Turing"),
        ("alan@contoso.com", "leaver", "status", "active", "terminated"),
        ("alan@contoso.com", "updated", "end_date", None, "2026-11-25"),
        ("barbara@contoso.com", "leaver", "status", "active", "terminated"),
        ("barbara@contoso.com", "updated", "end_date", None, "2026-11-25"),
    ]
    people = {p["email"]: p for p in rows(scim_app, schema.people)}
    assert {e: p["status"] for e, p in people.items()} == {
        "alan@contoso.com": "terminated", "barbara@contoso.com": "terminated"}
    assert people["barbara@contoso.com"]["removed_at"] is None  # a leaver, still visible
    assert [u["id"] for u in rows(scim_app, schema.scim_users)] == [ids["users.alan"]]
    with scim_app.engine.connect() as conn:
        assert group_member_emails(conn, "Finance", active_only=False) == ["alan@contoso.com"]
    kinds = ledger_kinds(scim_app)
    assert kinds.count("scim.user.deleted") == 1
    assert kinds.count("scim.group.patched") == 2
    assert kinds[-1] == "scim.user.deleted"


def test_each_push_is_a_complete_run_of_the_source(client: TestClient, scim_app: App) -> None:
    replay(client, "entra/lifecycle")
    runs = rows(scim_app, schema.sync_runs)
    assert {r["source"] for r in runs} == {"scim"}
    assert {r["status"] for r in runs} == {"complete"}
    assert len(runs) == len(ledger_kinds(scim_app)) - 1  # every push but the token creation
