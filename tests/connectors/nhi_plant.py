"""A small OAuth plane planted into a running simulator, for connector and action tests."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from tenure.simulator import SimulatorServer
from tenure.simulator.anthropic_nhi_sa import (
    Issuer,
    Membership,
    Rule,
    ServiceAccount,
    ServiceAccountPlane,
    plane,
)
from tenure.simulator.scenario import ApiKey

GITHUB = "https://token.actions.githubusercontent.com"


@dataclass
class Planted:
    """Ids of what was planted."""

    plane: ServiceAccountPlane
    default_ws: str
    ws: str
    ws2: str
    ci: str = "svac_01CiDeployer00000000000"
    admin: str = "svac_01OrgReader000000000000"
    old: str = "svac_01OldBatch00000000000"
    idle: str = "svac_01Idle000000000000000"
    github: str = "fdis_01GitHub0000000000000"
    eks: str = "fdis_01Eks000000000000000"
    main_rule: str = "fdrl_01Main0000000000000"
    listed_rule: str = "fdrl_01Listed00000000000"
    wild_rule: str = "fdrl_01Wild0000000000000"
    gone_rule: str = "fdrl_01Gone0000000000000"
    sa_key: str = "apikey_01SaOwnedKey0000000000"


def plant(sim: SimulatorServer) -> Planted:
    """Four service accounts, two issuers, four rules and a service-account-owned key."""
    p = plane(sim.state)
    # Start from an empty plane: the generated scenario plants its own NHI problems
    # (simulator/nhi_generate.py); these tests assert exactly what they plant here.
    with sim.state.lock:
        p.service_accounts.clear()
        p.memberships.clear()
        p.issuers.clear()
        p.rules.clear()
        for key_id in [k for k, v in sim.state.keys.items() if v.service_account_id]:
            del sim.state.keys[key_id]
    spaces = [w.id for w in sim.state.workspaces.values() if w.archived_at is None]
    got = Planted(p, sim.scenario.default_workspace_id, spaces[0], spaces[1])
    creator = next(iter(sim.state.users))
    p.add_service_account(ServiceAccount(got.ci, "ci-deployer", "developer", "deploys",
                                         -86400 * 30, created_by_actor_id=creator))
    p.add_service_account(ServiceAccount(got.admin, "org-reader", "admin", created_at=-86400))
    p.add_service_account(ServiceAccount(got.old, "old-batch", "developer",
                                         created_at=-86400 * 400, archived_at=-86400 * 10))
    p.add_service_account(ServiceAccount(got.idle, "idle", "developer", created_at=-3600,
                                         created_by_actor_id=got.ci))
    p.add_membership(Membership(got.ci, got.ws, "workspace_developer"))
    p.add_membership(Membership(got.ci, got.ws2, "workspace_user"))
    p.add_membership(Membership(got.idle, got.default_ws, "workspace_developer"))
    p.add_issuer(Issuer(got.github, "github", GITHUB, created_at=-86400 * 60))
    p.add_issuer(Issuer(got.eks, "eks", "https://oidc.eks.example", check_jti=False,
                        jwks={"type": "explicit_url", "url": "https://oidc.eks.example/k"},
                        jwks_polling_disabled_at=-3600, consecutive_failures=12,
                        created_at=-86400 * 50))
    p.add_rule(Rule(got.main_rule, "deploy-main", got.github,
                    {"subject_prefix": "repo:acme/api:ref:refs/heads/main"}, got.ci,
                    "workspace:developer", token_lifetime_seconds=900,
                    workspaces={got.ws: -86400}, created_at=-86400 * 29))
    p.add_rule(Rule(got.listed_rule, "batch", got.eks, {"claims": {"namespace": "batch"}},
                    got.ci, "workspace:inference", workspaces={got.ws2: -86400},
                    listed_only=True, created_at=-86400 * 20))
    p.add_rule(Rule(got.wild_rule, "any-pr", got.github, {"subject_prefix": "repo:acme/api:*"},
                    got.admin, "org:admin", applies_to_all_workspaces=True,
                    created_at=-86400 * 2))
    p.add_rule(Rule(got.gone_rule, "gone", got.github, {"subject_prefix": "repo:acme/x:main"},
                    got.old, "workspace:developer", archived_at=-86400 * 11,
                    created_at=-86400 * 300))
    with sim.state.lock:
        sim.state.keys[got.sa_key] = ApiKey(got.sa_key, "ci key", got.ws, -86400 * 5, creator,
                                            "sk-ant-api03-...SAKY", "active",
                                            service_account_id=got.ci)
        sim.state.position[got.sa_key] = len(sim.state.position)
    return got


def jwt(claims: dict[str, Any]) -> str:
    """An (unsigned) compact JWT with ``claims``."""
    def part(doc: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(doc).encode()).decode().rstrip("=")
    return f"{part({'alg': 'RS256', 'kid': 'k1'})}.{part(claims)}.c2ln"


def github_claims(sim: SimulatorServer, **extra: Any) -> dict[str, Any]:
    """Claims of a GitHub Actions token on main, valid for ten minutes of served time."""
    now = int(sim.state.now().timestamp())
    return {"iss": GITHUB, "sub": "repo:acme/api:ref:refs/heads/main",
            "aud": "https://api.anthropic.com", "iat": now - 5, "exp": now + 600, **extra}
