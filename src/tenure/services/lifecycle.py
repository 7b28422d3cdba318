"""Lifecycle use cases: record purposes, and evaluate every trigger after a sync."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from tenure.actions import planner
from tenure.errors import NotFound, TenureError
from tenure.evidence import ledger
from tenure.lifecycle import leaver_targets, movers, purpose_targets, unused_targets
from tenure.reviews.campaigns import CampaignSpec, NoResponse, create_campaign
from tenure.reviews.reviewers import parse_rule
from tenure.reviews.scope import parse_scope
from tenure.services import succession
from tenure.services.context import App
from tenure.services.principal import require_role
from tenure.services.touched import SPONSOR
from tenure.services.web_users import Role
from tenure.store import schema

PU = schema.purposes


def add_purpose(app: App, subject: str, *, reason: str, owner: str,
                until: datetime | None, project: str | None) -> int:
    """Record why a seat, key or grant exists, until when or for which project."""
    if (until is None) == (project is None):
        raise TenureError("give exactly one of --until DATE or --project ID")
    approver = require_role(app, Role.ADMIN, doing="recording a purpose").email
    if not reason.strip() or "@" not in owner:
        raise TenureError("--reason and an --owner email are required")
    with app.engine.begin() as conn:
        kinds = {name: table for name, table in (
            ("account", schema.accounts), ("api_key", schema.credentials),
            ("grant", schema.grants), ("group", schema.groups),
            ("group_member", schema.group_members),
            ("role_assignment", schema.role_assignments))}
        kind = next((name for name, table in kinds.items() if conn.execute(
            sa.select(table.c.id).where(table.c.external_id == subject)).first()), None)
        if kind is None:
            raise NotFound(f"no account, key, grant, group, group membership or role "
                           f"assignment with id {subject!r} (sync first)")
        if project is not None and conn.execute(sa.select(schema.workspaces.c.id).where(
                schema.workspaces.c.external_id == project)).first() is None:
            raise NotFound(f"no workspace/project {project!r}")
        result = conn.execute(PU.insert().values(
            subject_type=kind, subject_ref=subject, reason=reason.strip(),
            owner_email=owner.lower(), approved_by=approver, approved_at=app.wall(),
            expires_at=until, project_id=project, created_at=app.wall(),
            created_by=app.actor))
        (purpose_id,) = result.inserted_primary_key or (0,)
        ledger.append(conn, kind="purpose.added", actor=app.actor,
                      subject=subject, payload={"purpose_id": int(purpose_id),
                                                "subject_type": kind, "reason": reason,
                                                "owner": owner.lower(), "until": until,
                                                "project": project})
    return int(purpose_id)


def list_purposes(app: App) -> list[dict[str, Any]]:
    """Recorded purposes with whether each has ended."""
    ws = schema.workspaces
    archived = sa.select(ws.c.external_id).where(ws.c.status == "archived")
    now = app.now()
    with app.engine.connect() as conn:
        rows = conn.execute(sa.select(PU, PU.c.project_id.in_(archived).label("archived"))
                            .where(PU.c.withdrawn_at.is_(None))
                            .order_by(PU.c.created_at)).mappings().all()
    return [{"id": r["id"], "subject": r["subject_ref"], "subject_type": r["subject_type"],
             "reason": r["reason"], "owner": r["owner_email"], "until": r["expires_at"],
             "project": r["project_id"],
             "ended": bool(r["archived"]) or (r["expires_at"] is not None
                                              and r["expires_at"] <= now)} for r in rows]


@dataclass
class LifecycleReport:
    """What ``tenure lifecycle run`` found and did."""

    plans: list[dict[str, Any]] = field(default_factory=list)
    reviews: list[dict[str, Any]] = field(default_factory=list)
    reported: list[str] = field(default_factory=list)


def _cold(conn: sa.Connection) -> bool:
    """True until the unused-access rule has been evaluated once (ConductorOne's cold start)."""
    return conn.execute(sa.select(schema.ledger_entries.c.seq).where(
        schema.ledger_entries.c.kind == "lifecycle.unused").limit(1)).first() is None


def run_lifecycle(app: App, triggers: tuple[str, ...]) -> LifecycleReport:
    """Evaluate triggers: plans for leaver/purpose/unused, micro-reviews for movers."""
    report = LifecycleReport()
    sponsors_changed = False
    now, cfg, rcfg = app.now(), app.settings.lifecycle, app.settings.revocation
    with app.engine.begin() as conn:
        for trigger in triggers:
            if trigger == "mover":
                report.reviews += _mover_reviews(app, conn, now)
                report.plans += _close_overdue_mover_reviews(app, conn)
                continue
            if trigger == "sponsor":
                report.plans += succession.settle(app, conn)
                report.reviews += [{**r, "trigger": "sponsor"}
                                   for r in succession.pass_on(app, conn, now)]
                sponsors_changed = True
                continue
            if trigger == "leaver":
                targets = leaver_targets(conn, now, cfg)
            elif trigger == "purpose":
                targets = purpose_targets(conn, now)
            elif trigger == "unused":
                targets = unused_targets(conn, now, cfg.unused_days)
                cold = _cold(conn)
                ledger.append(conn, kind="lifecycle.unused", actor=app.actor, now=now,
                              payload={"targets": len(targets), "cold_start": cold,
                                       "mode": cfg.unused_cold_start})
                if cold and cfg.unused_cold_start == "report":
                    report.reported += [f"unused (cold start, not planned): {t.kind} "
                                        f"{t.subject_id} {t.label}" for t in targets]
                    continue
            else:
                raise TenureError(f"unknown trigger {trigger!r}")
            if not targets:
                continue
            plan, notes = planner.build_plan(
                conn, app.settings, targets, origin=f"trigger:{trigger}",
                created_by=app.actor, now=app.wall(), task_owner=rcfg.task_owner,
                task_days=rcfg.task_days)
            report.plans.append({"trigger": trigger, "plan_id": plan.id, "sha256": plan.sha256,
                                 "steps": len(plan.steps), "skipped": notes,
                                 "document": plan.to_json()})
    if sponsors_changed:
        from tenure.services.findings import run_affected_checks

        run_affected_checks(app, {SPONSOR}, trigger="lifecycle:sponsor")
    return report


def _mover_reviews(app: App, conn: sa.Connection, now: datetime) -> list[dict[str, Any]]:
    cfg = app.settings.lifecycle
    opened = []
    seen = {row[0] for row in conn.execute(sa.select(schema.ledger_entries.c.subject).where(
        schema.ledger_entries.c.kind == "lifecycle.mover_review"))}
    for move in movers(conn, now, cfg):
        key = f"{move.person_email}#{','.join(str(i) for i in move.change_ids)}"
        if key in seen:
            continue
        spec = CampaignSpec(
            name=f"Mover review: {move.person_email}",
            scope=parse_scope(f"person:{move.person_email},privileged"),
            due_at=app.wall() + timedelta(days=cfg.mover_grace_days),
            reviewer_rule=parse_rule(f"named:{move.new_manager}", cfg.mover_fallback_reviewer),
            if_no_response=NoResponse.REVOKE, require_justification=True, allow_stale=True)
        campaign_id, population = create_campaign(conn, spec, now=now, actor=app.actor,
                                                   recorded_at=app.wall())
        ledger.append(conn, kind="lifecycle.mover_review", actor=app.actor, now=now,
                      subject=key, payload={"person": move.person_email,
                                            "changes": list(move.change_ids),
                                            "campaign_id": campaign_id,
                                            "reviewer": move.new_manager,
                                            "items": len(population.items)})
        opened.append({"person": move.person_email, "campaign_id": campaign_id,
                       "reviewer": move.new_manager, "items": len(population.items)})
    return opened


def _close_overdue_mover_reviews(app: App, conn: sa.Connection) -> list[dict[str, Any]]:
    """Mover micro-reviews past their deadline close (no response revokes) into a plan.

    The deadline is judged on the wall clock: ``--as-of`` in the future must not close a
    review early and revoke everyone who has not answered yet.
    """
    from tenure.reviews.closing import close

    le, cmp = schema.ledger_entries, schema.campaigns
    opened = [json.loads(p)["campaign_id"] for p in conn.execute(
        sa.select(le.c.payload).where(le.c.kind == "lifecycle.mover_review")).scalars()]
    overdue = conn.execute(sa.select(cmp.c.id).where(
        cmp.c.id.in_(opened), cmp.c.status == "open", cmp.c.due_at <= app.wall())
    ).scalars().all()
    rcfg = app.settings.revocation
    plans = []
    for campaign_id in overdue:
        close(conn, campaign_id, now=app.wall(), actor=app.actor)
        targets = planner.targets_from_campaign(conn, campaign_id)
        if not targets:
            continue
        plan, notes = planner.build_plan(
            conn, app.settings, targets, origin=f"campaign:{campaign_id}",
            created_by=app.actor, now=app.wall(), task_owner=rcfg.task_owner,
            task_days=rcfg.task_days)
        plans.append({"trigger": "mover", "plan_id": plan.id, "sha256": plan.sha256,
                      "steps": len(plan.steps), "skipped": notes, "document": plan.to_json()})
    return plans
