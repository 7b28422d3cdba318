"""The simulated Anthropic OAuth plane: service accounts, their workspace memberships and
workload identity federation (issuers, rules, rule workspaces), written from the contract
(vendor-apis-nhi.md §2-3), sharing no code with the connector.

This module is the state and its rules; ``anthropic_nhi_sa_api`` serves it over HTTP and
``anthropic_nhi_token`` does the RFC 7523 token exchange and the OAuth authentication.

State API (for the generator and for tests)
-------------------------------------------

The scenario document's ``"nhi_sa"`` object (all lists optional)::

    {"service_accounts": [{"id", "name", "organization_role", "description"?, "created_at",
                            "archived_at"?, "created_by_actor_id"?}],
     "memberships": [{"service_account_id", "workspace_id", "workspace_role"}],
     "federation_issuers": [{"id", "name", "issuer_url", "check_jti"?, "jwks"?,
                             "jwks_polling_disabled_at"?, "consecutive_failures"?, ...}],
     "federation_rules": [{"id", "name", "issuer_id", "match", "service_account_id",
                           "oauth_scope", "applies_to_all_workspaces"?, "workspace_ids"?,
                           "workspace_id"? (legacy), "listed_only"?, "token_lifetime_seconds"?,
                           "archived_at"?, "created_by_actor_id"?}],
     "oauth_tokens": [{"token", "user_id", "scope"}]}

Times are scenario offsets (seconds from the anchor, negative = before) or RFC 3339 strings.
``listed_only: true`` renders a rule's ``workspace_ids`` empty (an old rule) so its bindings
show only in the rule-workspaces listing. :func:`plane` returns the live
:class:`ServiceAccountPlane` of a server's ``OrgState``; its ``add_*`` methods plant records
directly (no HTTP), e.g. a leaver's service account with a live rule, a ``repo:org/repo:*``
rule, an issuer with polling disabled or ``check_jti`` off, an ``org:admin`` or
all-workspaces rule. Dormancy is the absence of activity: plant no feed events for it.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tenure.clock import parse_instant
from tenure.simulator.ids import random_id
from tenure.simulator.state import ApiError, OrgState, invalid, not_found

DEFAULT_OAUTH_TOKEN = "sk-ant-oat01-simulator-org-admin-token-AAAA"  # noqa: S105  (fake)
"""A user OAuth token with ``org:admin`` the simulator accepts unless the scenario lists its
own (what ``ant auth login --scope org:admin`` would give an admin)."""
WRITE_WORKSPACE_ROLES = frozenset({"workspace_admin", "workspace_developer",
                                   "workspace_restricted_developer", "workspace_user"})
SA_ROLES = frozenset({"admin", "developer"})
API_MANAGEABLE_SCOPES = frozenset({"workspace:developer", "workspace:inference"})
"""Rules an OAuth caller may create, change or archive; any other scope (``org:admin``) needs a
Console session."""
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
EXPECTED_AUDIENCE = "https://api.anthropic.com"
PLANE_KEY = "nhi_sa"


@dataclass(slots=True)
class ServiceAccount:
    """An organization service account."""

    id: str
    name: str
    organization_role: str = "developer"
    description: str = ""
    created_at: float = 0.0
    updated_at: float = 0.0
    archived_at: float | None = None
    created_by_actor_id: str | None = None
    updated_by_actor_id: str | None = None
    archived_by_actor_id: str | None = None


@dataclass(slots=True)
class Membership:
    """An explicit workspace membership of a service account."""

    service_account_id: str
    workspace_id: str
    workspace_role: str
    created_by_actor_id: str | None = None


@dataclass(slots=True)
class Issuer:
    """A trusted OIDC issuer with its JWKS source and poll status."""

    id: str
    name: str
    issuer_url: str
    check_jti: bool = True
    jwks: dict[str, Any] = field(default_factory=lambda: {"type": "discovery"})
    max_jwt_lifetime_seconds: int = 3600
    jwks_polling_disabled_at: float | None = None
    consecutive_failures: int = 0
    last_fetched_at: float | None = 0.0
    created_at: float = 0.0
    updated_at: float = 0.0
    archived_at: float | None = None
    created_by_actor_id: str | None = None
    updated_by_actor_id: str | None = None
    archived_by_actor_id: str | None = None


@dataclass(slots=True)
class Rule:
    """A federation rule; ``workspaces`` are its explicit enablements, ``workspace_id`` the
    legacy single binding."""

    id: str
    name: str
    issuer_id: str
    match: dict[str, Any]
    service_account_id: str
    oauth_scope: str
    description: str = ""
    token_lifetime_seconds: int = 3600
    applies_to_all_workspaces: bool = False
    workspaces: dict[str, float] = field(default_factory=dict)
    """Enabled workspace id → when it was enabled (scenario offset)."""
    workspace_id: str | None = None
    listed_only: bool = False
    created_at: float = 0.0
    updated_at: float = 0.0
    archived_at: float | None = None
    created_by_actor_id: str | None = None
    updated_by_actor_id: str | None = None
    archived_by_actor_id: str | None = None

    @property
    def live(self) -> bool:
        """Not archived."""
        return self.archived_at is None


@dataclass(slots=True)
class Token:
    """An access token: minted by an exchange (a service account) or a user's OAuth token."""

    token: str
    scope: str
    principal: dict[str, Any]
    expires_at: float | None = None
    workspace_id: str | None = None
    rule_id: str | None = None


