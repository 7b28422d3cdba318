"""The OpenAI side of a generated organization: the same HR people, their OpenAI seats,
projects, service accounts, keys, audit logs and usage, with planted problems.

Written to ``openai.json`` next to ``scenario.json`` only when asked (``Options.openai``), so
Anthropic-only scenarios stay byte-identical. Drawn from its own random stream. Times are
offsets in seconds from the anchor. Every OpenAI user matches an HR row except the planted
unmatched one; everyone not planted dormant logged in during the last five days; every key not
planted is younger than 90 days and used in the last three, so the checks find exactly the
plants:

==========================  =========================================================
check                       OpenAI subject
==========================  =========================================================
leaver-active-account       a terminated person's seat (project owner)
leaver-active-key           that leaver's project key
dormant-account             a seat whose last login was 50 days ago
unmatched-account           a seat whose email is in no HR row
orphaned-key                a key whose owner was removed from its project
                            (``owner_project_access: inactive``)
dormant-key                 a user key and a service-account key last used 45-50 days ago
never-used-key              a 45-day-old key with no ``last_used_at``
long-lived-key              a 130-day-old key without expiry
key-in-archived-workspace   an active key in an archived project
overactive-admin            an owner with 30 admin actions in the last 7 days
==========================  =========================================================

Groups, custom roles and role assignments, and their plants: ``openai_rbac_org``.
"""

from __future__ import annotations

import random
from typing import Any

from tenure.simulator.ids import b58
from tenure.simulator.openai_rbac_org import build_rbac
from tenure.simulator.population import DAY, Org, Person

MODELS = ("gpt-4.1-2025-04-14", "gpt-4o-mini-2024-07-18", "o3-2025-04-16")
PLATFORM = "openai"


