"""SCIM Users: what a push from Okta or Entra does to the store (no web framework here).

A SCIM source feeds ``people`` exactly like the HR export does, through
``store.people.write_people``: a pushed User becomes a Person (email from the primary or work
email, else an email-shaped userName; employeeNumber, department, title, manager resolved to
the manager's email; ``active: false`` or DELETE makes the person terminated with
``end_date`` = that day). So downstream, a deactivation is a ``leaver`` and a department or
manager change a ``mover``, with the same rows the HR source would produce.

Every request is one transaction: the SCIM row, the person and its changes, identity
resolution, a ``sync_runs`` row (each push is a run of the source) and the ledger entry commit
together or not at all.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from scim2_models import (
    Context,
    EnterpriseUser,
    InvalidValueException,
    NotFoundException,
    PatchOp,
    UniquenessException,
)

from tenure.evidence import ledger
from tenure.identity import resolve_identities
from tenure.model import ChangeKind, Person, PersonStatus, RunStatus
from tenure.services import scim_burst
from tenure.services.context import App
from tenure.services.scim_types import (
    POLICY,
    Criterion,
    ListPage,
    PageRequest,
    ScimUser,
    StoredMeta,
    StoredUser,
)
from tenure.store import schema
from tenure.store.people import PersonChange, record_changes, write_people
from tenure.store.scim import compile_user_filter

U, P, M = schema.scim_users, schema.people, schema.scim_group_members
SOURCE_TYPE = "scim"
_EMAIL = re.compile(r"^[^@\s,;<>\"]+@[^@\s,;<>\"]+\.[^@\s,;<>\"]+$")
_MAX_TEXT = 512
# Identity resolution only depends on which people are present; these change kinds are the
# ones that add or remove a person, so only they re-run it.
_RESOLVING = {ChangeKind.JOINER, ChangeKind.REHIRE, ChangeKind.REMOVED}


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is pushing: the source the bearer token belongs to, and the ledger actor; and what
    this request's body needed made safe (lone surrogates, control characters, secrets)."""

    source: str
    actor: str
    problems: list[dict[str, object]] = field(default_factory=list, compare=False)


def normalize_email(value: str | None) -> str | None:
    """A usable person key: trimmed, lower-cased, email-shaped, at most 320 characters."""
    if not value:
        return None
    email = value.strip().lower()
    return email if len(email) <= 320 and _EMAIL.match(email) else None


def governing_email(user: ScimUser) -> str | None:
    """The email a pushed user is governed by: primary, else work, else first, else userName."""
    emails = [e for e in user.emails or [] if e.value]
    ordered = ([e for e in emails if e.primary] + [e for e in emails if e.type == "work"]
               + emails)
    for candidate in [*(e.value for e in ordered), user.user_name]:
        email = normalize_email(str(candidate) if candidate else None)
        if email:
            return email
    return None


def _enterprise(user: ScimUser) -> EnterpriseUser | None:
    ext: EnterpriseUser | None = user[EnterpriseUser]
    return ext


def _display_name(user: ScimUser) -> str:
    name = user.name
    if name is not None:
        if name.formatted:
            return name.formatted.strip()[:256]
        parts = " ".join(p for p in (name.given_name, name.family_name) if p).strip()
        if parts:
            return parts[:256]
    return (user.display_name or user.user_name or "").strip()[:256]


def _clean(value: str | None, limit: int = 256) -> str:
    return (value or "").strip()[:limit]


def resource_json(user: ScimUser) -> dict[str, Any]:
    """The resource as kept at rest: no id, no meta and never a password."""
    clean = user.model_copy(update={"id": None, "meta": None, "password": None})
    return clean.model_dump(scim_ctx=Context.DEFAULT, scim_policy=POLICY)


def new_resource_id() -> str:
    """A resource id that sorts in creation order (time prefix), unguessable (random tail).

    Lists are ordered by (created_at, id); the id breaks ties within one clock tick."""
    return f"{time.time_ns():016x}{secrets.token_hex(8)}"


def resource_sha256(resource: dict[str, Any]) -> str:
    return hashlib.sha256(ledger.canonical_json(resource).encode("utf-8")).hexdigest()


def user_from_row(row: sa.RowMapping) -> StoredUser:
    """Rebuild the SCIM model of a stored user."""
    user = ScimUser.model_validate(row["resource"], scim_policy=POLICY)
    user.id = row["id"]
    meta = StoredMeta("User", row["created_at"], row["updated_at"], row["version"])
    return StoredUser(row["id"], user, meta)


