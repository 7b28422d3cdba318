"""Custom-role assignments to users known only from the Compliance feed (Claude Enterprise).

The Admin API has no read of which RBAC role a user holds (vendor-apis-nhi.md §5.1, §9); the
feed's ``rbac_role_assigned`` / ``rbac_role_unassigned`` events name the role and the principal
(``principal_type`` ``account``). After each Anthropic run the newest such event per (account,
role) in the stored feed decides: assigned → a ``role_assignments`` row with origin
``feed_derived``; unassigned, or no longer in the retained history → retired. One query finds
them (a window over the stored targets, not a loop per account).

Only what the retained feed history shows is known: an assignment made before the oldest event
Tenure holds is not seen. The docs and every path built from these rows say "known from the
activity feed".
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from tenure.model import AssignmentOrigin, PrincipalKind, RoleAssignment, ScopeType
from tenure.store import schema, writers
from tenure.store.access_writers import role_assignment_row

ASSIGNED, UNASSIGNED = "rbac_role_assigned", "rbac_role_unassigned"
ACCOUNT_TYPES = ("account", "user")


def derive(conn: sa.Connection, *, source: str, tenant: str, run_id: str,
           now: datetime) -> int:
    """Upsert the feed-derived assignments of ``source``/``tenant`` and retire the rest."""
    t, act = schema.activity_targets, schema.activities
    newest = sa.func.row_number().over(
        partition_by=(t.c.target_id, t.c.role),
        order_by=(t.c.occurred_at.desc(), t.c.external_id.desc())).label("n")
    events = (
        sa.select(t.c.target_id, t.c.role, act.c.action, t.c.occurred_at, newest)
        .select_from(t.join(act, sa.and_(
            act.c.source == t.c.source, act.c.tenant == t.c.tenant,
            act.c.occurred_at == t.c.occurred_at, act.c.external_id == t.c.external_id)))
        .where(t.c.source == source, t.c.tenant == tenant,
               t.c.target_type.in_(ACCOUNT_TYPES), t.c.target_id.is_not(None),
               t.c.role.is_not(None), act.c.action.in_([ASSIGNED, UNASSIGNED]))
        .subquery("role_events"))
    rows = conn.execute(sa.select(events.c.target_id, events.c.role, events.c.occurred_at)
                        .where(events.c.n == 1, events.c.action == ASSIGNED)).all()
    assignments = [RoleAssignment(
        PrincipalKind.SERVICE_ACCOUNT if str(who).startswith("svac_") else PrincipalKind.USER,
        str(who), str(role), scope_type=ScopeType.ORGANIZATION, scope_id=tenant,
        origin=AssignmentOrigin.FEED_DERIVED, assigned_at=when) for who, role, when in rows]
    ra = schema.role_assignments
    writers.upsert_snapshot(conn, ra, [role_assignment_row(a) for a in assignments],
                            source=source, tenant=tenant, run_id=run_id, now=now)
    conn.execute(ra.update().where(
        ra.c.source == source, ra.c.tenant == tenant, ra.c.removed_at.is_(None),
        ra.c.origin == str(AssignmentOrigin.FEED_DERIVED), ra.c.sync_run_id != run_id)
        .values(removed_at=now, removed_run_id=run_id))
    return len(assignments)
