"""The stored state of non-human-identity revocation targets (service accounts, federation
rules, service-account memberships), read set-at-a-time for the planner and re-read by apply's
staleness check: what is live around a target decides its steps (a service account's live rules
are archived before it, its active keys deactivated after it)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from tenure.model import AccountKind, NhiKind, OwnerKind
from tenure.store import schema

A, C, R = schema.accounts, schema.credentials, schema.federation_rules
N = schema.nhi_accountability
StateKey = tuple[str, str, str]
RULE_KIND = str(NhiKind.WORKLOAD_IDENTITY)
SA_KIND = str(NhiKind.SERVICE_ACCOUNT)


def _sponsors(conn: sa.Connection, kind: str, ids: set[str]) -> dict[tuple[str, str], str]:
    if not ids:
        return {}
    rows = conn.execute(sa.select(N.c.source, N.c.subject_id, N.c.sponsor_email).where(
        N.c.subject_type == kind, N.c.subject_id.in_(ids), N.c.sponsor_email.is_not(None)))
    return {(r.source, r.subject_id): r.sponsor_email for r in rows}


def _rule_state(r: Any) -> dict[str, Any]:
    return {"name": r.name, "oauth_scope": r.oauth_scope, "issuer_id": r.issuer_id,
            "target_service_account_id": r.target_service_account_id,
            "archived": r.archived_at is not None, "removed": r.removed_at is not None}


def enrich(conn: sa.Connection, states: dict[StateKey, dict[str, Any]],
           keys: Iterable[StateKey]) -> None:
    """Add what NHI targets need to ``states`` (built by ``planner.current_states``) and the
    states of federation rules (kind ``workload_identity``)."""
    wanted = list(keys)
    sa_keys = [k for k in states if k[1] == SA_KIND]
    sa_ids = {k[2] for k in sa_keys}
    if sa_ids:
        live: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for r in conn.execute(sa.select(R).where(
                R.c.target_service_account_id.in_(sa_ids), R.c.archived_at.is_(None),
                R.c.removed_at.is_(None)).order_by(R.c.external_id)).mappings():
            live.setdefault((r["source"], r["target_service_account_id"]), []).append(
                {"id": r["external_id"], "name": r["name"], "oauth_scope": r["oauth_scope"]})
        active: dict[tuple[str, str], list[str]] = {}
        for k in conn.execute(sa.select(C.c.source, C.c.owner_id, C.c.external_id).where(
                C.c.owner_type == str(OwnerKind.SERVICE_ACCOUNT), C.c.owner_id.in_(sa_ids),
                C.c.status == "active", C.c.removed_at.is_(None))
                .order_by(C.c.external_id)):
            active.setdefault((k.source, k.owner_id), []).append(k.external_id)
        sponsors = _sponsors(conn, SA_KIND, sa_ids)
        for key in sa_keys:
            state = states[key]
            state["archived"] = state.get("status") == "archived"
            state["live_rules"] = live.get((key[0], key[2]), [])
            state["active_keys"] = active.get((key[0], key[2]), [])
            state["sponsor"] = sponsors.get((key[0], key[2]))
    grant_accounts = {str(s.get("account_id")) for k, s in states.items() if k[1] == "grant"}
    if grant_accounts:
        kinds = {(r.source, r.external_id) for r in conn.execute(
            sa.select(A.c.source, A.c.external_id).where(
                A.c.external_id.in_(grant_accounts),
                A.c.kind == str(AccountKind.SERVICE_ACCOUNT)))}
        for key, state in states.items():
            if key[1] == "grant" and (key[0], state.get("account_id")) in kinds:
                state["account_kind"] = str(AccountKind.SERVICE_ACCOUNT)
    rule_ids = {k[2] for k in wanted if k[1] == RULE_KIND}
    if rule_ids:
        sponsors = _sponsors(conn, RULE_KIND, rule_ids)
        for rule in conn.execute(sa.select(R).where(R.c.external_id.in_(rule_ids))):
            states[(rule.source, RULE_KIND, rule.external_id)] = {
                **_rule_state(rule), "sponsor": sponsors.get((rule.source, rule.external_id))}
