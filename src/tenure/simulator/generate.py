"""``tenure simulator generate``: a deterministic synthetic organization, streamed to disk.

Writes, into the output directory:

- ``hr.csv`` — the HR export before any move (header of the hr-csv source);
- ``hr_after_move.csv`` — the same export after the planted movers changed department, 30 days
  before the anchor (sync ``hr.csv`` first, then this one, to see the move);
- ``scenario.json`` — the organization, users, invites, workspaces, members and API keys;
- ``events.sqlite`` — Compliance activities, per-key daily usage and Claude Code days;
- ``planted.json`` — ``[{"check", "subject_id", "subject_type", "email", "note"}, …]``, one
  entry per planted governance problem, sorted by (check, subject_id) (some plants add keys
  of their own, e.g. ``group_id``);
- Enterprise orgs only: ``enterprise.json`` (RBAC roles, groups, linked org, Analytics rows)
  and ``idp_push.json`` (what the IdP pushes to Tenure's SCIM receiver), see
  ``anthropic_rbac_org``.

Memory stays bounded: the population is O(people); activities are generated one day at a time
(oldest first) and flushed in batches, so 10 million events never sit in a list. The same
``seed``, sizes and ``anchor`` give byte-identical files.
"""

from __future__ import annotations

import bisect
import csv
import json
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from tenure.simulator.agents_population import populate
from tenure.simulator.anthropic_rbac_org import build_enterprise
from tenure.simulator.eventdb import EventWriter
from tenure.simulator.ids import b58
from tenure.simulator.nhi_generate import agent_plants, build_nhi
from tenure.simulator.openai_org import build_openai
from tenure.simulator.population import DAY, MODELS, Org, build
from tenure.simulator.scenario import FORMAT

HR_COLUMNS = ("email", "name", "employee_id", "status", "department", "title", "manager_email",
              "start_date", "end_date")
MOVE_DAYS_AGO = 30
BACKGROUND = (("sso_login_succeeded", 30), ("user_logged_out", 10), ("claude_chat_created", 22),
              ("claude_chat_viewed", 15), ("claude_file_uploaded", 8),
              ("claude_project_created", 4), ("magic_link_login_succeeded", 3),
              ("sso_login_failed", 3))
OVERACTIVE_ACTIONS = 40
# A planted special event: (ts, tiebreak, type, actor ref, extra JSON or None).
Special = tuple[int, int, str, int, str | None]


@dataclass(frozen=True, slots=True)
class Options:
    """Generator inputs; the anchor is the scenario's "now"."""

    people: int = 30
    events: int | None = None
    seed: int = 0
    kind: str = "console"
    anchor: datetime | None = None
    compliance: bool = True
    history_days: int = 120
    openai: bool = False
    """Also generate an OpenAI organization (``openai.json``) for the same people."""
    agents: int = 6
    """Managed agents (``managed_agents.json``) across the active workspaces, the planted
    problems included (``agents_population.populate``); 0: none. Console orgs only."""


@dataclass(frozen=True, slots=True)
class Summary:
    """What was written."""

    out: Path
    people: int
    users: int
    api_keys: int
    activities: int
    usage_rows: int
    planted: int


def default_anchor() -> datetime:
    """Midnight UTC today: two generations on the same day give the same bytes."""
    return datetime.combine(datetime.now(UTC).date(), time(0), tzinfo=UTC)