class _Builder:
    def __init__(self, org: Org, seed: int) -> None:
        self.rng = random.Random(seed * 104_729 + 17)
        self.org = org
        self.doc: dict[str, Any] = {
            "org": {"id": f"org-{self._alnum(24)}", "name": f"{org.name} (OpenAI)"},
            "users": [], "invites": [], "projects": [], "project_users": [],
            "service_accounts": [], "api_keys": [], "admin_keys": [], "audit_logs": [],
            "usage": []}
        self.planted: list[dict[str, str]] = []
        self.user_of: dict[int, str] = {}
        self.emails: dict[str, str] = {}
        self.last_used: dict[str, int] = {}

    def _alnum(self, n: int) -> str:
        return b58(self.rng.getrandbits(6 * n), n)

    def plant(self, check: str, subject: str, subject_type: str, email: str,
              note: str) -> None:
        self.planted.append({"check": check, "subject_id": subject,
                             "subject_type": subject_type, "email": email, "note": note,
                             "platform": PLATFORM})

    # -- objects -------------------------------------------------------------------------
    def user(self, p: Person | None, role: str, added_days: int, *, email: str = "",
             name: str = "") -> str:
        user_id = f"user-{self._alnum(24)}"
        mail = p.email if p is not None else email
        self.doc["users"].append({"id": user_id, "email": mail,
                                  "name": p.name if p is not None else name, "role": role,
                                  "added_at": -added_days * DAY - self.rng.randrange(DAY)})
        self.emails[user_id] = mail
        if p is not None:
            self.user_of[p.idx] = user_id
        self.event(-added_days * DAY, "user.added", self.owner_actor(), user_id,
                   {"data": {"role": role}})
        return user_id

    def project(self, name: str, created_days: int, archived_days: int | None = None) -> str:
        project_id = f"proj_{self._alnum(24)}"
        self.doc["projects"].append({
            "id": project_id, "name": name, "created_at": -created_days * DAY,
            "archived_at": None if archived_days is None else -archived_days * DAY})
        self.event(-created_days * DAY, "project.created", self.owner_actor(), project_id,
                   {"data": {"name": name}})
        if archived_days is not None:
            self.event(-archived_days * DAY, "project.archived", self.owner_actor(),
                       project_id, {})
        return project_id

    def member(self, project_id: str, user_id: str, role: str, added_days: int) -> None:
        self.doc["project_users"].append({"project_id": project_id, "user_id": user_id,
                                          "role": role, "added_at": -added_days * DAY})

    def service_account(self, project_id: str, name: str, created_days: int) -> str:
        sa_id = f"svc_acct_{self._alnum(24)}"
        self.doc["service_accounts"].append({"id": sa_id, "project_id": project_id,
                                             "name": name, "role": "member",
                                             "created_at": -created_days * DAY})
        self.event(-created_days * DAY, "service_account.created", self.owner_actor(), sa_id,
                   {"data": {"role": "member"}}, project_id)
        return sa_id

    def key(self, project_id: str, owner_type: str, owner_id: str, name: str,
            created_days: int, last_used_days: float | None, usage: bool = True) -> str:
        key_id = f"key_{self._alnum(16)}"
        created = -created_days * DAY
        last_used = None if last_used_days is None else int(-last_used_days * DAY)
        prefix = "sk-proj-" if owner_type == "user" else "sk-svcacct-"
        self.doc["api_keys"].append({
            "id": key_id, "project_id": project_id, "name": name, "created_at": created,
            "last_used_at": last_used, "owner_type": owner_type, "owner_id": owner_id,
            "redacted_value": f"{prefix}{self._alnum(2)}...{self._alnum(4)}"})
        actor = self.session(owner_id) if owner_type == "user" else self.owner_actor()
        self.event(created, "api_key.created", actor, key_id,
                   {"data": {"scopes": ["/v1/*"]}}, project_id)
        if last_used is not None and owner_type == "user":
            self.last_used[owner_id] = max(self.last_used.get(owner_id, last_used), last_used)
        if usage and last_used is not None:
            user = owner_id if owner_type == "user" else None
            base = self.rng.randint(200, 2_000)
            model = self.rng.randrange(len(MODELS))
            first = max(-60, -created_days)
            for day in range(first, int(last_used // DAY) + 1):
                requests = base * self.rng.randint(80, 120) // 100
                self.doc["usage"].append([day, key_id, project_id, user, requests,
                                          requests * 900, requests * 150, MODELS[model]])
        return key_id

    # -- audit logs ----------------------------------------------------------------------
    def session(self, user_id: str) -> dict[str, Any]:
        return {"type": "session", "session": {
            "user": {"id": user_id, "email": self.emails[user_id]},
            "ip_address": f"203.0.113.{self.rng.randint(1, 254)}",
            "user_agent": "Mozilla/5.0 (simulator)"}}

    def owner_actor(self) -> dict[str, Any]:
        owner = self.doc.get("admin_key_owner")
        if owner is None:
            return {"type": "session", "session": {"user": {"id": "user-system",
                                                            "email": "system@openai.example"},
                                                   "ip_address": "203.0.113.1"}}
        return self.session(owner)

    def event(self, offset: int, type_name: str, actor: dict[str, Any], target: str | None,
              details: dict[str, Any], project_id: str | None = None) -> None:
        self.doc["audit_logs"].append({
            "offset": offset + self.rng.randrange(600), "type": type_name, "actor": actor,
            "project_id": project_id, "details": {"id": target, **details} if target else
            details})


def build_openai(org: Org, seed: int, *, events: int = 300, history_days: int = 120
                 ) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """The OpenAI document and its plants for a generated organization, with ``events``
    background sign-in/sign-out audit events over ``history_days``."""
    b = _Builder(org, seed)
    healthy = [p for p in org.people if p.category in ("healthy", "admin") and p.in_hr
               and p.end_day is None and not p.moved_to]
    if len(healthy) < 12:
        raise ValueError("too few healthy people for the OpenAI organization (use 30+)")
    leavers = [p for p in org.people if p.in_hr and p.end_day is not None]
    owners, readers, dormant = healthy[:3], healthy[3:10], healthy[10]
    b.doc["admin_key_owner"] = None
    owner_ids = [b.user(p, "owner", 300 + 10 * i) for i, p in enumerate(owners)]
    b.doc["admin_key_owner"] = owner_ids[0]
    reader_ids = [b.user(p, "reader", b.rng.randint(60, 250)) for p in readers]
    leaver = leavers[0]
    leaver_id = b.user(leaver, "reader", 200)
    dormant_id = b.user(dormant, "reader", 150)
    outsider_id = b.user(None, "reader", 90, email=f"consultant@outside-{seed}.example",
                         name="Outside Consultant")
    banned_id = b.user(healthy[11], "reader", 120)

    platform = b.project("Platform", 280)
    research = b.project("Research", 240)
    legacy = b.project("Legacy pilot", 200, archived_days=20)
    h0, h1, h2 = owner_ids
    r3, r4, r5, r6, r7, r8, r9 = reader_ids
    for user_id, role in ((h0, "owner"), (leaver_id, "owner"), (r3, "member"),
                          (r4, "member"), (r5, "member")):
        b.member(platform, user_id, role, 150)
    for user_id, role in ((h1, "owner"), (r6, "member"), (r7, "member"), (r8, "member")):
        b.member(research, user_id, role, 150)
    for user_id, role in ((h2, "owner"), (r9, "member")):
        b.member(legacy, user_id, role, 150)
    b.member(platform, banned_id, "member", 100)

    b.key(platform, "user", h0, "backend", 40, 1)
    b.key(platform, "user", r3, "notebook", 60, 2)
    never = b.key(platform, "user", r4, "prototype", 45, None)
    old = b.key(platform, "user", r5, "batch-jobs", 130, 1)
    leaver_key = b.key(platform, "user", leaver_id, "support-bot", 50, 3)
    orphan = b.key(platform, "user", r6, "etl", 30, 2)  # r6 is not a member of Platform
    b.key(research, "user", h1, "search", 20, 1)
    stale = b.key(research, "user", r7, "eval-harness", 80, 45)
    archived_key = b.key(legacy, "user", r9, "pilot", 60, 2)
    ci_bot = b.service_account(platform, "ci-bot", 70)
    b.key(platform, "service_account", ci_bot, "ci", 30, 1)
    b.key(platform, "user", banned_id, "reports", 60, 6)
    etl_bot = b.service_account(research, "etl-bot", 100)
    # OpenAI service accounts carry no creator: Tenure takes it from the audit log's
    # service_account.created, which for this one is older than the 90 days read.
    b.plant("nhi-without-sponsor", etl_bot, "service_account", "",
            "created 100 days ago, before the audit log read; OpenAI names no creator")
    stale_sa_key = b.key(research, "service_account", etl_bot, "nightly-etl", 85, 50)
    b.doc["admin_keys"].append({
        "id": f"key_{b._alnum(16)}", "name": "Governance sync", "created_at": -10 * DAY,
        "expires_at": None, "last_used_at": -3600, "owner_id": h0,
        "redacted_value": f"sk-admin-{b._alnum(4)}...{b._alnum(4)}"})
    for user in b.doc["users"]:
        last = b.last_used.get(user["id"])
        user["api_key_last_used_at"] = last

    # Invites: one accepted (history), one pending for a person without a seat.
    waiting = next((p for p in org.people if p.category == "noseat"), None)
    b.doc["invites"].append({"id": f"invite-{b._alnum(24)}", "email": readers[0].email,
                             "role": "reader", "status": "accepted", "created_at": -70 * DAY,
                             "expires_at": -63 * DAY, "accepted_at": -69 * DAY,
                             "projects": [{"id": platform, "role": "member"}]})
    if waiting is not None:
        b.doc["invites"].append({"id": f"invite-{b._alnum(24)}", "email": waiting.email,
                                 "role": "reader", "status": "pending",
                                 "created_at": -2 * DAY, "expires_at": 5 * DAY,
                                 "accepted_at": None, "projects": []})

    # Logins: everyone but the dormant seat in the last five days.
    for user_id in (*owner_ids, *reader_ids, leaver_id, outsider_id):
        b.event(-b.rng.randint(1, 5 * DAY), "login.succeeded", b.session(user_id), None, {})
    b.event(-50 * DAY, "login.succeeded", b.session(dormant_id), None, {})
    b.event(-6 * DAY, "login.succeeded", b.session(banned_id), None, {})  # before the ban
    b.event(-3 * DAY, "login.failed", b.session(r8), None,
            {"error_code": "invalid_credentials", "error_message": "Wrong password"})
    # Background sign-ins and sign-outs over the history (not for the dormant seat).
    active = [*owner_ids, *reader_ids, leaver_id, outsider_id]
    for _ in range(events):
        user_id = active[b.rng.randrange(len(active))]
        kind = "login.succeeded" if b.rng.random() < 0.7 else "logout.succeeded"
        b.event(-b.rng.randint(DAY, history_days * DAY), kind, b.session(user_id), None, {})
    # Admin actions in the last 7 days: 30 by one owner, one each by the others.
    for n in range(30):
        b.event(-b.rng.randint(60, 6 * DAY), "project.updated", b.session(h0),
                platform if n % 2 else research, {"changes_requested": {"title": "x"}})
    for owner_id in (h1, h2):
        b.event(-b.rng.randint(60, 6 * DAY), "project.updated", b.session(owner_id),
                research, {"changes_requested": {"title": "x"}})
    # Role assignments (who was granted what, on what) and tenant-scoped identity events, all
    # older than a week so they never move the week's admin counts.
    roles = [f"role_{b._alnum(16)}" for _ in range(2)]
    b.event(-12 * DAY, "role.assignment.created", b.session(h1), roles[0],
            {"principal_id": r3, "principal_type": "user", "resource_id": platform,
             "resource_type": "api.project"}, platform)
    b.event(-11 * DAY, "role.assignment.deleted", b.session(h1), roles[1],
            {"principal_id": r6, "principal_type": "user", "resource_id": research,
             "resource_type": "api.project"}, research)
    b.event(-20 * DAY, "tenant.user.removed", b.session(h2), f"tenant_evt_{b._alnum(10)}",
            {"user_id": f"user-{b._alnum(12)}", "email": f"former@outside-{seed}.example"})
    b.event(-15 * DAY, "tenant.role_assignment.created", b.session(h2),
            f"tenant_evt_{b._alnum(10)}", {"principal_id": h1, "principal_type": "user",
                                           "role_id": "role_tenant_admin"})
    b.event(-14 * DAY, "tenant.group.member.added", b.session(h2), f"tenant_evt_{b._alnum(10)}",
            {"group_id": f"group_{b._alnum(12)}", "member_ids": [r7, r8]})
    build_rbac(b, readers=reader_ids, banned=banned_id,
               projects={"Platform": platform, "Research": research})
    b.doc["audit_logs"].sort(key=lambda e: e["offset"])
    for n, event in enumerate(b.doc["audit_logs"]):
        event["id"] = f"audit_log-{b58(n + 1, 6)}{b._alnum(16)}"

    email = b.emails
    b.plant("leaver-active-account", leaver_id, "account", email[leaver_id],
            "terminated in HR; OpenAI seat and Platform project ownership remain")
    b.plant("leaver-active-key", leaver_key, "api_key", email[leaver_id],
            "project key of a terminated person")
    b.plant("dormant-account", dormant_id, "account", email[dormant_id],
            "last login 50 days ago")
    b.plant("unmatched-account", outsider_id, "account", email[outsider_id],
            "email matches no HR row")
    b.plant("orphaned-key", orphan, "api_key", email[r6],
            "owner is not a member of the key's project (owner_project_access: inactive)")
    b.plant("dormant-key", stale, "api_key", email[r7], "last_used_at 45 days ago")
    b.plant("dormant-key", stale_sa_key, "api_key", "",
            "service-account key, last_used_at 50 days ago")
    b.plant("never-used-key", never, "api_key", email[r4], "45 days old, never used")
    b.plant("long-lived-key", old, "api_key", email[r5], "130 days old, no expiry")
    b.plant("key-in-archived-workspace", archived_key, "api_key", email[r9],
            "active key in the archived Legacy pilot project")
    b.plant("overactive-admin", h0, "account", email[h0],
            "30 admin actions in the last 7 days")
    return b.doc, b.planted