def load_resource(conn: sa.Connection, table: sa.Table, kind: str, source: str,
                  resource_id: str, *, lock: bool = False) -> sa.RowMapping:
    """A stored User or Group of ``source`` (another source's reads as not found)."""
    query = sa.select(table).where(table.c.source == source, table.c.id == resource_id)
    if lock:  # concurrent writes to one resource apply one after the other (PostgreSQL)
        query = query.with_for_update()
    row = conn.execute(query).mappings().first()
    if row is None:
        raise NotFoundException(detail=f"{kind} {resource_id} not found")
    return row


def _load(conn: sa.Connection, source: str, user_id: str, *,
          lock: bool = False) -> sa.RowMapping:
    return load_resource(conn, U, "User", source, user_id, lock=lock)


def manager_email(conn: sa.Connection, source: str, ref: str | None) -> str:
    """The email of the manager ``manager.value`` names: a pushed user's id or externalId, or
    an email itself; unknown references give "" (resolved later, when the manager arrives)."""
    if not ref:
        return ""
    for column in (U.c.id, U.c.external_id):
        email = conn.execute(
            sa.select(U.c.email).where(U.c.source == source, column == ref).limit(1)
        ).scalar()
        if email:
            return str(email)
    return normalize_email(ref) or ""


def person_of(conn: sa.Connection, source: str, user: ScimUser, email: str,
              now: datetime, *, active: bool | None = None) -> Person:
    """The Person a pushed user stands for (``active`` overrides the resource's flag)."""
    existing = conn.execute(
        sa.select(P.c.status, P.c.start_date, P.c.end_date)
        .where(P.c.source == source, P.c.tenant == source, P.c.email == email)
    ).first()
    is_active = (user.active is not False) if active is None else active
    ext = _enterprise(user)
    end_date = None
    if not is_active:
        end_date = now.date()
        if existing is not None and existing.status == str(PersonStatus.TERMINATED):
            end_date = existing.end_date or end_date
    manager_ref = ext.manager.value if ext is not None and ext.manager is not None else None
    return Person(
        email=email, name=_display_name(user) or email,
        employee_id=_clean(ext.employee_number if ext else None, 128),
        status=PersonStatus.ACTIVE if is_active else PersonStatus.TERMINATED,
        department=_clean(ext.department if ext else None),
        title=_clean(user.title),
        manager_email=manager_email(conn, source, manager_ref),
        start_date=existing.start_date if existing is not None else None,
        end_date=end_date,
    )


def _retire_person(conn: sa.Connection, source: str, email: str, run_id: str,
                   now: datetime) -> list[PersonChange]:
    """The user no longer governs this email (its email changed): the person is removed."""
    current = (P.c.source == source, P.c.tenant == source, P.c.email == email,
               P.c.removed_at.is_(None))
    status = conn.execute(sa.select(P.c.status).where(*current)).scalar()
    if status is None:
        return []
    conn.execute(P.update().where(*current).values(removed_at=now, removed_run_id=run_id))
    changes = [PersonChange(email, ChangeKind.REMOVED, "status", str(status), "removed")]
    record_changes(conn, changes, source=source, run_id=run_id, now=now)
    return changes


@dataclass
class PushWrite:
    """What one request changed, for the ledger and the run record."""

    run_id: str
    now: datetime
    changes: list[PersonChange]
    guard: App | None = None
    """Set for the pushed user's own projection: deactivations go through the burst guard."""
    actor: str = ""
    user_id: str = ""
    held: list[str] = field(default_factory=list)


def _project(conn: sa.Connection, source: str, user: ScimUser, email: str | None,
             old_email: str | None, write: PushWrite, *, active: bool | None = None,
             guarded: bool = False) -> None:
    if old_email and old_email != email:
        write.changes += _retire_person(conn, source, old_email, write.run_id, write.now)
    if email:
        person = person_of(conn, source, user, email, write.now, active=active)
        if person.status is PersonStatus.ACTIVE:
            scim_burst.release_for(conn, source=source, email=email, now=write.now)
        elif guarded and write.guard is not None and _is_deactivation(conn, source, email) and (
                scim_burst.should_hold(conn, write.guard, source, write.now)):
            # Part of a burst: the resource is stored, the person stays active until an
            # admin confirms (no leaver trigger meanwhile).
            scim_burst.hold(conn, source=source, actor=write.actor, user_id=write.user_id,
                            email=email, user_name=user.user_name or email,
                            run_id=write.run_id, now=write.now)
            write.held.append(email)
            person = person_of(conn, source, user, email, write.now, active=True)
        write.changes += write_people(conn, [person], source=source, tenant=source,
                                      run_id=write.run_id, now=write.now)


