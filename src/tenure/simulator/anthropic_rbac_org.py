"""The generated Claude Enterprise access structure and its planted problems (issue 17).

For an Enterprise org the generator writes ``enterprise.json`` (RBAC roles with permissions,
groups with members, a linked organization, Analytics rows) and ``idp_push.json`` (what the
identity provider pushes to Tenure's SCIM receiver), and adds these plants to ``planted.json``:

=============================  =========================================================
check → subject                 what
=============================  =========================================================
privilege-via-group → account   two seats in SCIM group Platform-Admins (role Org Admin) and
                                one in direct group Helpdesk (custom role Helpdesk Plus)
custom-role-privileged → role   Helpdesk Plus (``permission_manage_members``) and Org Admin:
                                RBAC roles carry no built-in flag, so both are custom roles
disabled-seat-still-granted     a removed (offboarded) seat still a member of group Support
  → account
idp-group-drift → group         Platform-Admins: one member the IdP does not push (added by
                                hand on the platform, or removed in the IdP)
dormant-account → account       a chat-only seat with no feed activity whose Analytics last
                                activity is 50 days old (signal: analytics)
=============================  =========================================================

Clean on purpose: Data-Analysts (SCIM, same members as the IdP, an elevated custom role), a
custom role known only from a feed ``rbac_role_assigned`` event (elevated), and a chat-only
seat with no feed activity that Analytics shows active two days ago (not dormant).
"""

from __future__ import annotations

import random
from typing import Any

from tenure.simulator.ids import b58, random_id
from tenure.simulator.population import DAY, Org, Person

ORG_ADMIN_PERMISSIONS = ("permission_manage_members", "permission_manage_admin_keys",
                         "permission_manage_sso")
IDP_SOURCE = "okta"


def _perm(action: str, org_id: str) -> dict[str, Any]:
    return {"action": action, "resource": {"type": "organization", "organization_id": org_id}}


def _seat(org: Org, rng: random.Random, local: str, category: str) -> Person:
    """A chat-only seat with no feed activity (Analytics is its only activity signal)."""
    head = next((p for p in org.people if p.category == "healthy"), None)
    person = Person(len(org.people), f"{local}@{org.domain}", local.replace(".", " ").title(),
                    category, "Support", "Specialist", employee_id=f"E9{len(org.people):05d}",
                    start_day=-600, manager_email=head.email if head else "")
    person.user_id = random_id(rng, "user")
    person.seat_email = person.email
    person.role = "user"
    person.added = -300 * DAY
    person.active_until = None
    org.people.append(person)
    return person


def _plant(out: list[dict[str, str]], check: str, subject: str, subject_type: str,
           email: str, note: str, **extra: str) -> None:
    out.append({"check": check, "subject_id": subject, "subject_type": subject_type,
                "email": email, "note": note, **extra})


