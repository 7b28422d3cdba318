"""Every non-human identity in the store, read set-at-a-time (one query per kind).

An NHI is a service account (Anthropic organization service accounts, OpenAI project service
accounts, OpenAI users the vendor flags ``is_service_account``), a workload-identity
federation rule, a managed agent or one of its deployments. Each row carries what sponsor
resolution needs: whether it is live, the vendor's creator, the owner its own metadata names
by convention, and (deployments, rules) the identity it hangs off.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from tenure.config import NhiConfig
from tenure.model import AccountKind, DeploymentStatus, NhiKind
from tenure.store import schema

A = schema.accounts

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True, slots=True)
class Nhi:
    """One non-human identity as sponsor resolution and the chain see it."""

    source: str
    tenant: str
    kind: NhiKind
    subject_id: str
    name: str
    live: bool
    """Still able to act: not archived or removed (a paused deployment is not live)."""
    created_at: datetime | None = None
    creator_id: str | None = None
    """The vendor's ``created_by_actor_id`` (``user_…`` or ``svac_…``), when it names one."""
    convention_owner: str | None = None
    """The sponsor the identity's own metadata names under the configured convention."""
    parent: tuple[NhiKind, str] | None = None
    """The identity this one answers through when nobody is named for it: a deployment's
    agent, a federation rule's target service account."""


def convention_email(value: object) -> str | None:
    """``value`` as a sponsor email when it looks like one (lower-cased), else None."""
    if not isinstance(value, str):
        return None
    text = value.strip().lower()
    return text if EMAIL.match(text) else None


def description_owner(description: object, tag: str) -> str | None:
    """The email after ``tag`` in a description (``owner:alice@example.com``), if any."""
    if not isinstance(description, str) or not description:
        return None
    match = re.search(re.escape(tag) + r"\s*([^\s,;()]+)", description, flags=re.IGNORECASE)
    return convention_email(match.group(1)) if match else None


def metadata_owner(metadata: object, key: str) -> str | None:
    """The email under ``key`` in a vendor metadata object, if any."""
    if not isinstance(metadata, Mapping):
        return None
    return convention_email(metadata.get(key))


def _attr(attributes: Mapping[str, Any] | None, *names: str) -> Any:
    for name in names:
        if attributes and attributes.get(name) not in (None, ""):
            return attributes[name]
    return None


CREATION_EVENTS = ("service_account.created",)
"""Audit-log events whose actor created the service account they name (OpenAI's: its
service accounts carry no creator field)."""


def _created_by_events(conn: sa.Connection, ids: list[str]) -> dict[tuple[str, str], str]:
    """(source, service account id) → the actor of its creation event, through the indexed
    targets (one query)."""
    if not ids:
        return {}
    t, act = schema.activity_targets, schema.activities
    rows = conn.execute(
        sa.select(t.c.source, t.c.target_id, act.c.actor_id)
        .join(act, sa.and_(act.c.source == t.c.source, act.c.tenant == t.c.tenant,
                           act.c.occurred_at == t.c.occurred_at,
                           act.c.external_id == t.c.external_id))
        .where(t.c.target_id.in_(ids), act.c.action.in_(CREATION_EVENTS),
               act.c.actor_id.is_not(None))
        .order_by(t.c.occurred_at))
    return {(r.source, r.target_id): r.actor_id for r in rows}


def service_accounts(conn: sa.Connection, config: NhiConfig) -> list[Nhi]:
    """Service accounts of every platform (two queries); the creator is the vendor's
    ``created_by_actor_id``, else the actor of the audit log's creation event."""
    rows = conn.execute(
        sa.select(A.c.source, A.c.tenant, A.c.external_id, A.c.name, A.c.email, A.c.status,
                  A.c.created_at, A.c.attributes, A.c.removed_at)
        .where(A.c.kind == str(AccountKind.SERVICE_ACCOUNT), A.c.removed_at.is_(None))
        .order_by(A.c.source, A.c.external_id)).mappings().all()
    created_by = _created_by_events(conn, [r["external_id"] for r in rows
                                           if not _attr(r["attributes"], "created_by_actor_id",
                                                        "created_by")])
    out = []
    for r in rows:
        attributes = r["attributes"] or {}
        archived = _attr(attributes, "archived_at") is not None or r["status"] == "archived"
        out.append(Nhi(
            source=r["source"], tenant=str(r["tenant"]), kind=NhiKind.SERVICE_ACCOUNT,
            subject_id=r["external_id"], name=r["name"] or r["email"] or r["external_id"],
            live=r["removed_at"] is None and r["status"] == "active" and not archived,
            created_at=r["created_at"],
            creator_id=(_attr(attributes, "created_by_actor_id", "created_by")
                        or created_by.get((r["source"], r["external_id"]))),
            convention_owner=description_owner(_attr(attributes, "description"),
                                               config.description_tag)))
    return out


