"""Who changed what, to whom: identity events read through their stored targets.

One query over ``activity_targets`` joined to ``activities`` on the activity key answers "who
removed or granted what, to whom" for a subject (its account ids and emails) or for a whole
source. Each change says who acted and, when a key acted with no account named, who answers
for the key — by a join, never a guess:

- the key's owner in the credential inventory (OpenAI admin and project keys, Anthropic API
  keys), then
- for an Anthropic Admin key (not listed by the Admin API), the person whose
  ``admin_api_key_created`` event created it.

A change is Tenure's own when the connector filed it as Tenure's (its configured Admin key:
actor kind ``tenure``), or when it was made with a key to a target that one of Tenure's applied
revocation steps changed within :data:`TENURE_MATCH_WINDOW` of the event.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from tenure.model import KEY_ACTORS, ActivityCategory, ActorKind, TargetRelation
from tenure.services.context import App
from tenure.store import schema

TENURE_MATCH_WINDOW = timedelta(minutes=30)
"""How far a vendor event may be from Tenure's recorded apply of the same target."""

A, T = schema.activities, schema.activity_targets
_ON_KEY = sa.and_(T.c.source == A.c.source, T.c.tenant == A.c.tenant,
                  T.c.occurred_at == A.c.occurred_at, T.c.external_id == A.c.external_id)


@dataclass(frozen=True, slots=True)
class IdentityChange:
    """One identity event as it affected one target."""

    occurred_at: datetime
    source: str
    action: str
    category: ActivityCategory
    actor_kind: ActorKind
    actor_id: str | None
    actor_email: str | None
    credential_id: str | None
    accountable: str | None
    """Who answers for the key that acted (owner or creator), when a key acted alone."""
    by_tenure: bool
    relation: TargetRelation
    target_type: str
    target_id: str | None
    target_email: str | None
    role: str | None

    @property
    def actor(self) -> str:
        """A readable name of who acted."""
        if self.actor_kind is ActorKind.TENURE:
            return f"Tenure (key {self.actor_id})"
        if self.actor_kind is ActorKind.VENDOR_STAFF:
            return "vendor staff"
        name = self.actor_email or self.actor_id or "unknown"
        if self.actor_kind in KEY_ACTORS and self.accountable:
            return f"{self.actor_kind.value.replace('_', ' ')} {name} (for {self.accountable})"
        return f"{self.actor_kind.value.replace('_', ' ')} {name}"


def identity_changes(conn: sa.Connection, *, source: str | None = None,
                     target_ids: Sequence[str] = (), emails: Sequence[str] = (),
                     category: ActivityCategory | None = None, since: datetime | None = None,
                     limit: int = 200) -> list[IdentityChange]:
    """Identity events that affected any of ``target_ids``/``emails`` (all targets of the
    source when both are empty), newest first."""
    who: list[sa.ColumnElement[bool]] = []
    if target_ids:
        who.append(T.c.target_id.in_(list(target_ids)))
    if emails:
        who.append(T.c.target_email.in_([e.lower() for e in emails]))
    query = (sa.select(A.c.occurred_at, A.c.source, A.c.tenant, A.c.action, A.c.category,
                       A.c.actor_kind, A.c.actor_id, A.c.actor_email, A.c.credential_id,
                       T.c.relation, T.c.target_type, T.c.target_id, T.c.target_email,
                       T.c.role)
             .select_from(T.join(A, _ON_KEY)))
    if who:
        query = query.where(sa.or_(*who))
    if source is not None:
        query = query.where(T.c.source == source)
    if category is not None:
        query = query.where(A.c.category == category.value)
    if since is not None:
        query = query.where(T.c.occurred_at >= since)
    rows = conn.execute(query.order_by(T.c.occurred_at.desc(), T.c.external_id, T.c.seq)
                        .limit(limit)).mappings().all()
    keys = {(r["source"], r["actor_id"] or r["credential_id"]) for r in rows
            if r["actor_kind"] in KEY_ACTORS and (r["actor_id"] or r["credential_id"])}
    accountable = key_accountable(conn, keys)
    tenure = _tenure_applied(conn, rows)
    return [IdentityChange(
        occurred_at=r["occurred_at"], source=r["source"], action=r["action"],
        category=ActivityCategory(r["category"]), actor_kind=ActorKind(r["actor_kind"]),
        actor_id=r["actor_id"], actor_email=r["actor_email"], credential_id=r["credential_id"],
        accountable=accountable.get((r["source"], r["actor_id"] or r["credential_id"])),
        by_tenure=r["actor_kind"] == ActorKind.TENURE or n in tenure,
        relation=TargetRelation(r["relation"]), target_type=r["target_type"],
        target_id=r["target_id"], target_email=r["target_email"], role=r["role"],
    ) for n, r in enumerate(rows)]