def _is_deactivation(conn: sa.Connection, source: str, email: str) -> bool:
    status = conn.execute(sa.select(P.c.status).where(
        P.c.source == source, P.c.tenant == source, P.c.email == email,
        P.c.removed_at.is_(None))).scalar()
    return status == str(PersonStatus.ACTIVE)


def _refresh_reports(conn: sa.Connection, source: str, user_id: str,
                     external_id: str | None, write: PushWrite) -> None:
    """Re-project the users whose manager reference names this user (it may have just
    arrived, or changed email): their manager_email follows."""
    refs = [user_id, *([external_id] if external_id else [])]
    reports = conn.execute(
        sa.select(U).where(U.c.source == source, U.c.manager_ref.in_(refs), U.c.id != user_id,
                           U.c.email.is_not(None))
    ).mappings().all()
    for row in reports:
        stored = user_from_row(row)
        _project(conn, source, stored.resource, row["email"], row["email"], write)


def _check_unique(conn: sa.Connection, source: str, user_id: str, user_name_key: str,
                  email: str | None) -> None:
    clash = conn.execute(
        sa.select(U.c.id).where(U.c.source == source, U.c.user_name_key == user_name_key,
                                U.c.id != user_id).limit(1)
    ).first()
    if clash is not None:
        raise UniquenessException(detail="userName is already in use by another User")
    if email:
        clash = conn.execute(
            sa.select(U.c.id).where(U.c.source == source, U.c.email == email,
                                    U.c.id != user_id).limit(1)
        ).first()
        if clash is not None:
            # One person per email: two pushed users governing one person would make a
            # deactivation of either one look like that person leaving.
            raise UniquenessException(detail="another User already has this email")


def record_push(conn: sa.Connection, app: App, caller: Caller, *, kind: str, subject: str,
                payload: dict[str, Any], write: PushWrite) -> None:
    """The run row and the ledger entry of one push (same transaction as the change)."""
    changes = [{"person": c.person_email, "kind": str(c.kind), "field": c.field,
                "old": c.old_value, "new": c.new_value} for c in write.changes]
    counts: dict[str, int] = {}
    for c in write.changes:
        counts[str(c.kind)] = counts.get(str(c.kind), 0) + 1
    if {c.kind for c in write.changes} & _RESOLVING:
        resolve_identities(conn)
    extra: dict[str, Any] = {}
    if write.held:
        extra["held_deactivations"] = write.held
    if caller.problems:
        extra["unsafe_text_replaced"] = caller.problems
    conn.execute(schema.sync_runs.insert().values(
        id=write.run_id, source=caller.source, source_type=SOURCE_TYPE, tenant=caller.source,
        started_at=write.now, finished_at=write.now,
        status=str(RunStatus.PARTIAL if caller.problems else RunStatus.COMPLETE),
        complete_types=[], stats={"scim": kind, "changes": counts, **extra}, error=None,
    ))
    ledger.append(conn, kind=kind, actor=caller.actor, now=write.now, subject=subject,
                  payload={**payload, "source": caller.source, "run_id": write.run_id,
                           "changes": changes, **extra})


def new_write(app: App) -> PushWrite:
    return PushWrite(run_id=f"scim-{uuid.uuid4().hex}", now=app.now(), changes=[])


def _save(conn: sa.Connection, app: App, caller: Caller, user_id: str, user: ScimUser,
          previous: sa.RowMapping | None, kind: str) -> StoredUser:
    user_name = (user.user_name or "").strip()
    if not user_name or len(user_name) > _MAX_TEXT:
        raise InvalidValueException(detail="userName is required (at most 512 characters)")
    if user.external_id is not None and len(user.external_id) > _MAX_TEXT:
        raise InvalidValueException(detail="externalId is longer than 512 characters")
    key = user_name.lower()
    email = governing_email(user)
    _check_unique(conn, caller.source, user_id, key, email)
    ext = _enterprise(user)
    manager_ref = ext.manager.value if ext is not None and ext.manager is not None else None
    if manager_ref is not None and len(manager_ref) > _MAX_TEXT:
        raise InvalidValueException(detail="manager.value is longer than 512 characters")
    resource = resource_json(user)
    if previous is not None and previous["resource"] == resource:
        # Okta pushes the whole profile (PUT) on every sync even when nothing changed: an
        # unchanged resource is acknowledged without a new version, run or ledger entry.
        return user_from_row(previous)
    write = new_write(app)
    write.guard, write.actor, write.user_id = app, caller.actor, user_id
    values = {"external_id": user.external_id, "user_name": user_name, "user_name_key": key,
              "email": email, "active": user.active is not False, "manager_ref": manager_ref,
              "resource": resource, "updated_at": write.now}
    if previous is None:
        conn.execute(U.insert().values(id=user_id, source=caller.source, version=1,
                                       created_at=write.now, **values))
    else:
        conn.execute(U.update().where(U.c.id == user_id)
                     .values(version=previous["version"] + 1, **values))
    _project(conn, caller.source, user, email, previous["email"] if previous else None, write,
             guarded=True)
    _refresh_reports(conn, caller.source, user_id, user.external_id, write)
    record_push(conn, app, caller, kind=kind, subject=email or f"scim:{caller.source}:{user_id}",
                payload={"resource_type": "User", "id": user_id,
                         "externalId": user.external_id, "userName": user_name,
                         "email": email, "active": values["active"],
                         "resource_sha256": resource_sha256(resource)}, write=write)
    return user_from_row(_load(conn, caller.source, user_id))


