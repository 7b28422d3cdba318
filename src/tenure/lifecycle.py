"""Lifecycle triggers: access ends when its reason ends.

- leaver: a terminated person's seats and the keys they own or created,
- purpose: access whose recorded purpose expired or whose project/workspace was archived,
- unused: seats and keys with no activity for N days (privileged ones need a person's
  confirmation before apply),
- mover: a department/manager change opens a micro-review for the new manager,
- sponsor: a non-human identity whose sponsor left or moved passes provisionally to the
  sponsor's manager, with a one-item review (``tenure.services.succession``).

Each trigger is a set-at-a-time query over the store that yields revocation targets; turning
them into a plan is ``tenure.actions.planner``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from tenure.actions.plan import Target
from tenure.config import LifecycleConfig
from tenure.store import schema

A, C, G, INV, P, PU, W = (schema.accounts, schema.credentials, schema.grants, schema.invites,
                        schema.people, schema.purposes, schema.workspaces)
PRIVILEGED_ROLES = ("admin", "owner", "primary_owner", "membership_admin", "developer")
TRIGGERS = ("leaver", "mover", "sponsor", "purpose", "unused")


def leaver_targets(conn: sa.Connection, now: datetime, config: LifecycleConfig) -> list[Target]:
    """Seats of terminated people (end date + grace passed), the keys they own or made, and
    invitations still open to them (an invite a leaver can accept is a seat in waiting)."""
    cutoff = (now - timedelta(days=config.leaver_grace_days)).date()
    leavers = sa.select(P.c.email, P.c.end_date).where(
        P.c.removed_at.is_(None), P.c.status == "terminated", P.c.end_date <= cutoff
    ).subquery()
    seats = conn.execute(
        sa.select(A.c.source, A.c.tenant, A.c.external_id, A.c.email, A.c.kind,
                  leavers.c.end_date)
        .join(leavers, leavers.c.email == A.c.person_email)
        .where(A.c.removed_at.is_(None)).order_by(A.c.source, A.c.external_id)).all()
    targets = [Target(r.source, str(r.tenant), "account", r.external_id, r.email or r.external_id,
                      "revoke", f"leaver: {r.email} left on {r.end_date}") for r in seats]
    invites = conn.execute(
        sa.select(INV.c.source, INV.c.tenant, INV.c.external_id, INV.c.email, leavers.c.end_date)
        .join(leavers, leavers.c.email == sa.func.lower(INV.c.email))
        .where(INV.c.removed_at.is_(None), INV.c.status == "pending")
        .order_by(INV.c.source, INV.c.external_id)).all()
    targets += [Target(r.source, str(r.tenant), "invite", r.external_id, r.email, "revoke",
                       f"leaver: invitation open to {r.email}, who left on {r.end_date}")
                for r in invites]
    owners = {(r.source, r.external_id): r.email for r in seats}
    if owners:
        keys = conn.execute(
            sa.select(C.c.source, C.c.tenant, C.c.external_id, C.c.name, C.c.owner_id,
                      C.c.creator_id, C.c.owner_type)
            .where(C.c.removed_at.is_(None), C.c.status == "active",
                   sa.or_(C.c.owner_id.in_([k[1] for k in owners]),
                          C.c.creator_id.in_([k[1] for k in owners])))
            .order_by(C.c.source, C.c.external_id)).all()
        for k in keys:
            who = owners.get((k.source, k.owner_id)) or owners.get((k.source, k.creator_id))
            if who is None:
                continue
            if k.owner_type == "service_account":
                # The key serves a service account: its owner decides, it is not silently
                # kept and not blindly archived.
                targets.append(Target(k.source, str(k.tenant), "api_key", k.external_id,
                                      k.name or k.external_id, "review",
                                      f"leaver: {who} created this service-account key; "
                                      "the service account's owner decides whether it stays"))
                continue
            targets.append(Target(k.source, str(k.tenant), "api_key", k.external_id,
                                  k.name or k.external_id, "revoke",
                                  f"leaver: key owned or created by {who}"))
    return targets


def purpose_targets(conn: sa.Connection, now: datetime) -> list[Target]:
    """Access whose purpose expired, or whose purpose's project/workspace was archived."""
    archived = sa.select(W.c.external_id).where(W.c.status == "archived")
    ended = sa.select(PU.c.subject_ref, PU.c.reason, PU.c.expires_at, PU.c.project_id).where(
        PU.c.withdrawn_at.is_(None),
        sa.or_(PU.c.expires_at <= now, PU.c.project_id.in_(archived))).subquery()
    targets: list[Target] = []
    for table, kind, label, active in (
        (A, "account", A.c.email, A.c.removed_at.is_(None)),
        (C, "api_key", C.c.name, sa.and_(C.c.removed_at.is_(None), C.c.status == "active")),
        (G, "grant", G.c.external_id, G.c.removed_at.is_(None)),
    ):
        rows = conn.execute(
            sa.select(table.c.source, table.c.tenant, table.c.external_id, label.label("label"),
                      ended.c.reason, ended.c.expires_at, ended.c.project_id)
            .join(ended, ended.c.subject_ref == table.c.external_id).where(active)
            .order_by(table.c.external_id)).all()
        for r in rows:
            why = (f"purpose expired {r.expires_at.date()}" if r.expires_at is not None
                   and r.expires_at <= now else f"purpose project {r.project_id} archived")
            targets.append(Target(r.source, str(r.tenant), kind, r.external_id,
                                  str(r.label or r.external_id), "revoke",
                                  f"{why}: {r.reason}"))
    return targets