def key_accountable(conn: sa.Connection, keys: Iterable[tuple[str, str | None]]
                    ) -> dict[tuple[str, str | None], str]:
    """(source, key id) → the person (email, else account id) who answers for the key."""
    wanted = {k for k in keys if k[1]}
    if not wanted:
        return {}
    ids = sorted({k for _, k in wanted if k})
    sources = sorted({s for s, _ in wanted})
    cred, acc = schema.credentials, schema.accounts
    found: dict[tuple[str, str | None], str] = {}
    owner = sa.func.coalesce(acc.c.person_email, acc.c.email, cred.c.owner_id)
    for src, key, who in conn.execute(
            sa.select(cred.c.source, cred.c.external_id, owner)
            .select_from(cred.outerjoin(acc, sa.and_(
                acc.c.source == cred.c.source, acc.c.tenant == cred.c.tenant,
                acc.c.external_id == sa.func.coalesce(cred.c.owner_id, cred.c.creator_id))))
            .where(cred.c.source.in_(sources), cred.c.external_id.in_(ids))):
        if who:
            found[(src, key)] = str(who)
    # Through the creation event's stored target: indexed by target id, never a feed scan.
    created = (sa.select(T.c.source, T.c.target_id,
                         sa.func.coalesce(acc.c.person_email, A.c.actor_email, A.c.actor_id))
               .select_from(T.join(A, _ON_KEY).outerjoin(acc, sa.and_(
                   acc.c.source == A.c.source, acc.c.tenant == A.c.tenant,
                   acc.c.external_id == A.c.actor_id)))
               .where(T.c.target_id.in_(ids), T.c.target_type == "admin_key",
                      T.c.source.in_(sources), A.c.action == "admin_api_key_created",
                      A.c.actor_kind == ActorKind.USER.value))
    for src, key, who in conn.execute(created):
        if who and (src, key) not in found:
            found[(src, key)] = str(who)
    return found


def _tenure_applied(conn: sa.Connection, rows: Sequence[sa.RowMapping]) -> set[int]:
    """Positions of ``rows`` made with a key to a target Tenure changed at about that time."""
    keyed = [(n, r) for n, r in enumerate(rows) if r["target_id"] and (
        r["credential_id"] or r["actor_kind"] in KEY_ACTORS)]
    if not keyed:
        return set()
    j = schema.plan_actions
    applied: dict[tuple[str, str], list[datetime]] = {}
    for src, subject, at in conn.execute(
            sa.select(j.c.source, j.c.subject_id, j.c.outcome_at)
            .where(j.c.status == "applied", j.c.outcome_at.is_not(None),
                   j.c.subject_id.in_(sorted({r["target_id"] for _, r in keyed})))):
        applied.setdefault((src, subject), []).append(at)
    return {n for n, r in keyed
            if any(abs(r["occurred_at"] - at) <= TENURE_MATCH_WINDOW
                   for at in applied.get((r["source"], r["target_id"]), ()))}


def subject_changes(app: App, *, principals: Sequence[tuple[str, str]],
                    emails: Sequence[str], limit: int = 100) -> list[IdentityChange]:
    """Identity changes and vendor-staff access that affected a subject's accounts or keys
    (``principals``: (source, external id)) or its emails, newest first."""
    out: list[IdentityChange] = []
    by_source: dict[str, list[str]] = {}
    for src, ext in principals:
        by_source.setdefault(src, []).append(ext)
    with app.engine.connect() as conn:
        for src, ids in sorted(by_source.items()):
            out += identity_changes(conn, source=src, target_ids=ids, emails=emails,
                                    limit=limit)
        if not by_source and emails:
            out += identity_changes(conn, emails=emails, limit=limit)
    out.sort(key=lambda c: c.occurred_at, reverse=True)
    return out[:limit]