def _integrity(exc: sa.exc.IntegrityError) -> UniquenessException:
    # A concurrent push won the race for the same userName or email: the pre-check's answer.
    return UniquenessException(detail="userName or email is already in use by another User")


def create_user(app: App, caller: Caller, user: ScimUser) -> StoredUser:
    """POST /Users: store the user and project it onto a person (a joiner)."""
    try:
        with app.engine.begin() as conn:
            return _save(conn, app, caller, new_resource_id(), user, None, "scim.user.created")
    except sa.exc.IntegrityError as exc:
        raise _integrity(exc) from None


def get_user(app: App, caller: Caller, user_id: str) -> StoredUser:
    """GET /Users/{id} (a user of another source is not found)."""
    with app.engine.connect() as conn:
        return user_from_row(_load(conn, caller.source, user_id))


def list_users(app: App, caller: Caller, criterion: Criterion | None,
               page: PageRequest) -> ListPage[StoredUser]:
    """GET /Users with an allowlisted filter, ordered by creation, paginated."""
    where = [U.c.source == caller.source]
    if criterion is not None:
        where.append(compile_user_filter(criterion))
    with app.engine.connect() as conn:
        total = conn.execute(sa.select(sa.func.count()).select_from(U).where(*where)).scalar_one()
        rows = conn.execute(
            sa.select(U).where(*where).order_by(U.c.created_at, U.c.id)
            .offset(page.start_index - 1).limit(page.count)
        ).mappings().all() if page.count else []
    return ListPage(int(total), page.start_index, tuple(user_from_row(r) for r in rows))


def replace_user(app: App, caller: Caller, user_id: str, user: ScimUser) -> StoredUser:
    """PUT /Users/{id}: the resource is replaced whole; the person follows."""
    try:
        with app.engine.begin() as conn:
            previous = _load(conn, caller.source, user_id, lock=True)
            return _save(conn, app, caller, user_id, user, previous, "scim.user.replaced")
    except sa.exc.IntegrityError as exc:
        raise _integrity(exc) from None


def patch_user(app: App, caller: Caller, user_id: str, patch: PatchOp[ScimUser]) -> StoredUser:
    """PATCH /Users/{id}: apply the operations to the stored resource, then save it whole."""
    try:
        with app.engine.begin() as conn:
            previous = _load(conn, caller.source, user_id, lock=True)
            user = user_from_row(previous).resource
            patch.patch(user, scim_policy=POLICY)
            return _save(conn, app, caller, user_id, user, previous, "scim.user.patched")
    except sa.exc.IntegrityError as exc:
        raise _integrity(exc) from None


def delete_user(app: App, caller: Caller, user_id: str) -> None:
    """DELETE /Users/{id}: the person becomes terminated (a leaver, like ``active: false``);
    the SCIM resource and its group memberships are removed."""
    with app.engine.begin() as conn:
        row = _load(conn, caller.source, user_id, lock=True)
        user = user_from_row(row).resource
        write = new_write(app)
        write.guard, write.actor, write.user_id = app, caller.actor, user_id
        _project(conn, caller.source, user, row["email"], row["email"], write, active=False,
                 guarded=True)
        conn.execute(M.delete().where(M.c.user_id == user_id))
        conn.execute(U.delete().where(U.c.id == user_id))
        record_push(conn, app, caller, kind="scim.user.deleted",
                    subject=row["email"] or f"scim:{caller.source}:{user_id}",
                    payload={"resource_type": "User", "id": user_id,
                             "externalId": row["external_id"], "userName": row["user_name"],
                             "email": row["email"]}, write=write)