def generate(out: Path, options: Options) -> Summary:
    """Generate a scenario directory."""
    if options.kind not in ("console", "enterprise"):
        raise ValueError("kind must be console or enterprise")
    anchor = (options.anchor or default_anchor()).astimezone(UTC).replace(microsecond=0)
    out.mkdir(parents=True, exist_ok=True)
    org = build(options.people, options.seed, options.kind, options.history_days)
    for name in ("enterprise.json", "idp_push.json"):
        (out / name).unlink(missing_ok=True)
    if options.kind == "enterprise":
        enterprise, idp_push, plants = build_enterprise(org)
        (out / "enterprise.json").write_text(json.dumps(enterprise, indent=1) + "\n",
                                             encoding="utf-8")
        (out / "idp_push.json").write_text(json.dumps(idp_push, indent=1) + "\n",
                                           encoding="utf-8")
        org.planted = sorted(org.planted + plants, key=lambda e: (e["check"], e["subject_id"]))
    directory = _directory(org)
    nhi = build_nhi(org)
    _write_hr(out / "hr.csv", org, anchor, moved=False)
    _write_hr(out / "hr_after_move.csv", org, anchor, moved=True)
    document = _document(org, anchor, options, directory)
    document["api_keys"] += nhi.api_keys
    document["nhi_sa"] = nhi.document
    (out / "scenario.json").write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    agents_doc = _write_agents(out / "managed_agents.json", org, options)
    org.planted = sorted(org.planted + nhi.planted + agent_plants(agents_doc, org),
                         key=lambda e: (e["check"], e["subject_id"]))
    planted: list[dict[str, str]] = org.planted
    openai_file = out / "openai.json"
    if options.openai:
        openai_doc, openai_planted = build_openai(org, options.seed,
                                                  events=options.people * 10,
                                                  history_days=options.history_days)
        openai_file.write_text(json.dumps(openai_doc, indent=1) + "\n", encoding="utf-8")
        planted = sorted([{**p, "platform": "anthropic"} for p in org.planted] + openai_planted,
                         key=lambda e: (e["check"], e["subject_id"]))
    else:
        openai_file.unlink(missing_ok=True)
    (out / "planted.json").write_text(json.dumps(planted, indent=1) + "\n",
                                      encoding="utf-8")
    events_path = out / "events.sqlite"
    events_path.unlink(missing_ok=True)
    writer = EventWriter(events_path)
    rng = random.Random(options.seed * 7_919 + 1)
    total = options.events if options.events is not None else options.people * 40
    usage_rows = _stream(writer, org, rng, anchor, options.history_days, total, directory)
    writer.meta("anchor", anchor.isoformat())
    writer.close()
    return Summary(out, options.people, sum(1 for p in org.people if p.user_id), len(org.keys),
                   writer.seq, usage_rows, len(planted))


def _write_agents(path: Path, org: Org, options: Options) -> dict[str, Any] | None:
    """The managed-agent plane (its planted problems also in that file, ``planted`` key);
    returns the document (None when there is none)."""
    if org.kind != "console" or options.agents <= 0:
        path.unlink(missing_ok=True)
        return None
    workspaces = [str(w["id"]) for w in org.workspaces if w["archived_at"] is None]
    workspaces.append(org.default_workspace_id)
    owners = [p.email for p in org.people if p.end_day is None][:20]
    doc, _ = populate(workspaces, owners, seed=options.seed, agents=options.agents)
    path.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    return doc


def _directory(org: Org) -> list[dict[str, Any]]:
    directory: list[dict[str, Any]] = []
    for p in org.people:
        if p.user_id is not None:
            p.actor = len(directory)
            directory.append({"type": "user_actor", "email_address": p.seat_email,
                              "user_id": p.user_id})
    for i in range(8):
        directory.append({"type": "unauthenticated_user_actor",
                          "unauthenticated_email_address": f"unknown{i}@mailbox.example"})
    # Claude Code analytics names API-key actors by key name only (vendor-apis.md §2.3): one
    # key in steady use under its own name, and a name no listed key has any more.
    if org.kind == "console":
        steady = next((k for k in org.keys if k.status == "active" and k.usage_to == -1
                       and k.spike_day is None and k.usage_from is not None), None)
        if steady is not None:
            directory.append({"type": "api_actor", "api_key_id": steady.id,
                              "api_key_name": steady.name, "claude_code_from": steady.usage_from})
        directory.append({"type": "api_actor", "api_key_name": "retired-ci-key",
                          "claude_code_from": -60, "claude_code_to": -30})
    # One of each non-human actor type of the feed (vendor-apis-nhi.md §6.1).
    rng = random.Random(f"directory:{org.org_id}")
    directory += [
        {"type": "admin_api_key_actor",
         "admin_api_key_id": "apikey_01" + b58(rng.getrandbits(128), 22)},
        {"type": "service_account_actor",
         "service_account_id": "svac_01" + b58(rng.getrandbits(128), 22)},
        {"type": "scim_directory_sync_actor", "directory_id": "directory_01Okta",
         "workos_event_id": "event_01" + b58(rng.getrandbits(96), 16),
         "idp_connection_type": "OktaSCIMV2"},
        {"type": "anthropic_actor", "email_address": None},
        {"type": "system_actor", "service": "compliance-retention"},
    ]
    return directory


