"""An independent, deliberately naive evaluation of the planted checks over raw HTTP.

It reads the simulator exactly as a client would (plus the HR files) and applies the check
definitions of issue 4 literally, so ``planted.json`` can be compared to what the served data
really shows: every planted problem is there, and nothing else fails those checks.
"""

from __future__ import annotations

import csv
import statistics
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from tests.simulator.conftest import VERSION, collect
from tests.simulator.reference_rbac import analytics_last_days, evaluate_enterprise

PRIVILEGED = ("role", "member", "invite", "api_key", "settings", "workspace", "user_deleted")
ADMIN_ROLES = {"admin", "owner", "primary_owner", "membership_admin"}
SPIKE_MIN = 100_000


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _hr(path: Path) -> dict[str, dict[str, str]]:
    with path.open(encoding="utf-8") as fh:
        return {row["email"].lower(): row for row in csv.DictReader(fh)}


def evaluate(base_url: str, admin_key: str, scenario_dir: Path,
             now: datetime) -> set[tuple[str, str]]:
    """The (check, subject_id) pairs that fail, judged from served data at ``now``."""
    found: set[tuple[str, str]] = set()
    hr = _hr(scenario_dir / "hr.csv")
    moved = _hr(scenario_dir / "hr_after_move.csv")
    today = now.date()
    with httpx.Client(base_url=base_url, timeout=30,
                      headers={"x-api-key": admin_key, "anthropic-version": VERSION}) as c:
        users = collect(c, "/v1/organizations/users", limit=1000)
        console = c.get("/v1/organizations/api_keys").status_code == 200
        keys = collect(c, "/v1/organizations/api_keys", limit=1000) if console else []
        workspaces = (collect(c, "/v1/organizations/workspaces", include_archived="true")
                      if console else [])
        feed = collect(c, "/v1/compliance/activities", limit=5000)
        cc_emails: set[str] = set()
        for back in range(0, 31):
            day = (today - timedelta(days=back)).isoformat()
            query: dict[str, Any] = {"starting_at": day, "limit": 1000}
            while True:
                body = c.get("/v1/organizations/usage_report/claude_code",
                             params=query).raise_for_status().json()
                cc_emails |= {r["actor"]["email_address"].lower() for r in body["data"]
                              if r["actor"]["type"] == "user_actor"}
                if not body["has_more"]:
                    break
                query["page"] = body["next_page"]
        daily: dict[str, dict[int, int]] = defaultdict(dict)
        if console:
            query = {"starting_at": (now - timedelta(days=120)).strftime("%Y-%m-%dT00:00:00Z"),
                     "limit": 31, "group_by[]": "api_key_id"}
            while True:
                body = c.get("/v1/organizations/usage_report/messages",
                             params=query).raise_for_status().json()
                for bucket in body["data"]:
                    age = (today - _when(bucket["starting_at"]).date()).days
                    for r in bucket["results"]:
                        daily[r["api_key_id"]][age] = (r["uncached_input_tokens"]
                                                       + r["output_tokens"])
                if not body["has_more"]:
                    break
                query["page"] = body["next_page"]

    member_ids = {u["id"]: u for u in users}
    last_seen: dict[str, datetime] = {}
    for uid, day in analytics_last_days(base_url, now).items():  # Enterprise Analytics
        last_seen[uid] = datetime.combine(day, datetime.max.time(), tzinfo=now.tzinfo)
    privileged: dict[str, int] = defaultdict(int)
    for a in feed:
        uid = a["actor"].get("user_id")
        when = _when(a["created_at"])
        if uid:
            last_seen[uid] = max(last_seen.get(uid, when), when)
            if when >= now - timedelta(days=7) and any(p in a["type"] for p in PRIVILEGED):
                privileged[uid] += 1

    def leaver(email: str) -> bool:
        row = hr.get(email.lower())
        return row is not None and row["status"] == "terminated" \
            and datetime.fromisoformat(row["end_date"]).date() <= today

    for u in users:
        email = u["email"].lower()
        if email not in hr:
            found.add(("unmatched-account", u["id"]))
            continue
        if leaver(email):
            found.add(("leaver-active-account", u["id"]))
            continue
        old = _when(u["added_at"]) < now - timedelta(days=30)
        recent = (last_seen.get(u["id"], datetime.min.replace(tzinfo=now.tzinfo))
                  >= now - timedelta(days=30)) or email in cc_emails
        if old and not recent:
            found.add(("dormant-account", u["id"]))
        if moved[email]["department"] != hr[email]["department"]:
            found.add(("mover-stale-access", u["id"]))
    admin_counts = {u["id"]: privileged.get(u["id"], 0) for u in users
                    if u["role"] in ADMIN_ROLES}
    for uid, count in admin_counts.items():
        others = [n for other, n in admin_counts.items() if other != uid]
        if others and count > 20 and count > 5 * statistics.median(others):
            found.add(("overactive-admin", uid))

    found |= evaluate_enterprise(base_url, admin_key, scenario_dir, set(member_ids))
    archived = {w["id"] for w in workspaces if w["archived_at"] is not None}
    for k in keys:
        if k["status"] != "active":
            continue
        created = _when(k["created_at"])
        creator = (k["created_by"] or {}).get("id")
        if creator in member_ids:
            if leaver(member_ids[creator]["email"]):
                found.add(("leaver-active-key", k["id"]))
        else:
            found.add(("orphaned-key", k["id"]))
        usage = daily.get(k["id"], {})
        if usage and not any(age <= 30 for age in usage):
            found.add(("dormant-key", k["id"]))
        if not usage and created < now - timedelta(days=30):
            found.add(("never-used-key", k["id"]))
        if created < now - timedelta(days=90) and k["expires_at"] is None:
            found.add(("long-lived-key", k["id"]))
        if k["workspace_id"] in archived:
            found.add(("key-in-archived-workspace", k["id"]))
        for age in range(1, 8):
            trailing = [usage.get(age + n, 0) for n in range(1, 31)]
            volume = usage.get(age, 0)
            if volume >= SPIKE_MIN and volume > 10 * statistics.median(trailing):
                found.add(("key-usage-spike", k["id"]))
    return found
