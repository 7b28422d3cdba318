"""The stored state of managed-agent revocation targets (agents, deployments, vault
credentials), read set-at-a-time for the planner and re-read by apply's staleness check: the
workspace decides which credential can act, an agent's live deployments are what a reduce
pauses, and the accountable person is who a manual task goes to."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from tenure.model import DeploymentStatus, NhiKind
from tenure.store import schema

AG, DP, VC = schema.agents, schema.agent_deployments, schema.vault_credentials
N = schema.nhi_accountability
StateKey = tuple[str, str, str]
AGENT, DEPLOYMENT, CREDENTIAL = (str(NhiKind.AGENT), str(NhiKind.DEPLOYMENT),
                                 str(NhiKind.VAULT_CREDENTIAL))
KINDS = frozenset({AGENT, DEPLOYMENT, CREDENTIAL})


def _sponsors(conn: sa.Connection, kind: str, ids: set[str]) -> dict[tuple[str, str], str]:
    rows = conn.execute(sa.select(N.c.source, N.c.subject_id, N.c.sponsor_email).where(
        N.c.subject_type == kind, N.c.subject_id.in_(ids), N.c.sponsor_email.is_not(None)))
    return {(r.source, r.subject_id): r.sponsor_email for r in rows}


def enrich(conn: sa.Connection, states: dict[StateKey, dict[str, Any]],
           keys: Iterable[StateKey]) -> None:
    """Add the states of agent, deployment and vault-credential targets to ``states``."""
    wanted: dict[str, set[str]] = {kind: set() for kind in KINDS}
    for _, kind, subject in keys:
        if kind in KINDS:
            wanted[kind].add(subject)
    if wanted[AGENT]:
        live: dict[tuple[str, str], list[str]] = {}
        for d in conn.execute(sa.select(DP.c.source, DP.c.agent_id, DP.c.external_id).where(
                DP.c.agent_id.in_(wanted[AGENT]), DP.c.archived_at.is_(None),
                DP.c.removed_at.is_(None), DP.c.status == str(DeploymentStatus.ACTIVE))
                .order_by(DP.c.external_id)):
            live.setdefault((d.source, d.agent_id), []).append(d.external_id)
        sponsors = _sponsors(conn, AGENT, wanted[AGENT])
        for r in conn.execute(sa.select(AG).where(AG.c.external_id.in_(wanted[AGENT]))):
            states[(r.source, AGENT, r.external_id)] = {
                "workspace_id": r.workspace_id, "name": r.name,
                "archived": r.archived_at is not None, "removed": r.removed_at is not None,
                "live_deployments": live.get((r.source, r.external_id), []),
                "sponsor": sponsors.get((r.source, r.external_id))}
    if wanted[DEPLOYMENT]:
        sponsors = _sponsors(conn, DEPLOYMENT, wanted[DEPLOYMENT])
        for r in conn.execute(sa.select(DP).where(DP.c.external_id.in_(wanted[DEPLOYMENT]))):
            states[(r.source, DEPLOYMENT, r.external_id)] = {
                "workspace_id": r.workspace_id, "name": r.name, "agent_id": r.agent_id,
                "status": str(r.status), "vault_ids": list(r.vault_ids or []),
                "archived": r.archived_at is not None, "removed": r.removed_at is not None,
                "sponsor": sponsors.get((r.source, r.external_id))}
    if wanted[CREDENTIAL]:
        sponsors = _sponsors(conn, CREDENTIAL, wanted[CREDENTIAL])
        for r in conn.execute(sa.select(VC).where(VC.c.external_id.in_(wanted[CREDENTIAL]))):
            states[(r.source, CREDENTIAL, r.external_id)] = {
                "workspace_id": r.workspace_id, "vault_id": r.vault_id,
                "name": r.display_name or r.external_id, "status": str(r.status),
                "archived": r.archived_at is not None, "removed": r.removed_at is not None,
                "sponsor": sponsors.get((r.source, r.external_id))}
