"""Non-human identity plants for the generated organization (issue 16): service accounts,
workload identity federation and a service-account-owned key, written into the scenario
through the OAuth plane's state API (``scenario.json`` ``"nhi_sa"``,
``simulator/anthropic_nhi_sa.py``), and the ``planted.json`` entries the NHI checks must find.

What is planted, each found by exactly one check (everything else is clean for these checks):

- a leaver's service account (created by a terminated person's seat) with a live, pinned
  rule → ``nhi-sponsor-left``;
- a service account nobody created or names → ``nhi-without-sponsor``;
- an old service account with no feed activity, key usage or federation login →
  ``service-account-dormant`` (every other one is younger than the 90-day window);
- a rule whose subject is ``repo:ORG/REPO:*`` (any branch and forked pull request), nothing
  else narrowing it → ``federation-rule-broad-match``;
- a pinned rule minting ``org:admin`` for an ``admin`` service account →
  ``federation-rule-privileged``;
- an issuer whose JWKS polling the vendor disabled → ``federation-issuer-unhealthy``;
- a key owned by a service account (``principal: service_account_actor``) → no finding: it
  is judged through its service account and that one's sponsor, never as orphaned.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from tenure.simulator.ids import b58, random_id
from tenure.simulator.population import DAY, Org, Person

GITHUB = "https://token.actions.githubusercontent.com"


@dataclass(slots=True)
class NhiPlants:
    """The scenario's ``nhi_sa`` document, extra ``api_keys`` entries and planted entries."""

    document: dict[str, Any] = field(default_factory=dict)
    api_keys: list[dict[str, Any]] = field(default_factory=list)
    planted: list[dict[str, str]] = field(default_factory=list)


def _plant(out: NhiPlants, check: str, subject: str, subject_type: str, note: str) -> None:
    out.planted.append({"check": check, "subject_id": subject, "subject_type": subject_type,
                        "email": "", "note": note})


def _owner(org: Org) -> Person | None:
    """An active employee with a seat (an admin): the creator of the healthy identities."""
    return next((p for p in org.admins if p.user_id and p.in_hr and p.end_day is None
                 and p.removed is None), None)


def _leaver(org: Org) -> Person | None:
    """A terminated employee who had a seat: the creator of the leaver's service account."""
    return next((p for p in org.people if p.user_id and p.in_hr and p.end_day is not None),
                None)