def unused_targets(conn: sa.Connection, now: datetime, days: int) -> list[Target]:
    """Seats and keys older than ``days`` with no activity or usage in the last ``days``."""
    since = now - timedelta(days=days)
    d, u = schema.activity_daily, schema.usage_daily
    seen_accounts = sa.select(d.c.principal_id).where(
        d.c.principal_type == "account", d.c.day >= since.date())
    seen_emails = sa.select(d.c.principal_id).where(
        d.c.principal_type == "email", d.c.day >= since.date())
    privileged = sa.select(G.c.account_id).where(G.c.removed_at.is_(None), G.c.privileged,
                                                 G.c.inherited.is_(False))
    seats = conn.execute(
        sa.select(A.c.source, A.c.tenant, A.c.external_id, A.c.email, A.c.role,
                  A.c.external_id.in_(privileged).label("priv_grant"))
        .where(A.c.removed_at.is_(None), A.c.kind == "user", A.c.created_at <= since,
               A.c.external_id.not_in(seen_accounts),
               sa.or_(A.c.email.is_(None), A.c.email.not_in(seen_emails)))
        .order_by(A.c.source, A.c.external_id)).all()
    targets = [Target(r.source, str(r.tenant), "account", r.external_id, r.email or r.external_id,
                      "revoke", f"unused: no activity in {days} days",
                      requires_confirmation=r.role in PRIVILEGED_ROLES or bool(r.priv_grant))
               for r in seats]
    used_keys = sa.select(u.c.subject_id).where(
        u.c.subject_type == "api_key", u.c.day >= since.date(),
        sa.or_(u.c.requests > 0, u.c.input_tokens + u.c.output_tokens > 0))
    keys = conn.execute(
        sa.select(C.c.source, C.c.tenant, C.c.external_id, C.c.name, C.c.kind)
        .where(C.c.removed_at.is_(None), C.c.status == "active", C.c.created_at <= since,
               C.c.external_id.not_in(used_keys),
               sa.or_(C.c.last_used_at.is_(None), C.c.last_used_at < since))
        .order_by(C.c.source, C.c.external_id)).all()
    targets += [Target(k.source, str(k.tenant), "api_key", k.external_id,
                       k.name or k.external_id, "revoke", f"unused: no usage in {days} days",
                       requires_confirmation=k.kind == "admin_key") for k in keys]
    return targets


@dataclass(frozen=True, slots=True)
class Move:
    """A person whose department or manager changed, with privileged access to re-approve."""

    person_email: str
    change_ids: tuple[int, ...]
    new_manager: str
    observed_at: datetime


def movers(conn: sa.Connection, now: datetime, config: LifecycleConfig) -> list[Move]:
    """Department/manager changes in the window, for people holding privileged access."""
    ch = schema.person_changes
    since = now - timedelta(days=config.mover_window_days)
    privileged_people = sa.select(A.c.person_email).where(
        A.c.removed_at.is_(None), A.c.person_email.is_not(None),
        sa.or_(A.c.role.in_(PRIVILEGED_ROLES), A.c.external_id.in_(
            sa.select(G.c.account_id).where(G.c.removed_at.is_(None), G.c.privileged))))
    rows = conn.execute(
        sa.select(ch.c.id, ch.c.person_email, ch.c.observed_at, P.c.manager_email)
        .join(P, sa.and_(P.c.email == ch.c.person_email, P.c.removed_at.is_(None)))
        .where(ch.c.kind == "mover", ch.c.field.in_(("department", "manager_email")),
               ch.c.observed_at >= since, ch.c.person_email.in_(privileged_people))
        .order_by(ch.c.person_email, ch.c.id)).all()
    grouped: dict[str, list[Any]] = {}
    for r in rows:
        grouped.setdefault(str(r.person_email), []).append(r)
    return [Move(email, tuple(int(r.id) for r in group),
                 str(group[-1].manager_email or config.mover_fallback_reviewer),
                 group[-1].observed_at) for email, group in grouped.items()]
