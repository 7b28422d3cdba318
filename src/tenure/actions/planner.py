"""Turning targets (campaign outcomes, failing findings, lifecycle triggers) into a stored plan."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from tenure.actions import agent_states, nhi_states
from tenure.actions.access import access_states
from tenure.actions.plan import ManualTask, Plan, Step, Target
from tenure.actions.providers import load_builtin_providers
from tenure.config import Settings
from tenure.errors import NotFound, TenureError
from tenure.evidence import ledger
from tenure.store import schema

A, C, G, INV = schema.accounts, schema.credentials, schema.grants, schema.invites
StateKey = tuple[str, str, str]


def current_states(conn: sa.Connection, keys: Iterable[StateKey]) -> dict[StateKey, dict[str, Any]]:
    """The stored state of each (source, kind, subject_id), one query per subject kind."""
    keys = list(keys)
    wanted: dict[str, set[str]] = {"account": set(), "api_key": set(), "grant": set(),
                                   "invite": set()}
    for _, kind, subject in keys:
        wanted.setdefault("account" if kind == "service_account" else kind, set()).add(subject)
    out: dict[StateKey, dict[str, Any]] = {}
    if wanted["account"]:
        for r in conn.execute(sa.select(A).where(A.c.external_id.in_(wanted["account"])))\
                .mappings():
            state = {"kind": r["kind"], "role": r["role"], "status": r["status"],
                     "removed": r["removed_at"] is not None}
            if (r["attributes"] or {}).get("project_id"):  # an OpenAI project service account
                state["project_id"] = r["attributes"]["project_id"]
            if (r["attributes"] or {}).get("is_scim_managed") is True:
                state["scim_managed"] = True  # the IdP provisions it: revoke there
            kind = "service_account" if r["kind"] == "service_account" else "account"
            out[(r["source"], kind, r["external_id"])] = state
    if wanted["api_key"]:
        for r in conn.execute(sa.select(C).where(C.c.external_id.in_(wanted["api_key"])))\
                .mappings():
            out[(r["source"], "api_key", r["external_id"])] = {
                "kind": r["kind"], "status": r["status"], "removed": r["removed_at"] is not None,
                "owner_id": r["owner_id"], "creator_id": r["creator_id"],
                "owner_type": r["owner_type"], "workspace_id": r["workspace_id"]}
    if wanted["grant"]:
        for r in conn.execute(sa.select(G).where(G.c.external_id.in_(wanted["grant"])))\
                .mappings():
            out[(r["source"], "grant", r["external_id"])] = {
                "account_id": r["account_id"], "scope_type": r["scope_type"],
                "scope_id": r["scope_id"], "role": r["role"], "inherited": r["inherited"],
                "removed": r["removed_at"] is not None}
    if wanted["invite"]:
        for r in conn.execute(sa.select(INV).where(INV.c.external_id.in_(wanted["invite"])))\
                .mappings():
            out[(r["source"], "invite", r["external_id"])] = {
                "email": r["email"], "role": r["role"], "status": r["status"],
                "removed": r["removed_at"] is not None}
    nhi_states.enrich(conn, out, keys)
    out.update(access_states(conn, wanted))  # group members and role assignments
    agent_states.enrich(conn, out, keys)
    return out


def already_revoked(kind: str, state: dict[str, Any]) -> bool:
    """Nothing left to revoke: removed from the platform, archived (a service account or a
    federation rule), an inactive key, or an invite that can no longer be accepted."""
    if state.get("removed") or state.get("archived"):
        return True
    return (kind == "api_key" and state.get("status") in ("inactive", "archived", "expired")) \
        or (kind == "invite" and state.get("status") == "expired")


def build_plan(
    conn: sa.Connection, settings: Settings, targets: Sequence[Target], *, origin: str,
    created_by: str, now: datetime, task_owner: str, task_days: int = 7,
    actor: str | None = None,
) -> tuple[Plan, list[str]]:
    """Plan the targets, store the plan and its journal rows, and ledger it.

    ``created_by`` is the planner as stored on the plan (an authenticated person's email, or
    the host for scheduled runs); ``actor`` the ledger actor (default ``created_by``).

    Returns the plan and notes on targets left out (already revoked, unknown).
    """
    providers = load_builtin_providers()
    states = current_states(conn, [(t.source, t.kind, t.subject_id) for t in targets])
    steps: list[Step] = []
    notes: list[str] = []
    seen: set[tuple[str, str, str, str]] = set()
    due = (now + timedelta(days=task_days)).date().isoformat()
    for target in targets:
        key = (target.source, target.kind, target.subject_id, target.operation)
        if key in seen:
            continue
        seen.add(key)
        state = states.get((target.source, target.kind, target.subject_id))
        if state is None:
            notes.append(f"{target.kind} {target.subject_id}: not in the store; skipped")
            continue
        if already_revoked(target.kind, state):
            notes.append(f"{target.kind} {target.subject_id}: already revoked; skipped")
            continue
        if target.operation == "review":
            steps.append(Step(index=len(steps), target=target, action="manual", args={},
                              call=None, manual=ManualTask(owner=task_owner, due=due,
                                                           why=target.reason), state=state))
            continue
        source_type = settings.source(target.source).type
        if source_type not in providers:
            raise TenureError(f"source {target.source!r} ({source_type}) has no revocation "
                              "support yet")
        planned = providers.get(source_type).plan(target, state, task_owner=task_owner,
                                                 task_due=due, policy=settings.revocation,
                                                 source=settings.source(target.source))
        for one in (planned, *planned.then):
            steps.append(Step(index=len(steps), target=target, action=one.action,
                              args=one.args, call=one.call, manual=one.manual, state=state))
    plan = Plan(id="plan_" + uuid.uuid4().hex[:16], created_at=now, created_by=created_by,
                origin=origin, steps=steps)
    conn.execute(schema.revocation_plans.insert().values(
        id=plan.id, sha256=plan.sha256, origin=origin, document=plan.document(),
        status="planned", created_at=now, created_by=created_by))
    if steps:
        conn.execute(schema.plan_actions.insert(), [
            {"plan_id": plan.id, "step_index": s.index, "source": s.target.source,
             "kind": s.target.kind, "subject_id": s.target.subject_id, "action": s.action,
             "status": "planned", "detail": ""} for s in steps])
    ledger.append(conn, kind="plan.created", actor=actor or created_by, subject=plan.id,
                  payload={"plan_id": plan.id, "sha256": plan.sha256, "origin": origin,
                           "planner": created_by, "steps": len(steps),
                           "api_calls": sum(1 for s in steps if s.call is not None),
                           "manual_tasks": sum(1 for s in steps if s.manual is not None),
                           "skipped": notes})
    return plan, notes


def targets_from_campaign(conn: sa.Connection, campaign_id: str) -> list[Target]:
    """The revoke and reduce outcomes of a closed campaign."""
    row = conn.execute(sa.select(schema.campaigns.c.status, schema.campaigns.c.plan).where(
        schema.campaigns.c.id == campaign_id)).first()
    if row is None:
        raise NotFound(f"no campaign {campaign_id!r}")
    if row.status != "closed" or row.plan is None:
        raise TenureError(f"campaign {campaign_id} is not closed yet (tenure review close)")
    return [Target(source=p["source"], tenant=p["tenant"], kind=p["kind"],
                   subject_id=p["subject_id"], label=p["label"], operation=p["action"],
                   reason=f"campaign {campaign_id}: {p['reason']}",
                   target_role=p.get("target_role")) for p in row.plan]


REDUCING_CHECKS = frozenset({"privileged-without-purpose"})
"""Checks whose fix is a downgrade rather than removal."""
GROUP_PATH_CHECKS = frozenset({"privilege-via-group"})
"""Checks whose fix is the group membership named in the finding's evidence."""