def federation_rules(conn: sa.Connection, config: NhiConfig) -> list[Nhi]:
    """Workload-identity federation rules (one query); a rule answers through its target
    service account when nobody is named for it."""
    fr = schema.federation_rules
    rows = conn.execute(
        sa.select(fr.c.source, fr.c.tenant, fr.c.external_id, fr.c.name, fr.c.description,
                  fr.c.created_at, fr.c.created_by_actor_id, fr.c.archived_at,
                  fr.c.removed_at, fr.c.target_service_account_id)
        .where(fr.c.removed_at.is_(None)).order_by(fr.c.source, fr.c.external_id))
    return [Nhi(source=r.source, tenant=str(r.tenant), kind=NhiKind.WORKLOAD_IDENTITY,
                subject_id=r.external_id, name=r.name or r.external_id,
                live=r.archived_at is None and r.removed_at is None, created_at=r.created_at,
                creator_id=r.created_by_actor_id,
                convention_owner=description_owner(r.description, config.description_tag),
                parent=((NhiKind.SERVICE_ACCOUNT, r.target_service_account_id)
                        if r.target_service_account_id else None))
            for r in rows]


def agents(conn: sa.Connection, config: NhiConfig) -> list[Nhi]:
    """Managed agents (one query): the vendor names no creator, only metadata."""
    ag = schema.agents
    rows = conn.execute(
        sa.select(ag.c.source, ag.c.tenant, ag.c.external_id, ag.c.name, ag.c.metadata,
                  ag.c.created_at, ag.c.archived_at, ag.c.removed_at)
        .where(ag.c.removed_at.is_(None)).order_by(ag.c.source, ag.c.external_id))
    return [Nhi(source=r.source, tenant=str(r.tenant), kind=NhiKind.AGENT,
                subject_id=r.external_id, name=r.name or r.external_id,
                live=r.archived_at is None and r.removed_at is None, created_at=r.created_at,
                convention_owner=metadata_owner(r.metadata, config.owner_metadata_key))
            for r in rows]


def deployments(conn: sa.Connection, config: NhiConfig) -> list[Nhi]:
    """Managed-agent deployments (one query); live while active (a paused or archived one
    runs nothing); a deployment answers through its agent when nobody is named for it."""
    dp = schema.agent_deployments
    rows = conn.execute(
        sa.select(dp.c.source, dp.c.tenant, dp.c.external_id, dp.c.name, dp.c.metadata,
                  dp.c.created_at, dp.c.archived_at, dp.c.removed_at, dp.c.status,
                  dp.c.agent_id)
        .where(dp.c.removed_at.is_(None)).order_by(dp.c.source, dp.c.external_id))
    return [Nhi(source=r.source, tenant=str(r.tenant), kind=NhiKind.DEPLOYMENT,
                subject_id=r.external_id, name=r.name or r.external_id,
                live=(r.archived_at is None and r.removed_at is None
                      and r.status == str(DeploymentStatus.ACTIVE)),
                created_at=r.created_at,
                convention_owner=metadata_owner(r.metadata, config.owner_metadata_key),
                parent=(NhiKind.AGENT, r.agent_id))
            for r in rows]


def all_nhis(conn: sa.Connection, config: NhiConfig) -> list[Nhi]:
    """Every NHI in the store, a fixed number of queries whatever the size."""
    return (service_accounts(conn, config) + federation_rules(conn, config)
            + agents(conn, config) + deployments(conn, config))
