"""The accountability chain of one non-human identity, as a query.

Read left to right: what it runs as and holds (an agent's deployments, their environment's
egress and vault credentials; a service account's federation rules, workspaces and keys) →
its sponsor (and why) → the sponsor's HR record (status) → their manager. And the other way:
every NHI a person answers for. A fixed number of queries per chain, none to a vendor.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from tenure.config import NhiConfig
from tenure.model import NhiKind, OwnerKind
from tenure.nhi.last_activity import last_activity
from tenure.nhi.resolve import Resolution, resolve_all
from tenure.store import schema


@dataclass(frozen=True, slots=True)
class Node:
    """One box in the chain: a named thing with a status and a short detail."""

    kind: str
    id: str
    name: str
    status: str
    detail: str = ""
    warn: bool = False
    """Drawn as a problem (archived owner, open egress, expired secret, leaver)."""
    when: datetime | None = None
    """The node's one date (a key's last use, a deployment's last run, a secret's expiry)."""
    when_label: str = ""
    """What ``when`` is: ``last used``, ``last run``, ``expires``."""


@dataclass(frozen=True, slots=True)
class PersonNode:
    """A person in the chain (sponsor or manager), from the identity source."""

    email: str
    name: str
    status: str
    title: str = ""
    end_date: date | None = None
    known: bool = True
    """False when the email matches nobody in the identity source."""


@dataclass(slots=True)
class Chain:
    """The chain of one NHI (see the module docstring)."""

    subject: Node
    source: str
    basis: str
    reason: str
    provisional: bool
    upstream: list[Node] = field(default_factory=list)
    """What lets it act: federation rules targeting a service account, a deployment's agent."""
    runs: list[Node] = field(default_factory=list)
    """An agent's deployments."""
    holds: list[Node] = field(default_factory=list)
    """Keys, workspaces, vault credentials, environment egress."""
    via: Node | None = None
    """The NHI whose sponsor it inherits, when it does."""
    sponsor: PersonNode | None = None
    manager: PersonNode | None = None
    created_at: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        from tenure.model import plain

        return plain(self)  # type: ignore[no-any-return]


def _person(conn: sa.Connection, email: str | None) -> PersonNode | None:
    if not email:
        return None
    p = schema.people
    row = conn.execute(sa.select(p.c.email, p.c.name, p.c.status, p.c.title, p.c.end_date)
                       .where(p.c.email == email, p.c.removed_at.is_(None))).first()
    if row is None:
        return PersonNode(email, email, "no person", known=False)
    return PersonNode(row.email, row.name, row.status, row.title, row.end_date)


def _manager_of(conn: sa.Connection, email: str | None) -> PersonNode | None:
    if not email:
        return None
    p = schema.people
    manager = conn.execute(sa.select(p.c.manager_email).where(
        p.c.email == email, p.c.removed_at.is_(None))).scalar()
    return _person(conn, manager) if manager else None


def _service_account_parts(conn: sa.Connection, r: Resolution, chain: Chain) -> None:
    c, g, w = schema.credentials, schema.grants, schema.workspaces
    sid, source = r.nhi.subject_id, r.nhi.source
    for k in conn.execute(
            sa.select(c.c.external_id, c.c.name, c.c.status, c.c.last_used_at, c.c.expires_at)
            .where(c.c.source == source, c.c.owner_type == str(OwnerKind.SERVICE_ACCOUNT),
                   c.c.owner_id == sid, c.c.removed_at.is_(None)).order_by(c.c.name)):
        chain.holds.append(Node("api_key", k.external_id, k.name or k.external_id, k.status,
                                "" if k.last_used_at else "never used",
                                when=k.last_used_at, when_label="last used"))
    names = {r.external_id: r.name for r in conn.execute(
        sa.select(w.c.external_id, w.c.name).where(w.c.source == source))}
    for gr in conn.execute(
            sa.select(g.c.scope_type, g.c.scope_id, g.c.role, g.c.inherited)
            .where(g.c.source == source, g.c.account_id == sid, g.c.removed_at.is_(None))
            .order_by(g.c.scope_id)):
        where = names.get(gr.scope_id) or (
            "organization" if gr.scope_type == "organization" else gr.scope_id)
        chain.holds.append(Node("workspace", gr.scope_id, where, "member",
                                gr.role + (" (implicit)" if gr.inherited else "")))