def build_enterprise(org: Org) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, str]]]:
    """(``enterprise.json``, ``idp_push.json``, plants); adds two Analytics-only seats to the
    org and the feed events the plants need (``org.extra_events``)."""
    rng = random.Random(f"enterprise:{org.org_id}")
    admins = {id(p) for p in org.admins}
    healthy = [p for p in org.people if p.category == "healthy" and id(p) not in admins
               and p.user_id is not None and p.removed is None]
    if len(healthy) < 7:
        raise ValueError("an Enterprise org needs at least 7 non-admin healthy seats")
    u1, u2, u4, u5, u6, u7 = healthy[:6]
    gone = next(p for p in org.people if p.category == "leaver_gone" and p.user_id)
    dormant = _seat(org, rng, "chat.quiet", "analytics_dormant")
    active = _seat(org, rng, "chat.busy", "analytics_active")

    def rid(prefix: str) -> str:
        return f"{prefix}_01" + b58(rng.getrandbits(128), 22)

    oid = org.org_id
    roles = [
        {"id": rid("rbac_role"), "name": "Member", "created_at": -500 * DAY,
         "description": "Built-in: every seat",
         "permissions": [_perm("chat", oid), _perm("claude_code", oid)]},
        {"id": rid("rbac_role"), "name": "Org Admin", "created_at": -500 * DAY,
         "description": "Built-in: organization administration",
         "permissions": [_perm(a, oid) for a in ORG_ADMIN_PERMISSIONS]},
        {"id": rid("rbac_role"), "name": "Helpdesk Plus", "created_at": -90 * DAY,
         "description": "Custom: support staff who reset seats",
         "permissions": [_perm("chat", oid), _perm("permission_manage_members", oid)]},
        {"id": rid("rbac_role"), "name": "Analyst", "created_at": -120 * DAY,
         "description": "Custom: every generally available feature",
         "permissions": [_perm("capability_access_all_ga", oid),
                         {"action": "use", "resource": {"type": "connector_tool",
                                                        "connector_id": "conn_01drive",
                                                        "tool_name": "search"}}]},
        {"id": rid("rbac_role"), "name": "Key Minter", "created_at": -60 * DAY,
         "description": "Custom: creates API keys",
         "permissions": [_perm("permission_manage_api_keys", oid)]},
    ]
    member, org_admin, helpdesk, analyst, minter = (str(r["id"]) for r in roles)
    present = [p for p in org.people if p.user_id and p.removed is None]

    def members(people: list[Person], days: int) -> list[dict[str, Any]]:
        return [{"user_id": p.user_id, "email": p.seat_email, "created_at": -days * DAY}
                for p in people]

    groups: list[dict[str, Any]] = [
        {"id": rid("rbac_group"), "name": "Everyone", "source_type": "direct",
         "role_ids": [member], "created_at": -500 * DAY, "members": members(present, 200)},
        {"id": rid("rbac_group"), "name": "Platform-Admins", "source_type": "scim",
         "role_ids": [org_admin], "created_at": -300 * DAY, "members": members([u1, u2], 40)},
        {"id": rid("rbac_group"), "name": "Data-Analysts", "source_type": "scim",
         "role_ids": [analyst], "created_at": -200 * DAY, "members": members([u4, u5], 80)},
        {"id": rid("rbac_group"), "name": "Helpdesk", "source_type": "direct",
         "role_ids": [helpdesk], "created_at": -90 * DAY, "members": members([u6], 30)},
        {"id": rid("rbac_group"), "name": "Support", "source_type": "direct",
         "role_ids": [member], "created_at": -400 * DAY, "members": members([gone], 300)},
    ]
    platform_admins = str(groups[1]["id"])
    linked_id = "%08x-%04x-4%03x-8%03x-%012x" % (  # noqa: UP031 - uuid layout
        rng.getrandbits(32), rng.getrandbits(16), rng.getrandbits(12), rng.getrandbits(12),
        rng.getrandbits(48))
    linked = [{"uuid": linked_id, "name": f"{org.name} Research", "created_at": -365 * DAY,
               "users": [{"id": random_id(rng, "user"), "full_name": "Rae Research",
                          "email": f"rae.research@{org.domain}", "organization_role": "admin",
                          "created_at": -200 * DAY},
                         {"id": random_id(rng, "user"), "full_name": "Sam Research",
                          "email": f"sam.research@{org.domain}", "organization_role": "user",
                          "created_at": -150 * DAY}]}]
    analytics = []
    for p in present:
        if p is dormant:
            day = -50
        elif p is active:
            day = -2
        elif p.active_until == 0:
            day = -1
        elif p.active_until is not None and p.category != "cc_only":
            day = p.active_until // DAY
        else:
            continue
        analytics.append({"user_id": p.user_id, "email": p.seat_email, "last_active_day": day,
                          "chat_metrics": {"conversation_count": 3 + p.idx % 7,
                                           "message_count": 20 + p.idx % 40},
                          "claude_code_metrics": {"session_count": 0},
                          "web_search_count": p.idx % 5})
    org.extra_events.append((-20 * DAY, "rbac_role_assigned", org.admins[0],
                             {"role_id": minter, "principal_type": "account",
                              "principal_id": u7.user_id}))
    enterprise = {"variant": {"group_roles": "role_ids", "member_group": "rbac_group_id",
                              "role_name": "display_name"},
                  "roles": roles, "groups": groups, "linked_orgs": linked,
                  "analytics": analytics}
    idp_people = [u1, u4, u5]
    idp_push = {"source": IDP_SOURCE, "users": [
        {"userName": p.seat_email.lower(), "email": p.seat_email.lower(),
         "externalId": f"okta-{p.employee_id}", "displayName": p.name, "active": True}
        for p in idp_people],
        "groups": [
            {"displayName": "Platform-Admins", "externalId": "okta-grp-platform-admins",
             "members": [u1.seat_email.lower()]},
            {"displayName": "Data-Analysts", "externalId": "okta-grp-data-analysts",
             "members": [u4.seat_email.lower(), u5.seat_email.lower()]}]}
    plants: list[dict[str, str]] = []
    for p, group, role in ((u1, "Platform-Admins", "Org Admin"),
                           (u2, "Platform-Admins", "Org Admin"),
                           (u6, "Helpdesk", "Helpdesk Plus")):
        assert p.user_id is not None
        _plant(plants, "privilege-via-group", p.user_id, "account", p.seat_email,
               f"admin via group {group} → role {role}",
               group_id=str(next(g["id"] for g in groups if g["name"] == group)))
    # The RBAC API carries no built-in flag (Anthropic's built-in roles are the org roles), so
    # every RBAC role granting admin-tier permissions is a custom role to judge.
    _plant(plants, "custom-role-privileged", helpdesk, "role", "",
           "custom role Helpdesk Plus grants permission_manage_members", holders=str(u6.user_id))
    _plant(plants, "custom-role-privileged", org_admin, "role", "",
           "RBAC role Org Admin grants permission_manage_members, admin keys and SSO "
           "(held through group Platform-Admins)",
           holders=",".join(str(p.user_id) for p in (u1, u2)))
    assert gone.user_id is not None
    assert u2.user_id is not None
    _plant(plants, "disabled-seat-still-granted", gone.user_id, "account", gone.seat_email,
           "seat removed from the organization, still a member of group Support",
           group_id=str(groups[4]["id"]))
    _plant(plants, "idp-group-drift", platform_admins, "group", "",
           f"Platform-Admins on the platform has {u2.seat_email}, the IdP ({IDP_SOURCE}) "
           "does not push them", member_ids=u2.user_id, idp_source=IDP_SOURCE)
    assert dormant.user_id is not None
    _plant(plants, "dormant-account", dormant.user_id, "account", dormant.seat_email,
           "chat-only seat, no feed activity; Analytics last activity 50 days ago "
           "(signal: analytics)", signal="analytics")
    return enterprise, idp_push, plants
