"""A naive, independent reading of the issue-17 plants over raw HTTP (Enterprise orgs only).

Literal check definitions: admin-tier = a role permitting member, admin-key or SSO management;
every Anthropic RBAC role is custom (the API carries no built-in flag, the built-in roles are
the org roles); a disabled seat = a group member who is no longer an org member; drift = a
SCIM-sourced platform group whose member emails differ from the IdP's push of the same name.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from tenure.simulator.anthropic_rbac import BETA, DEFAULT_ANALYTICS_KEY
from tests.simulator.conftest import VERSION

ADMIN_WORDS = ("manage_members", "admin_keys", "sso")


def _pages(client: httpx.Client, path: str, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    query: dict[str, Any] = {"limit": 1000, **params}
    while True:
        body = client.get(path, params=query).raise_for_status().json()
        items += body["data"]
        if not body.get("next_page"):
            return items
        query["page"] = body["next_page"]


def analytics_last_days(base_url: str, now: datetime) -> dict[str, date]:
    """Each seat's Analytics last activity day over the last 90 days ({} for Console)."""
    with httpx.Client(base_url=base_url, timeout=30, headers={
            "x-api-key": DEFAULT_ANALYTICS_KEY, "anthropic-version": VERSION}) as c:
        path = "/v1/organizations/analytics/users"
        if c.get(path).status_code == 404:
            return {}
        start = (now.date() - timedelta(days=90)).isoformat()
        rows = _pages(c, path, starting_date=start)
    return {r["user"]["id"]: date.fromisoformat(r["last_activity_date"]) for r in rows
            if r.get("user") and r.get("last_activity_date")}


def evaluate_enterprise(base_url: str, admin_key: str, scenario_dir: Path,
                        member_ids: set[str]) -> set[tuple[str, str]]:
    """The issue-17 (check, subject_id) pairs the served RBAC data shows."""
    found: set[tuple[str, str]] = set()
    with httpx.Client(base_url=base_url, timeout=30, headers={
            "x-api-key": admin_key, "anthropic-version": VERSION,
            "anthropic-beta": BETA}) as c:
        if c.get("/v1/organizations/rbac_roles").status_code == 404:
            return found
        admin_roles = set()
        for role in _pages(c, "/v1/organizations/rbac_roles"):
            perms = _pages(c, f"/v1/organizations/rbac_roles/{role['id']}/permissions")
            if any(w in p["action"] for p in perms for w in ADMIN_WORDS):
                admin_roles.add(role["id"])
                found.add(("custom-role-privileged", role["id"]))
        groups = _pages(c, "/v1/organizations/rbac_groups")
        members = {g["id"]: _pages(c, f"/v1/organizations/rbac_groups/{g['id']}/members")
                   for g in groups}
    idp = json.loads((scenario_dir / "idp_push.json").read_text())
    pushed = {g["displayName"]: {m.lower() for m in g["members"]} for g in idp["groups"]}
    for g in groups:
        roles = set(g.get("role_ids") or g.get("roles") or ())
        for m in members[g["id"]]:
            if m["user_id"] not in member_ids:
                found.add(("disabled-seat-still-granted", m["user_id"]))
            elif roles & admin_roles:
                found.add(("privilege-via-group", m["user_id"]))
        emails = {m["email"].lower() for m in members[g["id"]]}
        if g["source_type"] == "scim" and emails != pushed.get(g["name"], set()):
            found.add(("idp-group-drift", g["id"]))
    return found