def _rule_node(r: Any) -> Node:
    where = "all workspaces" if r.applies_to_all_workspaces else (
        f"{len(r.workspace_ids or [])} workspace(s)")
    broad = "org:admin" in (r.oauth_scope or "").split() or r.applies_to_all_workspaces
    return Node("workload_identity", r.external_id, r.name,
                "archived" if r.archived_at else "live",
                f"{r.oauth_scope}; {where}; subject {r.subject_prefix or 'any'}",
                warn=broad and r.archived_at is None)


def _rules_targeting(conn: sa.Connection, source: str, sa_id: str) -> list[Node]:
    fr = schema.federation_rules
    return [_rule_node(r) for r in conn.execute(
        sa.select(fr).where(fr.c.source == source, fr.c.target_service_account_id == sa_id,
                          fr.c.removed_at.is_(None)).order_by(fr.c.name))]


def _rule_parts(conn: sa.Connection, r: Resolution, chain: Chain) -> None:
    fr, fi, a = schema.federation_rules, schema.federation_issuers, schema.accounts
    rule = conn.execute(sa.select(fr).where(fr.c.source == r.nhi.source,
                                            fr.c.external_id == r.nhi.subject_id)).first()
    if rule is None:
        return
    issuer = conn.execute(sa.select(fi).where(fi.c.source == r.nhi.source,
                                              fi.c.external_id == rule.issuer_id)).first()
    if issuer is not None:
        unhealthy = (issuer.jwks_polling_disabled_at is not None
                     or (issuer.consecutive_failures or 0) > 0 or not issuer.check_jti)
        chain.upstream.append(Node(
            "federation_issuer", issuer.external_id, issuer.name,
            "archived" if issuer.archived_at else "live",
            f"{issuer.issuer_url}; check_jti {'on' if issuer.check_jti else 'off'}; "
            f"{issuer.consecutive_failures or 0} polling failure(s)", warn=unhealthy))
    chain.holds.append(_rule_node(rule))
    if rule.target_service_account_id:
        target = conn.execute(sa.select(a.c.name, a.c.status).where(
            a.c.source == r.nhi.source, a.c.external_id == rule.target_service_account_id)
        ).first()
        chain.holds.append(Node("service_account", rule.target_service_account_id,
                                target.name if target else rule.target_service_account_id,
                                target.status if target else "unknown",
                                "the identity this rule mints tokens for"))


def _deployment_holds(conn: sa.Connection, source: str, deployments: list[Any],
                      chain: Chain) -> None:
    env, vc = schema.agent_environments, schema.vault_credentials
    env_ids = sorted({d.environment_id for d in deployments})
    vault_ids = sorted({v for d in deployments for v in (d.vault_ids or [])})
    for e in conn.execute(sa.select(env).where(env.c.source == source,
                                               env.c.external_id.in_(env_ids))):
        hosts = ", ".join(e.allowed_hosts or []) or "no hosts"
        detail = "any host" if e.networking == "unrestricted" else (
            f"{e.networking}: {hosts}")
        chain.holds.append(Node("environment", e.external_id, e.name,
                                "archived" if e.archived_at else "live", f"egress {detail}",
                                warn=e.networking == "unrestricted"))
    for c in conn.execute(sa.select(vc).where(vc.c.source == source,
                                              vc.c.vault_id.in_(vault_ids),
                                              vc.c.removed_at.is_(None))
                          .order_by(vc.c.display_name)):
        chain.holds.append(Node("vault_credential", c.external_id,
                                c.display_name or c.external_id, str(c.status),
                                str(c.auth_kind).replace("_", " ")
                                + ("" if c.expires_at else "; no expiry"),
                                warn=str(c.status) == "expired", when=c.expires_at,
                                when_label="expires"))