def _write_hr(path: Path, org: Org, anchor: datetime, moved: bool) -> None:
    today = anchor.date()
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerow(HR_COLUMNS)
        for p in org.people:
            if not p.in_hr:
                continue
            dept = p.moved_to if moved and p.moved_to else p.department
            out.writerow([p.email, p.name, p.employee_id,
                          "terminated" if p.end_day is not None else "active", dept, p.title,
                          p.manager_email, (today + timedelta(days=p.start_day)).isoformat(),
                          "" if p.end_day is None
                          else (today + timedelta(days=p.end_day)).isoformat()])


def _document(org: Org, anchor: datetime, options: Options,
              directory: list[dict[str, Any]]) -> dict[str, Any]:
    console = org.kind == "console"
    users = [{"id": p.user_id, "email": p.seat_email, "name": p.name, "role": p.role,
              "added_at": p.added} for p in org.people
             if p.user_id is not None and p.removed is None]
    return {
        "format": FORMAT,
        "anchor": anchor.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "seed": options.seed,
        "org": {"id": org.org_id, "compliance_id": org.compliance_id, "name": org.name,
                "kind": org.kind},
        "features": {"workspaces": console, "api_keys": console, "usage_report": console,
                     "claude_code": True, "compliance": options.compliance},
        "default_workspace_id": org.default_workspace_id,
        "models": list(MODELS),
        "directory": directory,
        "users": users,
        "invites": [{k: v for k, v in i.items() if k != "person"} for i in org.invites],
        "workspaces": [{k: v for k, v in w.items() if k != "dept"} for w in org.workspaces],
        "members": [{"workspace_id": w, "user_id": u, "workspace_role": r}
                    for w, u, r, _ in org.members],
        "api_keys": [{"id": k.id, "name": k.name, "workspace_id": k.workspace_id,
                      "created_at": k.created, "created_by": k.owner.user_id,
                      "partial_key_hint": k.hint, "status": k.status, "expires_at": k.expires}
                     for k in org.keys],
        "moves": [{"email": p.email, "user_id": p.user_id, "from": p.department,
                   "to": p.moved_to, "moved_at": -MOVE_DAYS_AGO * DAY}
                  for p in org.people if p.moved_to],
    }


