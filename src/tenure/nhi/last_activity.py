"""When each non-human identity last acted, and which signal says so (set-at-a-time).

The signals are the ones ``service-account-dormant`` judges by, read as a latest time instead
of a yes/no in a window: feed events as the service account, its keys' ``last_used_at`` and
usage-report days, and federated logins naming it (or naming the rule that was used); for
managed agents, their deployments' last run. One grouped query per signal, whatever the size.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

import sqlalchemy as sa

from tenure.checks.sql import used
from tenure.model import AccountKind, OwnerKind
from tenure.store import schema

FEDERATED_LOGIN = "platform_federated_authentication"


@dataclass(frozen=True, slots=True)
class LastActivity:
    """The latest sign of life of one NHI."""

    at: datetime
    signal: str


Key = tuple[str, str]
"""(source, subject id)."""


def _as_datetime(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime.combine(value, time.min, tzinfo=UTC)
    if isinstance(value, str) and value:
        parsed = datetime.fromisoformat(value)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def _keep_latest(out: dict[Key, LastActivity], rows: Iterable[Any], signal: str) -> None:
    for source, subject_id, at in rows:
        when = _as_datetime(at)
        if when is None or subject_id is None:
            continue
        key = (str(source), str(subject_id))
        if key not in out or when > out[key].at:
            out[key] = LastActivity(when, signal)


def last_activity(conn: sa.Connection) -> dict[Key, LastActivity]:
    """(source, subject id) → the latest activity of every NHI that shows any."""
    a, c, ad, u = schema.accounts, schema.credentials, schema.activity_daily, schema.usage_daily
    act, tgt, dp = schema.activities, schema.activity_targets, schema.agent_deployments
    service_accounts = sa.select(a.c.external_id).where(
        a.c.kind == str(AccountKind.SERVICE_ACCOUNT), a.c.removed_at.is_(None))
    sa_keys = sa.and_(c.c.owner_type == str(OwnerKind.SERVICE_ACCOUNT),
                      c.c.removed_at.is_(None))
    out: dict[Key, LastActivity] = {}
    _keep_latest(out, conn.execute(
        sa.select(ad.c.source, ad.c.principal_id, sa.func.max(ad.c.last_at))
        .where(ad.c.principal_type == "account", ad.c.principal_id.in_(service_accounts))
        .group_by(ad.c.source, ad.c.principal_id)), "acted as itself (activity feed)")
    _keep_latest(out, conn.execute(
        sa.select(c.c.source, c.c.owner_id, sa.func.max(c.c.last_used_at))
        .where(sa_keys, c.c.last_used_at.is_not(None))
        .group_by(c.c.source, c.c.owner_id)), "one of its keys was used")
    _keep_latest(out, conn.execute(
        sa.select(c.c.source, c.c.owner_id, sa.func.max(u.c.day))
        .join(u, sa.and_(u.c.source == c.c.source, u.c.subject_type == "api_key",
                         u.c.subject_id == c.c.external_id))
        .where(sa_keys, used())
        .group_by(c.c.source, c.c.owner_id)), "one of its keys used tokens (usage report)")
    # A federated login names the service account it became and the rule it used (targets).
    _keep_latest(out, conn.execute(
        sa.select(tgt.c.source, tgt.c.target_id, sa.func.max(tgt.c.occurred_at))
        .join(act, sa.and_(act.c.source == tgt.c.source, act.c.tenant == tgt.c.tenant,
                           act.c.occurred_at == tgt.c.occurred_at,
                           act.c.external_id == tgt.c.external_id))
        .where(act.c.action == FEDERATED_LOGIN)
        .group_by(tgt.c.source, tgt.c.target_id)), "federated login")
    _keep_latest(out, conn.execute(
        sa.select(act.c.source, act.c.target_id, sa.func.max(act.c.occurred_at))
        .where(act.c.action == FEDERATED_LOGIN, act.c.target_id.is_not(None))
        .group_by(act.c.source, act.c.target_id)), "federated login")
    _keep_latest(out, conn.execute(
        sa.select(dp.c.source, dp.c.external_id, dp.c.last_run_at)
        .where(dp.c.removed_at.is_(None), dp.c.last_run_at.is_not(None))), "last run")
    _keep_latest(out, conn.execute(
        sa.select(dp.c.source, dp.c.agent_id, sa.func.max(dp.c.last_run_at))
        .where(dp.c.removed_at.is_(None), dp.c.last_run_at.is_not(None))
        .group_by(dp.c.source, dp.c.agent_id)), "a deployment of it ran")
    return out
