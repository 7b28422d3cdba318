"""An independent, deliberately naive evaluation of the non-human identity checks over raw
HTTP (the OAuth plane, the feed and the HR export), so the NHI entries of ``planted.json`` can
be compared with what the served data really shows."""

from __future__ import annotations

import csv
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from tests.simulator.conftest import VERSION, collect

OAUTH_BETA = "oauth-2025-04-20"


def _when(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None


def _pages(client: httpx.Client, path: str) -> list[dict[str, Any]]:
    """Every item of a page-cursor (family B) list, stopping on ``next_page`` alone."""
    items: list[dict[str, Any]] = []
    query: dict[str, Any] = {"limit": 100}
    while True:
        body = client.get(path, params=query).raise_for_status().json()
        items += body["data"]
        if not body.get("next_page"):
            return items
        query["page"] = body["next_page"]


def evaluate_nhi(base_url: str, admin_key: str, oauth_token: str, scenario_dir: Path,
                 now: datetime) -> set[tuple[str, str]]:
    """The (check, subject_id) pairs the six service-account and federation checks fail."""
    with (scenario_dir / "hr_after_move.csv").open(encoding="utf-8") as fh:
        hr = {row["email"].lower(): row for row in csv.DictReader(fh)}
    with httpx.Client(base_url=base_url, timeout=30, headers={
            "x-api-key": admin_key, "anthropic-version": VERSION}) as c:
        users = {u["id"]: u for u in collect(c, "/v1/organizations/users", limit=1000)}
        feed = collect(c, "/v1/compliance/activities", limit=5000)
    with httpx.Client(base_url=base_url, timeout=30, headers={
            "authorization": f"Bearer {oauth_token}", "anthropic-beta": OAUTH_BETA,
            "anthropic-version": VERSION}) as c:
        accounts = _pages(c, "/v1/organizations/service_accounts")
        rules = _pages(c, "/v1/organizations/federation_rules")
        issuers = _pages(c, "/v1/organizations/federation_issuers")
    by_id = {s["id"]: s for s in accounts}
    found: set[tuple[str, str]] = set()

    def sponsor(creator: str | None, seen: frozenset[str] = frozenset()) -> str | None:
        if creator in by_id and creator not in seen:
            return sponsor(by_id[creator].get("created_by_actor_id"), seen | {creator})
        user = users.get(creator or "")
        return user["email"].lower() if user else None

    live = [s for s in accounts if not s.get("archived_at")]
    live_rules = [r for r in rules if not r.get("archived_at")]
    for s in live:
        who = sponsor(s.get("created_by_actor_id"))
        if who is None or who not in hr:
            found.add(("nhi-without-sponsor", s["id"]))
        elif hr[who]["status"] == "terminated":
            found.add(("nhi-sponsor-left", s["id"]))
    for r in live_rules:
        who = sponsor(r.get("created_by_actor_id")) or sponsor(
            r["target"]["service_account_id"])
        if who is None or who not in hr:
            found.add(("nhi-without-sponsor", r["id"]))
        elif hr[who]["status"] == "terminated":
            found.add(("nhi-sponsor-left", r["id"]))
    cutoff = now - timedelta(days=90)
    acted = {row["actor"].get("service_account_id") for row in feed
             if (_when(row["created_at"]) or now) >= cutoff}
    acted |= {row.get("service_account_id") for row in feed
              if row["type"] == "platform_federated_authentication"
              and (_when(row["created_at"]) or now) >= cutoff}
    for s in live:
        created = _when(s["created_at"])
        if created is not None and created <= cutoff and s["id"] not in acted:
            found.add(("service-account-dormant", s["id"]))
    for r in live_rules:
        match = r.get("match") or {}
        prefix = match.get("subject_prefix") or ""
        if ":pull_request" in prefix or ((not prefix or prefix.endswith("*"))
                                         and not match.get("claims")
                                         and not match.get("condition")):
            found.add(("federation-rule-broad-match", r["id"]))
        if "org:admin" in r["oauth_scope"].split() or r.get("applies_to_all_workspaces"):
            found.add(("federation-rule-privileged", r["id"]))
    for i in issuers:
        if not i.get("archived_at") and (
                i.get("jwks_polling_disabled_at")
                or (i.get("poll_status") or {}).get("consecutive_failures")
                or i.get("check_jti") is False):
            found.add(("federation-issuer-unhealthy", i["id"]))
    return found


AGENT_BETA = "managed-agents-2026-04-01"
CHANGING = {"bash", "write", "edit"}


def _policy(config: dict[str, Any] | None) -> str | None:
    policy = (config or {}).get("permission_policy")
    return policy.get("type") if isinstance(policy, dict) else policy


def _unsupervised(agent: dict[str, Any]) -> bool:
    for toolset in agent.get("tools") or []:
        if toolset.get("type", "").startswith("agent_toolset"):
            configs = {c["name"]: c for c in toolset.get("configs") or []}
            default = toolset.get("default_config") or {}
            for name in CHANGING:
                config = configs.get(name, default)
                if config.get("enabled", True) and (_policy(config) or _policy(default)
                                                    or "always_allow") == "always_allow":
                    return True
    return False


def evaluate_agents(base_url: str, workspace_keys: dict[str, str], scenario_dir: Path,
                    now: datetime) -> set[tuple[str, str]]:
    """The (check, subject_id) pairs the four agent checks and the agents' sponsor checks
    fail, read through each workspace's key."""
    with (scenario_dir / "hr_after_move.csv").open(encoding="utf-8") as fh:
        hr = {row["email"].lower(): row for row in csv.DictReader(fh)}
    agents: list[dict[str, Any]] = []
    deployments: list[dict[str, Any]] = []
    envs: dict[str, dict[str, Any]] = {}
    creds: dict[str, list[dict[str, Any]]] = {}
    for key in workspace_keys.values():
        with httpx.Client(base_url=base_url, timeout=30, headers={
                "x-api-key": key, "anthropic-beta": AGENT_BETA,
                "anthropic-version": VERSION}) as c:
            agents += _pages(c, "/v1/agents")
            deployments += _pages(c, "/v1/deployments")
            envs |= {e["id"]: e for e in _pages(c, "/v1/environments")}
            for vault in _pages(c, "/v1/vaults"):
                creds[vault["id"]] = _pages(c, f"/v1/vaults/{vault['id']}/credentials")
    found: set[tuple[str, str]] = set()
    owner_of = {a["id"]: str((a.get("metadata") or {}).get("owner") or "").lower()
                for a in agents}
    for a in agents:
        if _unsupervised(a):
            found.add(("agent-unsupervised-tools", a["id"]))
        owner = owner_of[a["id"]]
        if owner not in hr:
            found.add(("nhi-without-sponsor", a["id"]))
        elif hr[owner]["status"] == "terminated":
            found.add(("nhi-sponsor-left", a["id"]))
    cutoff = now - timedelta(days=365)
    for d in deployments:
        if d.get("archived_at") or d["status"] != "active":
            continue
        owner = owner_of.get(d["agent"]["id"], "")
        if owner not in hr:
            found |= {("agent-running-unowned", d["id"]), ("nhi-without-sponsor", d["id"])}
        elif hr[owner]["status"] == "terminated":
            found.add(("nhi-sponsor-left", d["id"]))
        live = [c for v in d.get("vault_ids") or [] for c in creds.get(v, [])
                if not c.get("archived_at")]
        networking = (envs.get(d["environment_id"], {}).get("config") or {}).get("networking")
        kind = networking.get("type") if isinstance(networking, dict) else networking
        if kind == "unrestricted" and live:
            found.add(("agent-open-egress-with-secrets", d["id"]))
        for c in live:
            auth = c.get("auth") or {}
            expires = _when(auth.get("expires_at"))
            created = _when(c.get("created_at"))
            if (expires is not None and expires <= now and not auth.get("refresh")) or (
                    expires is None and created is not None and created <= cutoff):
                found.add(("vault-credential-expired-in-use", c["id"]))
    return found