def _specials(org: Org, rng: random.Random, directory: list[dict[str, Any]]) -> list[Special]:
    """The events the plants depend on: logins, offboarding, admin actions."""
    out: list[Special] = []

    def add(ts: int, type_name: str, actor: int, **extra: Any) -> None:
        out.append((ts, len(out), type_name, actor, json.dumps(extra) if extra else None))

    admins = [a for a in org.admins if a.actor >= 0]
    by_idx = {p.idx: p for p in org.people}
    for p in org.people:
        if p.actor < 0:
            continue
        if p.active_until == 0:
            add(-rng.randint(1, 6 * DAY), "sso_login_succeeded", p.actor, auth_method="sso",
                mfa_method=None)
        elif p.active_until is not None:
            add(p.active_until - rng.randint(1, DAY // 2), "sso_login_succeeded", p.actor,
                auth_method="sso", mfa_method=None)
        if p.removed is not None:
            add(p.removed, "org_user_deleted", rng.choice(admins).actor,
                deleted_user_id=p.user_id, deleted_user_email=p.seat_email)
    for invite in org.invites:
        sender = rng.choice(admins).actor
        add(int(invite["invited_at"]), "org_user_invite_sent", sender,
            invited_email=invite["email"], invited_role=invite["role"])
        if invite["status"] == "accepted":
            person = by_idx[int(invite["person"])]
            add(int(invite["accepted_at"]), "org_user_invite_accepted",
                person.actor, invite_id=invite["id"], email_address=invite["email"])
    for workspace_id, user_id, role, granted in org.members:
        add(granted, "platform_workspace_member_added", rng.choice(admins).actor,
            workspace_id=workspace_id, user_id=user_id, workspace_role=role)
    for w in org.workspaces:
        if w["archived_at"] is not None:
            add(int(w["archived_at"]), "platform_workspace_archived",
                rng.choice(admins).actor, workspace_id=w["id"])
    for key in org.keys:
        if key.owner.actor >= 0:
            add(key.created, "api_key_created", key.owner.actor, api_key_id=key.id,
                scopes=["inference"])
        if key.status == "archived" and key.usage_to is not None:
            add((key.usage_to + 1) * DAY + 3600, "scoped_api_key_updated",
                rng.choice(admins).actor, api_key_id=key.id,
                updates=[{"type": "activation_state", "previous_value": "active",
                          "current_value": "archived"}])
    _admin_actions(org, rng, add)
    _identity_events(org, directory, add)
    for ts, type_name, person, extra in org.extra_events:
        add(ts, type_name, person.actor, **extra)
    return out


def _identity_events(org: Org, directory: list[dict[str, Any]], add: Any) -> None:
    """Identity events in every documented actor and target shape (vendor-apis-nhi.md §6).

    All older than a week, so they never move the week's admin counts the plants depend on;
    drawn from their own generator, so the rest of the history is unchanged by them."""
    rng = random.Random(f"identity-events:{org.org_id}")
    members = [p for p in org.people if p.actor >= 0 and p.removed is None]
    admins = [a for a in org.admins if a.actor >= 0]
    if not members or not admins:
        return
    ref = {a["type"]: i for i, a in enumerate(directory)}
    admin = admins[0]
    key_ref = ref["admin_api_key_actor"]
    key_id = directory[key_ref]["admin_api_key_id"]

    def when() -> int:
        return -rng.randint(10 * DAY, 40 * DAY)

    add(-45 * DAY, "admin_api_key_created", admin.actor, admin_api_key_id=key_id,
        scopes=["read:members", "write:members"])
    for _ in range(2):
        person = rng.choice(members)
        add(when(), "role_assignment_granted", key_ref, target_id=person.user_id,
            target_type="user", role="workspace_developer", resource_type="workspace",
            resource_id=org.default_workspace_id)
    group = "rbac_group_" + b58(rng.getrandbits(96), 16)
    picked = rng.sample(members, min(3, len(members)))
    add(when(), "group_member_added", ref["scim_directory_sync_actor"], group_id=group,
        member_ids=[p.user_id for p in picked])
    add(when(), "rbac_role_assigned", ref["scim_directory_sync_actor"],
        role_id="rbac_role_" + b58(rng.getrandbits(96), 16), principal_type="group",
        principal_id=group)
    add(when(), "platform_service_account_updated", ref["service_account_actor"],
        service_account_id=directory[ref["service_account_actor"]]["service_account_id"],
        updates=[{"type": "description", "previous_value": "", "current_value": "deploys"}])
    add(when(), "claude_organization_settings_updated", ref["system_actor"],
        setting="data_retention")
    for _ in range(2):  # Access Transparency: staff viewing a member's chat ([I] shape)
        person = rng.choice(members)
        add(when(), "claude_chat_viewed", ref["anthropic_actor"], user_id=person.user_id,
            claude_chat_id="claude_chat_01" + b58(rng.getrandbits(128), 22))


def _admin_actions(org: Org, rng: random.Random, add: Any) -> None:
    """Privileged actions in the last 7 days: many for one admin, 0-2 for each other."""
    workspaces = [w for w in org.workspaces if w["archived_at"] is None]
    for admin in org.admins:
        if admin.actor < 0:
            continue
        count = OVERACTIVE_ACTIONS if admin is org.overactive_admin else rng.randint(0, 2)
        for n in range(count):
            ts = -rng.randint(60, 6 * DAY)
            if workspaces and n % 2:
                w = workspaces[n % len(workspaces)]
                add(ts, "platform_workspace_updated", admin.actor, workspace_id=w["id"],
                    updates=[{"type": "name", "previous_value": w["name"],
                              "current_value": w["name"]}])
            else:
                add(ts, "claude_organization_settings_updated", admin.actor,
                    setting=rng.choice(["default_model", "session_timeout", "sharing",
                                        "data_retention"]))


def _stream(writer: EventWriter, org: Org, rng: random.Random, anchor: datetime, days: int,
            total: int, directory: list[dict[str, Any]]) -> int:
    """Write activities, usage and Claude Code rows day by day, oldest first."""
    unauth = next(i for i, a in enumerate(directory)
                  if a["type"] == "unauthenticated_user_actor")
    specials = sorted(s for s in _specials(org, rng, directory) if -days * DAY <= s[0] < 0)
    weights = [0.3 if (anchor.date() - timedelta(days=d)).weekday() >= 5 else 1.0
               for d in range(days, 0, -1)]
    background = max(0, total - len(specials))
    counts = _spread(background, weights)
    type_names = [t for t, _ in BACKGROUND]
    cumulative = []
    acc = 0
    for _, weight in BACKGROUND:
        acc += weight
        cumulative.append(acc)
    cursor = 0
    usage_rows = 0
    for n, day in enumerate(range(-days, 0)):
        start, end = day * DAY, (day + 1) * DAY
        todays: list[Special] = []
        while cursor < len(specials) and specials[cursor][0] < end:
            todays.append(specials[cursor])
            cursor += 1
        actors = [p for p in org.people if p.actor >= 0 and p.active_until is not None
                  and p.added < end and p.active_until > start]
        if actors:
            for j in range(counts[n]):
                ts = start + rng.randrange(DAY)
                kind = type_names[bisect.bisect_right(cumulative, rng.random() * acc)]
                if kind == "sso_login_failed":
                    ref = unauth + rng.randrange(8)
                else:
                    person = actors[rng.randrange(len(actors))]
                    if person.active_until is not None and ts >= person.active_until:
                        ts = person.active_until - 1 - rng.randrange(600)
                    ts = max(ts, person.added, start)
                    ref = person.actor
                todays.append((ts, len(specials) + j, kind, ref, _extra(kind, rng)))
        todays.sort()
        for ts, _, kind, ref, extra in todays:
            writer.event(ts, kind, ref, extra)
        usage_rows += _usage_day(writer, org, rng, day)
        _claude_code_day(writer, org, rng, anchor.date(), day)
        _claude_code_keys_day(writer, directory, day)
    return usage_rows


def _spread(total: int, weights: list[float]) -> list[int]:
    scale = total / sum(weights) if weights else 0
    counts = [int(w * scale) for w in weights]
    for i in range(total - sum(counts)):
        counts[-1 - i % len(counts)] += 1
    return counts


def _extra(kind: str, rng: random.Random) -> str | None:
    if kind in ("sso_login_succeeded",):
        return '{"auth_method": "sso", "mfa_method": null}'
    if kind in ("claude_chat_created", "claude_chat_viewed"):
        return f'{{"claude_chat_id": "claude_chat_01{b58(rng.getrandbits(128), 22)}"}}'
    if kind == "claude_file_uploaded":
        return f'{{"claude_file_id": "claude_file_01{b58(rng.getrandbits(128), 22)}"}}'
    if kind == "claude_project_created":
        return f'{{"claude_project_id": "claude_proj_01{b58(rng.getrandbits(128), 22)}"}}'
    if kind == "sso_login_failed":
        return '{"auth_method": "sso"}'
    return None


def _usage_day(writer: EventWriter, org: Org, rng: random.Random, day: int) -> int:
    rows = 0
    for key in org.keys:
        if key.usage_from is None or key.usage_to is None \
                or not key.usage_from <= day <= key.usage_to:
            continue
        volume = key.base * rng.randint(75, 125) // 100
        if key.spike_day == day:
            volume *= 60
        writer.usage((day, key.ref, key.model, volume // 2, volume // 20, 0, volume // 4,
                      volume // 5, rng.randint(0, 3)))
        rows += 1
    return rows


def _claude_code_keys_day(writer: EventWriter, directory: list[dict[str, Any]],
                          day: int) -> None:
    """Claude Code rows of the API-key actors (no randomness: the rest is unchanged)."""
    for ref, actor in enumerate(directory):
        if actor["type"] != "api_actor" or "claude_code_from" not in actor:
            continue
        if not actor["claude_code_from"] <= day <= actor.get("claude_code_to", -1):
            continue
        sessions = 1 + (day % 3)
        tokens = sessions * 9_000
        writer.claude_code((day, ref, 1, sessions, sessions * 40, sessions * 9, 0, 0,
                            sessions * 3, 0, 0, tokens, tokens // 3, tokens // 10,
                            tokens // 20, tokens // 900))


def _claude_code_day(writer: EventWriter, org: Org, rng: random.Random, today: date,
                     day: int) -> None:
    weekend = (today + timedelta(days=day)).weekday() >= 5
    start = day * DAY
    for p in org.people:
        if not p.claude_code or p.actor < 0 or p.added >= start + DAY:
            continue
        cc_until = 0 if p.category == "cc_only" else p.active_until
        if cc_until is None or cc_until <= start or (weekend and p.category != "cc_only"):
            continue
        sessions = rng.randint(1, 8)
        tokens = sessions * rng.randint(5_000, 40_000)
        writer.claude_code((day, p.actor, rng.randrange(5), sessions,
                            sessions * rng.randint(20, 300), sessions * rng.randint(5, 120),
                            rng.randint(0, sessions), rng.randint(0, 1), sessions * 6,
                            rng.randint(0, sessions), rng.randrange(len(MODELS)), tokens,
                            tokens // 3, tokens // 10, tokens // 20, tokens // 900))