def build_nhi(org: Org) -> NhiPlants:
    """The NHI plants of a console organization (none when it has no admin or leaver)."""
    out = NhiPlants()
    owner, leaver = _owner(org), _leaver(org)
    live = [w["id"] for w in org.workspaces if w["archived_at"] is None]
    if org.kind != "console" or owner is None or leaver is None or not live:
        return out
    rng = random.Random(f"nhi:{org.org_id}")
    ws = live[0]

    def sid() -> str:
        return random_id(rng, "svac")

    etl, ci, legacy, shadow, reader = sid(), sid(), sid(), sid(), sid()
    github, eks = random_id(rng, "fdis"), random_id(rng, "fdis")
    etl_rule, wild, admin_rule, batch = (random_id(rng, "fdrl") for _ in range(4))
    leaver_left = leaver.end_day if leaver.end_day is not None else -10
    accounts = [
        {"id": etl, "name": "etl-nightly", "organization_role": "developer",
         "description": "nightly ETL", "created_at": (leaver_left - 30) * DAY,
         "created_by_actor_id": leaver.user_id},
        {"id": ci, "name": "ci-deployer", "organization_role": "developer",
         "description": "deploys the API", "created_at": -30 * DAY,
         "created_by_actor_id": owner.user_id},
        {"id": legacy, "name": "legacy-export", "organization_role": "developer",
         "description": "quarterly export", "created_at": -200 * DAY,
         "created_by_actor_id": owner.user_id},
        {"id": shadow, "name": "shadow-bot", "organization_role": "developer",
         "description": "", "created_at": -20 * DAY},
        {"id": reader, "name": "org-reader", "organization_role": "admin",
         "description": "reads the org for audits", "created_at": -10 * DAY,
         "created_by_actor_id": owner.user_id},
    ]
    by = owner.user_id
    out.document = {
        "service_accounts": accounts,
        "memberships": [{"service_account_id": s, "workspace_id": ws,
                         "workspace_role": "workspace_developer"} for s in (etl, ci)],
        "federation_issuers": [
            {"id": github, "name": "github", "issuer_url": GITHUB, "check_jti": True,
             "created_at": -120 * DAY, "created_by_actor_id": by},
            {"id": eks, "name": "eks", "issuer_url": "https://oidc.eks.acme.example",
             "check_jti": True, "jwks": {"type": "explicit_url",
                                         "url": "https://oidc.eks.acme.example/keys"},
             "jwks_polling_disabled_at": -2 * DAY, "consecutive_failures": 14,
             "created_at": -90 * DAY, "created_by_actor_id": by},
        ],
        "federation_rules": [
            {"id": etl_rule, "name": "etl-main", "issuer_id": github,
             "match": {"subject_prefix": "repo:acme/etl:ref:refs/heads/main"},
             "service_account_id": etl, "oauth_scope": "workspace:developer",
             "workspace_ids": [ws], "created_at": (leaver_left - 29) * DAY,
             "created_by_actor_id": by},
            {"id": wild, "name": "api-any-ref", "issuer_id": github,
             "match": {"subject_prefix": "repo:acme/api:*"}, "service_account_id": ci,
             "oauth_scope": "workspace:developer", "workspace_ids": [ws],
             "created_at": -25 * DAY, "created_by_actor_id": by},
            {"id": admin_rule, "name": "infra-org-admin", "issuer_id": github,
             "match": {"subject_prefix": "repo:acme/infra:ref:refs/heads/main"},
             "service_account_id": reader, "oauth_scope": "org:admin",
             "workspace_ids": [ws], "created_at": -9 * DAY, "created_by_actor_id": by},
            {"id": batch, "name": "batch-jobs", "issuer_id": eks,
             "match": {"claims": {"namespace": "batch"}}, "service_account_id": ci,
             "oauth_scope": "workspace:inference", "workspace_ids": [ws],
             "created_at": -28 * DAY, "created_by_actor_id": by},
        ],
    }
    out.api_keys.append({
        "id": "apikey_01" + b58(rng.getrandbits(128), 22), "name": "ci-deployer key",
        "workspace_id": ws, "created_at": -5 * DAY, "created_by": owner.user_id,
        "partial_key_hint": f"sk-ant-api03-{b58(rng.getrandbits(24), 3)}..."
                            f"{b58(rng.getrandbits(24), 4)}",
        "status": "active", "expires_at": None, "service_account_id": ci})
    _plant(out, "nhi-sponsor-left", etl, "service_account",
           f"created by {leaver.seat_email}, who left; rule etl-main still live")
    _plant(out, "nhi-without-sponsor", shadow, "service_account",
           "no creator, no sponsor, no owner tag")
    _plant(out, "service-account-dormant", legacy, "service_account",
           "200 days old, no activity as itself, no key usage, no federation login")
    _plant(out, "federation-rule-broad-match", wild, "workload_identity",
           "subject repo:acme/api:* admits any branch and forked pull requests")
    _plant(out, "federation-rule-privileged", admin_rule, "workload_identity",
           "mints org:admin")
    _plant(out, "federation-issuer-unhealthy", eks, "federation_issuer",
           "JWKS polling disabled by the vendor after 14 failures")
    return out


def agent_plants(doc: dict[str, Any] | None, org: Org) -> list[dict[str, str]]:
    """``planted.json`` entries of the managed-agent plane (``agents_population``): its own
    plants, plus the sponsor findings its ownership convention implies — an agent whose
    ``metadata.owner`` names no HR person (and each live deployment answering through it) is
    ``nhi-without-sponsor``; one whose owner left is ``nhi-sponsor-left``."""
    if not doc:
        return []
    hr = {p.email.lower(): p for p in org.people if p.in_hr}
    out = [{"check": e["check"], "subject_id": e["subject_id"],
            "subject_type": "deployment" if e["subject_type"] == "agent_deployment"
            else e["subject_type"], "email": "", "note": e.get("note", "")}
           for e in doc.get("planted") or []]
    verdict: dict[str, tuple[str, str]] = {}
    for agent in doc.get("agents") or []:
        if agent.get("archived_at") is not None:
            continue
        owner = str((agent.get("metadata") or {}).get("owner") or "").lower()
        person = hr.get(owner)
        if person is None:
            verdict[agent["id"]] = ("nhi-without-sponsor",
                                    "its metadata names no owner who is an HR person")
        elif person.end_day is not None:
            verdict[agent["id"]] = ("nhi-sponsor-left", f"its owner {owner} left")
    for agent_id, (check, note) in verdict.items():
        _plant_entry(out, check, agent_id, "agent", note)
    for d in doc.get("deployments") or []:
        agent_id = d.get("agent_id")
        live = d.get("archived_at") is None and d.get("status", "active") == "active"
        if live and agent_id in verdict and not (d.get("metadata") or {}).get("owner"):
            check, note = verdict[agent_id]
            _plant_entry(out, check, d["id"], "deployment", f"answers through its agent: {note}")
    return out


def _plant_entry(out: list[dict[str, str]], check: str, subject: str, subject_type: str,
                 note: str) -> None:
    out.append({"check": check, "subject_id": subject, "subject_type": subject_type,
                "email": "", "note": note})
