"""Review items for non-human identities: agents, deployments and federation rules as items
of their own, and for every service account (and key a service account owns) who answers for
it, what it can reach and what it did. A fixed number of queries whatever the population."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from tenure.model import OwnerKind
from tenure.reviews.context import (
    FindingRef,
    ItemSnapshot,
    PersonContext,
    SponsorContext,
    UsageContext,
)
from tenure.reviews.scope import Scope, SubjectKind
from tenure.store import schema

NA = schema.nhi_accountability
FR, AG, DP, ENV, VC = (schema.federation_rules, schema.agents, schema.agent_deployments,
                       schema.agent_environments, schema.vault_credentials)
OWN_ITEMS = (SubjectKind.AGENT, SubjectKind.DEPLOYMENT, SubjectKind.WORKLOAD_IDENTITY)


def _day(value: datetime | None) -> str:
    return value.date().isoformat() if value else "never"


class NhiContext:
    """Everything the NHI items need, read once."""

    def __init__(self, conn: sa.Connection, people: dict[str, PersonContext]) -> None:
        self.people = people
        self.accountable = {(r["source"], r["subject_id"]): dict(r) for r in
                            conn.execute(sa.select(NA)).mappings()}
        self.rules = [dict(r) for r in conn.execute(
            sa.select(FR).where(FR.c.removed_at.is_(None))).mappings()]
        self.agents = {(r["source"], r["external_id"]): dict(r) for r in conn.execute(
            sa.select(AG).where(AG.c.removed_at.is_(None))).mappings()}
        self.deployments = [dict(r) for r in conn.execute(
            sa.select(DP).where(DP.c.removed_at.is_(None))).mappings()]
        self.environments = {(r["source"], r["external_id"]): dict(r) for r in conn.execute(
            sa.select(ENV).where(ENV.c.removed_at.is_(None))).mappings()}
        self.credentials: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        for r in conn.execute(sa.select(VC).where(VC.c.removed_at.is_(None),
                                                  VC.c.archived_at.is_(None))).mappings():
            self.credentials[(r["source"], r["vault_id"])].append(dict(r))
        self.rules_of: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        for rule in self.rules:
            if rule["target_service_account_id"]:
                self.rules_of[(rule["source"], rule["target_service_account_id"])].append(rule)
        self.deployments_of: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        for d in self.deployments:
            self.deployments_of[(d["source"], d["agent_id"])].append(d)

    def sponsor(self, source: str, subject_id: str) -> SponsorContext | None:
        row = self.accountable.get((source, subject_id))
        if row is None:
            return None
        return SponsorContext(row["sponsor_email"], row["basis"], row["reason"],
                              bool(row["provisional"]),
                              self.people.get(row["sponsor_email"] or ""))

    def deployment_reach(self, deployments: list[dict[str, Any]]) -> list[str]:
        out = []
        for d in deployments:
            if d["archived_at"] is not None:
                continue
            env = self.environments.get((d["source"], d["environment_id"]))
            if env is not None:
                hosts = ", ".join(env["allowed_hosts"] or []) or "no hosts"
                egress = "any host" if env["networking"] == "unrestricted" else hosts
                out.append(f"{d['name']}: egress {egress} (environment {env['name']})")
            creds = [c["display_name"] or c["external_id"] for v in d["vault_ids"] or []
                     for c in self.credentials.get((d["source"], v), [])]
            if creds:
                out.append(f"{d['name']}: secrets {', '.join(sorted(creds))}")
        return out

    def reach_of(self, kind: str, source: str, subject_id: str) -> list[str]:
        if kind == SubjectKind.SERVICE_ACCOUNT:
            return [f"federation rule {r['name']}: {r['oauth_scope']}"
                    + (" in all workspaces" if r["applies_to_all_workspaces"] else "")
                    for r in self.rules_of.get((source, subject_id), [])
                    if r["archived_at"] is None]
        if kind == SubjectKind.AGENT:
            agent = self.agents.get((source, subject_id)) or {}
            tools = [f"{t.get('name')} ({t.get('permission_policy') or 'caller-run'})"
                     for t in agent.get("tools") or [] if t.get("enabled") is not False]
            return ([f"tools: {', '.join(tools)}"] if tools else []) + self.deployment_reach(
                self.deployments_of.get((source, subject_id), []))
        if kind == SubjectKind.DEPLOYMENT:
            return self.deployment_reach([d for d in self.deployments
                                          if (d["source"], d["external_id"])
                                          == (source, subject_id)])
        if kind == SubjectKind.WORKLOAD_IDENTITY:
            rule = next((r for r in self.rules if (r["source"], r["external_id"])
                         == (source, subject_id)), None)
            if rule is None:
                return []
            where = ("all workspaces" if rule["applies_to_all_workspaces"]
                     else f"{len(rule['workspace_ids'] or [])} workspace(s)")
            return [f"scope {rule['oauth_scope']} in {where}",
                    f"subject {rule['subject_prefix'] or 'any'}",
                    f"becomes service account {rule['target_service_account_id']}"]
        return []

    def did_of(self, kind: str, source: str, subject_id: str) -> list[str]:
        if kind == SubjectKind.AGENT:
            runs = self.deployments_of.get((source, subject_id), [])
            return [f"deployment {d['name']}: {d['status']}, last run {_day(d['last_run_at'])}"
                    for d in runs]
        if kind == SubjectKind.DEPLOYMENT:
            d = next((d for d in self.deployments if (d["source"], d["external_id"])
                      == (source, subject_id)), None)
            if d is None:
                return []
            schedule = (f"cron {d['schedule_expression']}" if d["schedule_expression"]
                        else "on demand")
            return [f"{schedule}; last run {_day(d['last_run_at'])}"
                    + (f" (error {d['last_run_error']})" if d["last_run_error"] else "")]
        return []


def _item(ctx: NhiContext, kind: SubjectKind, row: dict[str, Any], findings: list[FindingRef],
          workspaces: dict[tuple[str, str], tuple[str, str]]) -> ItemSnapshot:
    source, subject_id = row["source"], row["external_id"]
    if kind is SubjectKind.WORKLOAD_IDENTITY:
        role = row["oauth_scope"]
        privileged = "org:admin" in role.split() or bool(row["applies_to_all_workspaces"])
        status = "archived" if row["archived_at"] else "live"
    elif kind is SubjectKind.AGENT:
        role = row["model"] or "agent"
        privileged = any(t.get("changes_things") and t.get("permission_policy")
                         == "always_allow" for t in row["tools"] or [])
        status = "archived" if row["archived_at"] else "live"
    else:
        role = "deployment"
        privileged = False
        status = "archived" if row["archived_at"] else str(row["status"])
    ws_id = row.get("workspace_id")
    ws = workspaces.get((source, ws_id)) if ws_id else None
    return ItemSnapshot(
        kind=str(kind), source=source, tenant=row["tenant"], subject_id=subject_id,
        label=row["name"] or subject_id, email=None, role=role, status=status,
        created_at=row["created_at"] or row["first_seen_at"], privileged=privileged,
        grants=[], workspace=ws[0] if ws else ws_id, workspace_status=ws[1] if ws else None,
        person=None, owner=None, usage=UsageContext(known=True), findings=findings,
        purpose=None, groups=[], sponsor=ctx.sponsor(source, subject_id),
        reach=ctx.reach_of(str(kind), source, subject_id),
        did=ctx.did_of(str(kind), source, subject_id))


def own_items(conn: sa.Connection, scope: Scope, ctx: NhiContext,
              findings: dict[tuple[str, str], list[FindingRef]],
              workspaces: dict[tuple[str, str], tuple[str, str]]) -> list[ItemSnapshot]:
    """Items for agents, deployments and federation rules in scope (live ones only)."""
    out: list[ItemSnapshot] = []
    kinds = set(scope.kinds)
    tables = ((SubjectKind.AGENT, AG, AG.c.archived_at.is_(None)),
              (SubjectKind.DEPLOYMENT, DP, DP.c.archived_at.is_(None)),
              (SubjectKind.WORKLOAD_IDENTITY, FR, FR.c.archived_at.is_(None)))
    for kind, table, live in tables:
        if kind not in kinds:
            continue
        query = sa.select(table).where(table.c.removed_at.is_(None), live)
        if scope.sources:
            query = query.where(table.c.source.in_(scope.sources))
        if scope.subjects:
            query = query.where(table.c.external_id.in_(scope.subjects))
        for row in conn.execute(query).mappings():
            out.append(_item(ctx, kind, dict(row),
                             findings.get((row["source"], row["external_id"]), []),
                             workspaces))
    return out


def enrich(snap: ItemSnapshot, ctx: NhiContext, key_owner: dict[tuple[str, str], str]
           ) -> ItemSnapshot:
    """A service account's item, or a key a service account owns, with its sponsor, reach
    and activity in words."""
    if snap.kind == SubjectKind.SERVICE_ACCOUNT:
        u = snap.usage
        did = [f"{u.events_90d.get(c, 0)} {c} event(s) in 90 days as itself"
               for c in sorted(u.events_90d)] or ["no activity as itself in 90 days"]
        return replace(snap, sponsor=ctx.sponsor(snap.source, snap.subject_id),
                       reach=[*(f"workspace role {g}" for g in snap.grants),
                              *ctx.reach_of(snap.kind, snap.source, snap.subject_id)],
                       did=did)
    owner = key_owner.get((snap.source, snap.subject_id))
    if snap.kind == SubjectKind.API_KEY and owner is not None:
        return replace(snap, sponsor=ctx.sponsor(snap.source, owner))
    return snap


def service_account_keys(conn: sa.Connection) -> dict[tuple[str, str], str]:
    """(source, key id) → owning service account id, for every key a service account owns."""
    c = schema.credentials
    return {(r.source, r.external_id): r.owner_id for r in conn.execute(
        sa.select(c.c.source, c.c.external_id, c.c.owner_id).where(
            c.c.owner_type == str(OwnerKind.SERVICE_ACCOUNT), c.c.removed_at.is_(None)))}