def _deployment_node(d: Any) -> Node:
    schedule = f"cron {d.schedule_expression}" if d.schedule_expression else "on demand"
    status = "archived" if d.archived_at else str(d.status)
    return Node("deployment", d.external_id, d.name, status,
                schedule + ("" if d.last_run_at else "; never ran"), when=d.last_run_at,
                when_label="last run")


def _agent_parts(conn: sa.Connection, r: Resolution, chain: Chain) -> None:
    ag, dp = schema.agents, schema.agent_deployments
    agent = conn.execute(sa.select(ag).where(ag.c.source == r.nhi.source,
                                             ag.c.external_id == r.nhi.subject_id)).first()
    if agent is not None:
        unsupervised = [t["name"] for t in agent.tools or []
                        if t.get("changes_things") and t.get("permission_policy")
                        == "always_allow" and t.get("enabled") is not False]
        if unsupervised:
            chain.holds.append(Node("tools", r.nhi.subject_id, ", ".join(unsupervised),
                                    "always_allow", "change things with no human approval",
                                    warn=True))
    deployments = conn.execute(sa.select(dp).where(
        dp.c.source == r.nhi.source, dp.c.agent_id == r.nhi.subject_id,
        dp.c.removed_at.is_(None)).order_by(dp.c.name)).all()
    chain.runs += [_deployment_node(d) for d in deployments]
    _deployment_holds(conn, r.nhi.source, [d for d in deployments if d.archived_at is None],
                      chain)


def _deployment_parts(conn: sa.Connection, r: Resolution, chain: Chain) -> None:
    ag, dp = schema.agents, schema.agent_deployments
    d = conn.execute(sa.select(dp).where(dp.c.source == r.nhi.source,
                                         dp.c.external_id == r.nhi.subject_id)).first()
    if d is None:
        return
    agent = conn.execute(sa.select(ag.c.name, ag.c.archived_at).where(
        ag.c.source == r.nhi.source, ag.c.external_id == d.agent_id)).first()
    chain.upstream.append(Node("agent", d.agent_id, agent.name if agent else d.agent_id,
                               "archived" if agent is None or agent.archived_at else "live"))
    chain.runs.append(_deployment_node(d))
    _deployment_holds(conn, r.nhi.source, [d], chain)


def chain_for(conn: sa.Connection, config: NhiConfig, source: str, subject_id: str
              ) -> Chain | None:
    """The chain of one NHI, or None when it is not in the store."""
    resolved = {(r.nhi.source, r.nhi.subject_id): r for r in resolve_all(conn, config)}
    r = resolved.get((source, subject_id))
    if r is None:
        return None
    status = "live" if r.nhi.live else "not live"
    seen = last_activity(conn).get((source, subject_id))
    subject = Node(str(r.nhi.kind), r.nhi.subject_id, r.nhi.name, status,
                   when=seen.at if seen else None,
                   when_label=f"last active ({seen.signal})" if seen else "")
    chain = Chain(subject=subject,
                  source=source, basis=str(r.basis), reason=r.reason,
                  provisional=r.provisional, created_at=r.nhi.created_at)
    if r.nhi.kind is NhiKind.SERVICE_ACCOUNT:
        chain.upstream += _rules_targeting(conn, source, subject_id)
        _service_account_parts(conn, r, chain)
    elif r.nhi.kind is NhiKind.WORKLOAD_IDENTITY:
        _rule_parts(conn, r, chain)
    elif r.nhi.kind is NhiKind.AGENT:
        _agent_parts(conn, r, chain)
    elif r.nhi.kind is NhiKind.DEPLOYMENT:
        _deployment_parts(conn, r, chain)
    if r.via is not None:
        up = resolved.get((r.via[0], r.via[2]))
        if up is not None:
            chain.via = Node(str(up.nhi.kind), up.nhi.subject_id, up.nhi.name,
                             "live" if up.nhi.live else "not live")
    chain.sponsor = _person(conn, r.sponsor)
    chain.manager = _manager_of(conn, r.sponsor)
    return chain


def answered_for(conn: sa.Connection, config: NhiConfig, email: str) -> list[Resolution]:
    """Every NHI ``email`` answers for (directly, by succession or inherited)."""
    email = email.lower()
    return [r for r in resolve_all(conn, config) if r.sponsor == email]
