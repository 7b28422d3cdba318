"""The synthetic organization: people, seats, workspaces, keys and the planted problems.

Everything here is O(people) and held in memory; the O(events) part is streamed by
``generate``. Each person gets one *category* that fixes which governance problem they carry
(or that they are clean), so ``planted.json`` is exact by construction:

==================  =====================================================================
category            what is planted (check id → subject)
==================  =====================================================================
healthy / admin     nothing: recent logins, keys with recent steady usage
leaver_seat         leaver-active-account → user
leaver_seat_key     leaver-active-account → user, leaver-active-key → their active key
leaver_gone         nothing: seat removed, keys archived (a correct offboarding)
dormant             dormant-account → user (last activity 35-80 days ago, seat older)
young               nothing: seat younger than 30 days with no activity (not judged)
cc_only             nothing: only Claude Code analytics in the last 30 days
mover               mover-stale-access → user (department differs in hr_after_move.csv)
unmatched           unmatched-account → user (email in no HR row)
orphan_creator      orphaned-key → their key (creator removed and not in HR)
==================  =====================================================================

Key-level plants ride on healthy owners: dormant-key, never-used-key, long-lived-key,
key-usage-spike, key-in-archived-workspace; one overactive admin gets overactive-admin.
Times are offsets in seconds from the anchor (negative = past).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from tenure.simulator.ids import b58, random_id

DAY = 86_400
DEPARTMENTS = ("Engineering", "Research", "Product", "Sales", "Finance", "Legal", "Support",
               "Marketing", "Data", "Security")
TITLES = ("Engineer", "Senior Engineer", "Analyst", "Manager", "Specialist", "Lead",
          "Associate", "Director")
FIRST = ("ada", "alan", "grace", "linus", "margaret", "dennis", "barbara", "ken", "frances",
         "edsger", "katherine", "john", "radia", "tim", "hedy", "claude", "annie", "donald",
         "jean", "niklaus", "sophie", "guido", "yukihiro", "anita", "bjarne", "lynn", "james",
         "mary", "shafi", "leslie", "ivan", "carol", "adele", "robin", "whitfield", "marian",
         "butler", "silvio", "judea", "joan", "elena", "omar", "priya", "chen", "fatima",
         "kwame", "ines", "mateo", "yara", "noah")
LAST = ("lovelace", "turing", "hopper", "torvalds", "hamilton", "ritchie", "liskov", "thompson",
        "allen", "dijkstra", "johnson", "backus", "perlman", "berners", "lamarr", "shannon",
        "easley", "knuth", "sammet", "wirth", "wilson", "rossum", "matsumoto", "borg",
        "stroustrup", "conway", "gosling", "keller", "goldwasser", "lamport", "sutherland",
        "shaw", "goldberg", "milner", "diffie", "croak", "lampson", "micali", "pearl", "clarke",
        "nakamura", "haddad", "raman", "wei", "okafor", "mensah", "garcia", "silva", "novak",
        "fischer")
MODELS = ("claude-sonnet-4-5-20250929", "claude-opus-4-1-20250805", "claude-haiku-4-5-20251001")
KEY_PURPOSES = ("backend", "ci-pipeline", "notebook", "eval-harness", "support-bot", "etl",
                "prototype", "search", "agent", "batch-jobs")


@dataclass(slots=True)
class Person:
    """One identity: an HR person, or a platform-only identity (``in_hr`` False)."""

    idx: int
    email: str
    name: str
    category: str
    department: str
    title: str
    in_hr: bool = True
    employee_id: str = ""
    start_day: int = 0
    end_day: int | None = None
    manager_email: str = ""
    moved_to: str | None = None
    role: str | None = None
    user_id: str | None = None
    seat_email: str = ""
    added: int = 0
    removed: int | None = None
    active_until: int | None = None
    claude_code: bool = False
    actor: int = -1


@dataclass(slots=True)
class Key:
    """An API key and its usage pattern."""

    ref: int
    id: str
    name: str
    owner: Person
    workspace_id: str | None
    created: int
    status: str = "active"
    expires: int | None = None
    usage_from: int | None = None  # day offsets, inclusive, -1 = the day before the anchor
    usage_to: int | None = None
    spike_day: int | None = None
    base: int = 0
    model: int = 0
    hint: str = ""


@dataclass(slots=True)
class Org:
    """The whole generated organization (everything except the event streams)."""

    kind: str
    people: list[Person] = field(default_factory=list)
    keys: list[Key] = field(default_factory=list)
    workspaces: list[dict[str, Any]] = field(default_factory=list)
    archived_workspace: str | None = None
    default_workspace_id: str = ""
    members: list[tuple[str, str, str, int]] = field(default_factory=list)
    invites: list[dict[str, Any]] = field(default_factory=list)
    planted: list[dict[str, str]] = field(default_factory=list)
    overactive_admin: Person | None = None
    admins: list[Person] = field(default_factory=list)
    org_id: str = ""
    compliance_id: str = ""
    name: str = ""
    domain: str = ""
    extra_events: list[tuple[int, str, Person, dict[str, Any]]] = field(default_factory=list)
    """Feed events other plants need: (time, type, acting person, payload)."""


def _plant(org: Org, check: str, subject: str, subject_type: str, email: str,
           note: str) -> None:
    org.planted.append({"check": check, "subject_id": subject, "subject_type": subject_type,
                        "email": email, "note": note})


def build(people: int, seed: int, kind: str, history_days: int) -> Org:
    """Draw the organization for ``people`` HR people from ``seed``."""
    if people < 20:
        raise ValueError("people must be at least 20")
    rng = random.Random(seed)
    org = Org(kind=kind, name=f"Northwind {seed}", domain="northwind.example")
    org.org_id = "%08x-%04x-4%03x-8%03x-%012x" % (  # noqa: UP031 - uuid layout
        rng.getrandbits(32), rng.getrandbits(16), rng.getrandbits(12), rng.getrandbits(12),
        rng.getrandbits(48))
    org.compliance_id = random_id(rng, "org")
    org.default_workspace_id = random_id(rng, "wrkspc")
    _people(org, rng, people)
    _seats(org, rng)
    if kind == "console":
        _workspaces(org, rng)
        _keys(org, rng, history_days)
    _invites(org, rng)
    _plants(org)
    return org


def _people(org: Org, rng: random.Random, n: int) -> None:
    k = max(1, n // 50)
    quotas = [("leaver_seat", k), ("leaver_seat_key", k), ("leaver_gone", k), ("dormant", k),
              ("young", max(1, n // 100)), ("cc_only", k), ("mover", k),
              ("noseat", n // 10), ("leaver_noseat", n // 30)]
    categories = [c for c, q in quotas for _ in range(q)]
    categories += ["healthy"] * (n - len(categories))
    rng.shuffle(categories)
    seen: set[str] = set()
    for i, category in enumerate(categories):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        local, suffix = f"{first}.{last}", 1
        while local in seen:
            suffix += 1
            local = f"{first}.{last}{suffix}"
        seen.add(local)
        dept = rng.choice(DEPARTMENTS)
        p = Person(i, f"{local}@{org.domain}", f"{first.title()} {last.title()}", category,
                   dept, rng.choice(TITLES), employee_id=f"E{i + 1:06d}")
        p.start_day = -rng.randint(10, 20) if category == "young" else -rng.randint(200, 2900)
        if category in ("leaver_seat", "leaver_seat_key"):
            p.end_day = -rng.randint(8, 40)
        elif category == "leaver_gone":
            p.end_day = -rng.randint(40, 100)
        elif category == "leaver_noseat":
            p.end_day = -rng.randint(30, 400)
        if p.end_day is not None:
            # Nobody leaves before they join (consumes no randomness: other people unchanged).
            p.start_day = min(p.start_day, p.end_day - 30)
        if category == "mover":
            p.moved_to = rng.choice([d for d in DEPARTMENTS if d != dept])
        org.people.append(p)
    heads: dict[str, Person] = {}
    for p in org.people:
        if p.category == "healthy" and p.department not in heads:
            heads[p.department] = p
    for p in org.people:
        head = heads.get(p.moved_to or p.department) or heads.get(p.department)
        if head is not None and head is not p:
            p.manager_email = head.email
    for i in range(k):
        for category, local in (("unmatched", f"freelance.{rng.choice(LAST)}{i + 1}"),
                                ("orphan_creator", f"contractor.{rng.choice(LAST)}{i + 1}")):
            org.people.append(Person(len(org.people), f"{local}@mailbox.example",
                                     f"{local.split('.')[1].title()} (external)", category,
                                     "", "", in_hr=False))


def _seats(org: Org, rng: random.Random) -> None:
    healthy = [p for p in org.people if p.category == "healthy"]
    admin_count = max(3, len(org.people) // 40)
    admins = healthy[:admin_count]
    org.admins = admins
    org.overactive_admin = admins[0]
    admin_ids = {id(p) for p in admins}
    billing = set(id(p) for p in healthy[admin_count:admin_count + max(1, len(healthy) // 20)])
    cased = healthy[admin_count + len(billing)] if len(healthy) > admin_count + 1 else None
    for p in org.people:
        if p.category in ("noseat", "leaver_noseat"):
            continue
        p.user_id = random_id(rng, "user")
        p.seat_email = p.email
        if org.kind == "enterprise":
            if p is admins[0]:
                p.role = "owner"
            elif p is admins[1]:
                p.role = "primary_owner"
            elif id(p) in admin_ids:
                p.role = "owner"
            else:
                p.role = rng.choices(["user", "managed"], [7, 3])[0]
        elif id(p) in admin_ids:
            p.role = "admin"
        elif id(p) in billing:
            p.role = "billing"
        elif p.category == "cc_only":
            p.role = "claude_code_user"
        elif p.category in ("leaver_seat_key", "orphan_creator"):
            p.role = "developer"
        else:
            p.role = rng.choices(["developer", "user", "claude_code_user"], [45, 35, 20])[0]
        if p.category == "young":
            p.added = (p.start_day + 1) * DAY + rng.randint(0, DAY - 1)
        elif p.category == "unmatched":
            p.added = -rng.randint(60, 300) * DAY
        elif p.category == "orphan_creator":
            p.added = -rng.randint(150, 400) * DAY
            p.removed = -rng.randint(20, 35) * DAY + rng.randint(0, DAY - 1)
        else:
            p.added = -rng.randint(45, min(700, -p.start_day)) * DAY + rng.randint(0, DAY - 1)
        if p.category == "leaver_gone":
            assert p.end_day is not None
            p.removed = (p.end_day + 1) * DAY + rng.randint(0, DAY - 1)
        p.active_until = _active_until(p, rng)
        p.claude_code = p.category == "cc_only" or (
            (p.role == "claude_code_user" or (p.role == "developer" and rng.random() < 0.3))
            and p.category not in ("dormant", "young"))
    if cased is not None and cased.seat_email:
        local, _, domain = cased.seat_email.partition("@")
        cased.seat_email = f"{local.title()}@{domain}"


def _active_until(p: Person, rng: random.Random) -> int | None:
    if p.category == "young":
        return None
    if p.category in ("leaver_seat", "leaver_seat_key"):
        assert p.end_day is not None
        return p.end_day * DAY
    if p.removed is not None:
        return p.removed
    if p.category == "dormant":
        return -rng.randint(35, 80) * DAY
    if p.category == "cc_only":
        return -rng.randint(40, 60) * DAY
    return 0


def _workspaces(org: Org, rng: random.Random) -> None:
    count = max(3, len(org.people) // 40 + 2)
    for i in range(count):
        dept = DEPARTMENTS[i % len(DEPARTMENTS)]
        name = f"{dept} {('Platform', 'Apps', 'Labs', 'Ops')[i // len(DEPARTMENTS) % 4]}"
        if i >= 4 * len(DEPARTMENTS):
            name = f"{name} {i}"
        org.workspaces.append({"id": random_id(rng, "wrkspc"), "name": name[:40],
                               "created_at": -rng.randint(300, 900) * DAY,
                               "archived_at": None, "dept": dept})
    archived = {"id": random_id(rng, "wrkspc"), "name": "Legacy Pilot",
                "created_at": -rng.randint(400, 900) * DAY,
                "archived_at": -rng.randint(20, 60) * DAY, "dept": ""}
    org.workspaces.append(archived)
    org.archived_workspace = str(archived["id"])
    active = [w for w in org.workspaces if w["archived_at"] is None]
    for p in org.people:
        if p.user_id is None or p.removed is not None or p.category == "young" \
                or p.role in ("admin", "billing"):
            continue
        role = "workspace_developer" if p.role == "developer" else "workspace_user"
        granted = p.added + DAY
        if p.category == "mover":
            home = [w for w in active if w["dept"] == p.department] or active
            org.members.append((str(home[0]["id"]), p.user_id, "workspace_developer", granted))
            continue
        for w in rng.sample(active, rng.randint(1, min(2, len(active)))):
            org.members.append((str(w["id"]), p.user_id, role, granted))


def _new_key(org: Org, rng: random.Random, owner: Person, created_days: int,
             workspace_id: str | None) -> Key:
    key = Key(len(org.keys), random_id(rng, "apikey"),
              f"{owner.department.lower() or 'ext'}-{rng.choice(KEY_PURPOSES)}-{len(org.keys)}",
              owner, workspace_id, -created_days * DAY + rng.randint(0, DAY - 1),
              base=rng.randint(20_000, 200_000), model=rng.randrange(len(MODELS)),
              hint=f"sk-ant-api03-{b58(rng.getrandbits(24), 3)}...{b58(rng.getrandbits(24), 4)}")
    org.keys.append(key)
    return key


def _keys(org: Org, rng: random.Random, history_days: int) -> None:
    active_ws = [str(w["id"]) for w in org.workspaces if w["archived_at"] is None]

    def ws() -> str | None:
        return None if rng.random() < 0.2 else rng.choice(active_ws)

    def expiry() -> int:
        return rng.randint(30, 365) * DAY

    owners = [p for p in org.people if p.category == "healthy"
              and p.role in ("developer", "admin")]
    plans = ["dormant-key", "never-used-key", "long-lived-key", "key-usage-spike",
             "key-in-archived-workspace"]
    k = max(1, len(org.people) // 50)
    planned = [plan for plan in plans for _ in range(k)]
    for i, owner in enumerate(owners):
        for n in range(1 + (rng.random() < 0.4)):
            plan = planned.pop() if planned and n == 0 else ""
            if plan == "dormant-key":
                key = _new_key(org, rng, owner, rng.randint(60, 85), ws())
                key.expires = expiry()
                key.usage_to = -rng.randint(35, 45)
            elif plan == "never-used-key":
                key = _new_key(org, rng, owner, rng.randint(35, 80), ws())
                key.expires = expiry()
            elif plan == "long-lived-key":
                key = _new_key(org, rng, owner, rng.randint(120, 400), ws())
            elif plan == "key-usage-spike":
                key = _new_key(org, rng, owner, rng.randint(40, 85), ws())
                key.spike_day = -rng.randint(2, 6)
            elif plan == "key-in-archived-workspace":
                key = _new_key(org, rng, owner, rng.randint(40, 85), org.archived_workspace)
                key.expires = expiry()
            elif i % 10 == 9 or (i == len(owners) - 1 and n == 0):
                key = _new_key(org, rng, owner, rng.randint(100, 500), ws())
                key.status = "inactive"
                continue
            elif rng.random() < 0.5:
                key = _new_key(org, rng, owner, rng.randint(40, 85), ws())
            else:
                key = _new_key(org, rng, owner, rng.randint(100, 500), ws())
                key.expires = expiry()
            if plan != "never-used-key":
                key.usage_from = max(key.created // DAY, -history_days)
                if key.usage_to is None:
                    key.usage_to = -1
            if plan:
                org.planted.append({"check": plan, "subject_id": key.id,
                                    "subject_type": "api_key", "email": owner.email,
                                    "note": f"key {key.name!r} of a current member"})
    if owners:
        negative = _new_key(org, rng, owners[0], rng.randint(100, 300), org.archived_workspace)
        negative.status = "archived"
    for p in org.people:
        if p.category in ("leaver_seat_key", "orphan_creator"):
            key = _new_key(org, rng, p, rng.randint(40, 85), ws())
            key.expires = expiry()
            key.usage_from, key.usage_to = max(key.created // DAY, -history_days), -1
            check = "leaver-active-key" if p.category == "leaver_seat_key" else "orphaned-key"
            org.planted.append({"check": check, "subject_id": key.id, "subject_type": "api_key",
                                "email": p.email, "note": f"active key created by {p.email}"})
        elif p.category == "leaver_gone":
            assert p.end_day is not None
            key = _new_key(org, rng, p, rng.randint(-p.end_day + 30, -p.end_day + 200), ws())
            key.status = "archived"
            key.usage_from = max(key.created // DAY, -history_days)
            key.usage_to = p.end_day


def _invites(org: Org, rng: random.Random) -> None:
    assignable = "user"  # valid on both org kinds
    for p in org.people:
        if p.user_id is not None and p.added > -120 * DAY and p.category != "orphan_creator":
            org.invites.append({"id": random_id(rng, "invite"), "email": p.seat_email,
                                "role": p.role if org.kind == "console" and p.role != "admin"
                                else assignable,
                                "invited_at": p.added - 2 * DAY, "expires_at": p.added + 19 * DAY,
                                "status": "accepted", "accepted_at": p.added, "person": p.idx})
    waiting = [p for p in org.people if p.category == "noseat"]
    for i, p in enumerate(waiting[: len(org.people) // 25 + 2]):
        sent = -rng.randint(8, 15) * DAY if i % 2 == 0 else -rng.randint(40, 80) * DAY
        org.invites.append({"id": random_id(rng, "invite"), "email": p.email, "role": assignable,
                            "invited_at": sent, "expires_at": sent + 21 * DAY,
                            "status": "pending", "accepted_at": None, "person": p.idx})


def _plants(org: Org) -> None:
    for p in org.people:
        if p.user_id is None:
            continue
        email = p.seat_email
        if p.category in ("leaver_seat", "leaver_seat_key"):
            _plant(org, "leaver-active-account", p.user_id, "account", email,
                   f"terminated {p.end_day} days from the anchor; seat still present")
        elif p.category == "dormant":
            _plant(org, "dormant-account", p.user_id, "account", email,
                   "no activity for 35+ days")
        elif p.category == "unmatched":
            _plant(org, "unmatched-account", p.user_id, "account", email,
                   "email matches no HR row")
        elif p.category == "mover" and p.removed is None:
            _plant(org, "mover-stale-access", p.user_id, "grant", email,
                   f"moved {p.department} -> {p.moved_to} 30 days before the anchor "
                   "(hr_after_move.csv); workspace access granted before the move")
    if org.overactive_admin is not None and org.overactive_admin.user_id is not None:
        _plant(org, "overactive-admin", org.overactive_admin.user_id, "account",
               org.overactive_admin.seat_email, "40 privileged actions in the last 7 days")
    org.planted.sort(key=lambda e: (e["check"], e["subject_id"]))