def _time(value: Any, anchor: datetime) -> float | None:
    if value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    return (parse_instant(str(value)) - anchor).total_seconds()


class ServiceAccountPlane:
    """Service accounts, memberships, issuers, rules and tokens of one organization.

    Every method runs under the organization's lock; mutations append the Compliance feed
    events the contract lists (no create events exist for these three resources).
    """

    def __init__(self, state: OrgState) -> None:
        self.state = state
        self.service_accounts: dict[str, ServiceAccount] = {}
        self.memberships: dict[tuple[str, str], Membership] = {}
        self.issuers: dict[str, Issuer] = {}
        self.rules: dict[str, Rule] = {}
        self.tokens: dict[str, Token] = {}
        self.used_jti: set[tuple[str, str]] = set()
        self.exchanges: list[dict[str, Any]] = []
        """Every token exchange attempt with its outcome (what the Console history shows)."""
        self._counter = 0
        self._load(state.scenario.nhi_sa)

    # -- loading and planting --------------------------------------------------------------
    def _load(self, doc: dict[str, Any]) -> None:
        anchor = self.state.scenario.anchor
        for s in doc.get("service_accounts", []):
            created = _time(s.get("created_at"), anchor) or 0.0
            self.add_service_account(ServiceAccount(
                s["id"], s["name"], s.get("organization_role", "developer"),
                s.get("description") or "", created, _time(s.get("updated_at"), anchor)
                or created, _time(s.get("archived_at"), anchor), s.get("created_by_actor_id")))
        for m in doc.get("memberships", []):
            self.add_membership(Membership(m["service_account_id"], m["workspace_id"],
                                           m["workspace_role"], m.get("created_by_actor_id")))
        for i in doc.get("federation_issuers", []):
            created = _time(i.get("created_at"), anchor) or 0.0
            self.add_issuer(Issuer(
                i["id"], i["name"], i["issuer_url"], bool(i.get("check_jti", True)),
                dict(i.get("jwks") or {"type": "discovery"}),
                int(i.get("max_jwt_lifetime_seconds", 3600)),
                _time(i.get("jwks_polling_disabled_at"), anchor),
                int(i.get("consecutive_failures", 0)), _time(i.get("last_fetched_at", 0),
                                                             anchor),
                created, created, _time(i.get("archived_at"), anchor),
                i.get("created_by_actor_id")))
        for r in doc.get("federation_rules", []):
            created = _time(r.get("created_at"), anchor) or 0.0
            self.add_rule(Rule(
                r["id"], r["name"], r["issuer_id"], dict(r.get("match") or {}),
                r["service_account_id"], r["oauth_scope"], r.get("description") or "",
                int(r.get("token_lifetime_seconds", 3600)),
                bool(r.get("applies_to_all_workspaces", False)),
                {w: created for w in r.get("workspace_ids", [])}, r.get("workspace_id"),
                bool(r.get("listed_only", False)), created, created,
                _time(r.get("archived_at"), anchor), r.get("created_by_actor_id")))
        tokens = doc.get("oauth_tokens")
        if tokens is None:
            admin = next((u for u in self.state.users.values() if u.role == "admin"), None)
            tokens = [{"token": DEFAULT_OAUTH_TOKEN, "user_id": admin.id if admin else
                       "user_01SimulatorAdmin", "scope": "org:admin"}]
        for t in tokens:
            self.add_user_token(str(t["token"]), str(t["user_id"]), str(t.get("scope",
                                                                                "org:admin")))

    def add_service_account(self, sa: ServiceAccount) -> ServiceAccount:
        """Plant a service account."""
        with self.state.lock:
            self.service_accounts[sa.id] = sa
            return sa

    def add_membership(self, m: Membership) -> Membership:
        """Plant an explicit workspace membership."""
        with self.state.lock:
            self.memberships[(m.service_account_id, m.workspace_id)] = m
            return m

    def add_issuer(self, issuer: Issuer) -> Issuer:
        """Plant an issuer."""
        with self.state.lock:
            self.issuers[issuer.id] = issuer
            return issuer

    def add_rule(self, rule: Rule) -> Rule:
        """Plant a rule (its issuer and target should exist)."""
        with self.state.lock:
            self.rules[rule.id] = rule
            return rule

    def add_user_token(self, token: str, user_id: str, scope: str = "org:admin") -> Token:
        """Accept ``token`` as a user's OAuth token with ``scope``."""
        with self.state.lock:
            found = Token(token, scope, {"type": "user_actor", "user_id": user_id})
            self.tokens[token] = found
            return found

    def new_id(self, prefix: str) -> str:
        """A fresh vendor-shaped id."""
        self._counter += 1
        return random_id(random.Random(f"nhi:{prefix}:{self._counter}:{self.state.as_of}"),
                         prefix)

    # -- lookups ---------------------------------------------------------------------------
    def service_account(self, sa_id: str) -> ServiceAccount:
        """A service account or 404."""
        found = self.service_accounts.get(sa_id)
        if found is None:
            raise not_found("service account")
        return found

    def issuer(self, issuer_id: str) -> Issuer:
        """An issuer or 404."""
        found = self.issuers.get(issuer_id)
        if found is None:
            raise not_found("federation issuer")
        return found

    def rule(self, rule_id: str) -> Rule:
        """A rule or 404."""
        found = self.rules.get(rule_id)
        if found is None:
            raise not_found("federation rule")
        return found

    def default_workspace_id(self) -> str:
        """The organization's default workspace."""
        return self.state.scenario.default_workspace_id

    def workspace_state(self, ws_id: str) -> str:
        """``active`` or ``archived``; 404 for an unknown workspace."""
        if ws_id == self.default_workspace_id():
            return "active"
        found = self.state.workspaces.get(ws_id)
        if found is None:
            raise not_found("workspace")
        return "archived" if found.archived_at is not None else "active"

    def memberships_of(self, sa_id: str) -> list[dict[str, Any]]:
        """The SA-side listing: explicit rows in workspace order, the implicit default row
        (when there is no explicit one) flagged ``implicit``."""
        rows = sorted((m for (s, _), m in self.memberships.items() if s == sa_id),
                      key=lambda m: m.workspace_id)
        out = [membership_json(m) for m in rows]
        if (sa_id, self.default_workspace_id()) not in self.memberships:
            out.insert(0, self.implicit_row(sa_id))
        return out

    def implicit_row(self, sa_id: str) -> dict[str, Any]:
        """The implicit default-workspace membership every live service account has."""
        return {"type": "service_account_workspace_member", "service_account_id": sa_id,
                "workspace_id": self.default_workspace_id(), "workspace_role": "workspace_user",
                "implicit": True}

    def is_member(self, sa_id: str, ws_id: str) -> bool:
        """Explicit membership, or the implicit default one."""
        return (sa_id, ws_id) in self.memberships or ws_id == self.default_workspace_id()

    def live_rules_targeting(self, sa_id: str) -> list[Rule]:
        """Non-archived rules whose target is ``sa_id``."""
        return [r for r in self.rules.values() if r.live and r.service_account_id == sa_id]

    def rule_workspaces(self, rule: Rule) -> list[str]:
        """Where a rule is enabled: every active workspace and the default one when it applies
        to all, else its enablements and legacy binding."""
        if not rule.live:
            return []
        if rule.applies_to_all_workspaces:
            return [self.default_workspace_id()] + [
                w.id for w in self.state.workspaces.values() if w.archived_at is None]
        out = list(rule.workspaces)
        if rule.workspace_id and rule.workspace_id not in out:
            out.append(rule.workspace_id)
        return out

    # -- mutations -------------------------------------------------------------------------
    def log(self, type_name: str, actor: dict[str, Any], **extra: Any) -> None:
        """Append a Compliance feed event."""
        self.state.feed.append(type_name, actor, self.state.elapsed(), **extra)

    def archive_service_account(self, sa_id: str, actor: dict[str, Any]) -> ServiceAccount:
        """Archive (idempotent); refused while a live rule targets it."""
        with self.state.lock:
            sa = self.service_account(sa_id)
            if sa.archived_at is not None:
                return sa
            live = self.live_rules_targeting(sa_id)
            if live:
                raise invalid(f"Service account {sa_id} is the target of "
                              f"{len(live)} active federation rule(s) "
                              f"({', '.join(r.id for r in live)}); archive them first.")
            sa.archived_at = sa.updated_at = self.state.elapsed()
            sa.archived_by_actor_id = sa.updated_by_actor_id = actor_id(actor)
            for key in [k for k in self.memberships if k[0] == sa_id]:
                del self.memberships[key]
            self.log("platform_service_account_archived", actor, service_account_id=sa_id)
            return sa

    def remove_membership(self, sa_id: str, ws_id: str, actor: dict[str, Any]) -> None:
        """Always succeeds; the implicit default row cannot be removed (a silent no-op)."""
        with self.state.lock:
            if self.memberships.pop((sa_id, ws_id), None) is not None:
                self.log("platform_service_account_workspace_member_removed", actor,
                         service_account_id=sa_id, workspace_id=ws_id)

    def archive_rule(self, rule_id: str, actor: dict[str, Any]) -> Rule:
        """Archive (idempotent): exchange stops, workspace bindings are emptied."""
        with self.state.lock:
            rule = self.rule(rule_id)
            if rule.archived_at is None:
                guard_rule_scope(rule.oauth_scope, actor)
                rule.archived_at = rule.updated_at = self.state.elapsed()
                rule.archived_by_actor_id = rule.updated_by_actor_id = actor_id(actor)
                rule.workspaces.clear()
                rule.workspace_id = None
                self.log("platform_federation_rule_archived", actor, federation_rule_id=rule_id)
            return rule

    def archive_issuer(self, issuer_id: str, actor: dict[str, Any]) -> Issuer:
        """Archive (idempotent); refused while a live rule references it."""
        with self.state.lock:
            issuer = self.issuer(issuer_id)
            if issuer.archived_at is not None:
                return issuer
            live = [r.id for r in self.rules.values() if r.live and r.issuer_id == issuer_id]
            if live:
                raise invalid(f"Federation issuer {issuer_id} is referenced by active "
                              f"federation rule(s) {', '.join(live)}; archive them first.")
            issuer.archived_at = issuer.updated_at = self.state.elapsed()
            issuer.archived_by_actor_id = actor_id(actor)
            self.log("platform_federation_issuer_archived", actor,
                     federation_issuer_id=issuer_id)
            return issuer