def targets_from_check(conn: sa.Connection, check_id: str, now: datetime) -> list[Target]:
    """Every open, unmuted failing finding of a check (a muted finding is an accepted risk)."""
    f, m = schema.findings, schema.finding_mutes
    muted = sa.select(m.c.finding_id).where(m.c.expired_at.is_(None), m.c.until > now)
    rows = conn.execute(
        sa.select(f.c.id, f.c.source, f.c.subject_type, f.c.subject_id, f.c.subject_email,
                  f.c.evidence)
        .where(f.c.check_id == check_id, f.c.status == "fail", f.c.id.not_in(muted))
        .order_by(f.c.subject_id)).all()
    operation = "reduce" if check_id in REDUCING_CHECKS else "revoke"
    tenants = dict(conn.execute(sa.select(schema.sync_runs.c.source, schema.sync_runs.c.tenant)
                                .distinct()).all())
    if check_id in GROUP_PATH_CHECKS:
        # The fix is the group membership the access comes through, never the seat.
        return [Target(source=r.source, tenant=tenants.get(r.source, r.source),
                       kind="group_member", subject_id=f"{group_id}:{r.subject_id}",
                       label=f"{r.subject_email or r.subject_id} in group {name}",
                       operation="revoke", reason=f"finding {r.id} ({check_id})")
                for r in rows
                for group_id, name in zip((r.evidence or {}).get("group_ids", []),
                                          (r.evidence or {}).get("groups", []), strict=False)]
    return [Target(source=r.source, tenant=tenants.get(r.source, r.source),
                   kind=r.subject_type, subject_id=r.subject_id,
                   label=r.subject_email or r.subject_id, operation=operation,
                   reason=f"finding {r.id} ({check_id})") for r in rows]