def guard_rule_scope(scope: str, actor: dict[str, Any]) -> None:
    """An OAuth caller manages only ``workspace:developer``/``workspace:inference`` rules."""
    if any(part not in API_MANAGEABLE_SCOPES for part in scope.split()):
        raise ApiError(403, "permission_error",
                       f"Rules with oauth_scope {scope!r} can only be managed from a Console "
                       "session (Settings > Workload identity).")


def actor_id(actor: dict[str, Any]) -> str | None:
    """The ``user_…``/``svac_…`` id of an acting principal."""
    value = actor.get("user_id") or actor.get("service_account_id")
    return str(value) if value else None


def membership_json(m: Membership) -> dict[str, Any]:
    """An explicit ``service_account_workspace_member``."""
    out: dict[str, Any] = {"type": "service_account_workspace_member",
                           "service_account_id": m.service_account_id,
                           "workspace_id": m.workspace_id, "workspace_role": m.workspace_role,
                           "implicit": False}
    if m.created_by_actor_id:
        out["created_by_actor_id"] = m.created_by_actor_id
    return out


def plane(state: OrgState) -> ServiceAccountPlane:
    """The OAuth plane of a served organization (built from its scenario on first use)."""
    with state.lock:
        found = state.planes.get(PLANE_KEY)
        if not isinstance(found, ServiceAccountPlane):
            found = ServiceAccountPlane(state)
            state.planes[PLANE_KEY] = found
        return found
