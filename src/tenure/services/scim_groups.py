"""SCIM Groups: pushed groups and their memberships (a group can later scope a review or
name its reviewers; ``tenure.store.scim.group_members`` is the query for that).

Members must be Users of the same source; nested groups are refused (``invalidValue``), since
a review scope needs a flat, auditable list of people. Every membership change is in the ledger.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from scim2_models import Context, GroupMember, InvalidValueException, PatchOp

from tenure.services.context import App
from tenure.services.scim import (
    Caller,
    load_resource,
    new_resource_id,
    new_write,
    record_push,
    resource_sha256,
)
from tenure.services.scim_types import (
    POLICY,
    Criterion,
    ListPage,
    PageRequest,
    ScimGroup,
    StoredGroup,
    StoredMeta,
)
from tenure.store import schema
from tenure.store.scim import compile_group_filter

G, M, U = schema.scim_groups, schema.scim_group_members, schema.scim_users
_MAX_TEXT = 512


def _members_of(conn: sa.Connection, group_ids: list[str]) -> dict[str, list[GroupMember]]:
    out: dict[str, list[GroupMember]] = {gid: [] for gid in group_ids}
    if not group_ids:
        return out
    rows = conn.execute(
        sa.select(M.c.group_id, M.c.user_id, M.c.display, U.c.user_name)
        .join(U, U.c.id == M.c.user_id).where(M.c.group_id.in_(group_ids))
        .order_by(M.c.group_id, M.c.added_at, M.c.user_id)
    ).all()
    for r in rows:
        out[r.group_id].append(GroupMember.model_validate(
            {"value": r.user_id, "type": "User", "display": r.display or r.user_name}))
    return out


def _group_from_row(row: sa.RowMapping, members: list[GroupMember]) -> StoredGroup:
    group = ScimGroup.model_validate(row["resource"], scim_policy=POLICY)
    group.id = row["id"]
    group.members = members or None
    meta = StoredMeta("Group", row["created_at"], row["updated_at"], row["version"])
    return StoredGroup(row["id"], group, meta)


def _load(conn: sa.Connection, source: str, group_id: str, *,
          lock: bool = False) -> sa.RowMapping:
    return load_resource(conn, G, "Group", source, group_id, lock=lock)


def _stored(conn: sa.Connection, source: str, group_id: str) -> StoredGroup:
    row = _load(conn, source, group_id)
    return _group_from_row(row, _members_of(conn, [group_id])[group_id])


def _wanted_members(conn: sa.Connection, source: str,
                    group: ScimGroup) -> dict[str, str | None]:
    wanted: dict[str, str | None] = {}
    for member in group.members or []:
        if not member.value:
            raise InvalidValueException(detail="a member needs a value (the User id)")
        wanted[member.value] = member.display
    if not wanted:
        return wanted
    known = set(conn.execute(
        sa.select(U.c.id).where(U.c.source == source, U.c.id.in_(list(wanted)))
    ).scalars())
    unknown = sorted(set(wanted) - known)
    if unknown:
        nested = conn.execute(
            sa.select(G.c.id).where(G.c.source == source, G.c.id.in_(unknown)).limit(1)
        ).first()
        if nested is not None:
            raise InvalidValueException(detail="nested groups are not supported: members "
                                        "must be Users")
        raise InvalidValueException(detail=f"no User with id {unknown[0]!r}")
    return wanted


def _resource_json(group: ScimGroup) -> dict[str, Any]:
    clean = group.model_copy(update={"id": None, "meta": None, "members": None})
    return clean.model_dump(scim_ctx=Context.DEFAULT, scim_policy=POLICY)


def _save(conn: sa.Connection, app: App, caller: Caller, group_id: str, group: ScimGroup,
          previous: sa.RowMapping | None, kind: str) -> StoredGroup:
    name = (group.display_name or "").strip()
    if not name or len(name) > _MAX_TEXT:
        raise InvalidValueException(detail="displayName is required (at most 512 characters)")
    if group.external_id is not None and len(group.external_id) > _MAX_TEXT:
        raise InvalidValueException(detail="externalId is longer than 512 characters")
    wanted = _wanted_members(conn, caller.source, group)
    resource = _resource_json(group)
    if previous is not None and previous["resource"] == resource and set(wanted) == set(
            conn.execute(sa.select(M.c.user_id).where(M.c.group_id == group_id)).scalars()):
        return _stored(conn, caller.source, group_id)  # unchanged: no version, no entry
    write = new_write(app)
    values = {"external_id": group.external_id, "display_name": name,
              "display_name_key": name.lower(), "resource": resource,
              "updated_at": write.now}
    if previous is None:
        conn.execute(G.insert().values(id=group_id, source=caller.source, version=1,
                                       created_at=write.now, **values))
    else:
        conn.execute(G.update().where(G.c.id == group_id)
                     .values(version=previous["version"] + 1, **values))
    current = set(conn.execute(sa.select(M.c.user_id).where(M.c.group_id == group_id))
                  .scalars())
    added = sorted(set(wanted) - current)
    removed = sorted(current - set(wanted))
    if removed:
        conn.execute(M.delete().where(M.c.group_id == group_id, M.c.user_id.in_(removed)))
    if added:
        conn.execute(M.insert(), [{"group_id": group_id, "user_id": uid,
                                   "display": (wanted[uid] or None) and str(wanted[uid])[:512],
                                   "added_at": write.now} for uid in added])
    emails: dict[str, str | None] = {
        row.id: row.email for row in conn.execute(
            sa.select(U.c.id, U.c.email).where(U.c.id.in_(added + removed)))
    } if added or removed else {}
    record_push(conn, app, caller, kind=kind, subject=f"scim-group:{caller.source}:{name}",
                payload={"resource_type": "Group", "id": group_id, "displayName": name,
                         "externalId": group.external_id,
                         "members_added": [{"id": u, "email": emails.get(u)} for u in added],
                         "members_removed": [{"id": u, "email": emails.get(u)}
                                             for u in removed],
                         "resource_sha256": resource_sha256(resource)}, write=write)
    return _stored(conn, caller.source, group_id)


def create_group(app: App, caller: Caller, group: ScimGroup) -> StoredGroup:
    """POST /Groups."""
    with app.engine.begin() as conn:
        return _save(conn, app, caller, new_resource_id(), group, None, "scim.group.created")


def get_group(app: App, caller: Caller, group_id: str) -> StoredGroup:
    """GET /Groups/{id}."""
    with app.engine.connect() as conn:
        return _stored(conn, caller.source, group_id)


def list_groups(app: App, caller: Caller, criterion: Criterion | None,
                page: PageRequest) -> ListPage[StoredGroup]:
    """GET /Groups with an allowlisted filter, paginated."""
    where = [G.c.source == caller.source]
    if criterion is not None:
        where.append(compile_group_filter(criterion))
    with app.engine.connect() as conn:
        total = conn.execute(sa.select(sa.func.count()).select_from(G).where(*where)).scalar_one()
        rows = conn.execute(
            sa.select(G).where(*where).order_by(G.c.created_at, G.c.id)
            .offset(page.start_index - 1).limit(page.count)
        ).mappings().all() if page.count else []
        members = _members_of(conn, [r["id"] for r in rows])
    return ListPage(int(total), page.start_index,
                    tuple(_group_from_row(r, members[r["id"]]) for r in rows))


def replace_group(app: App, caller: Caller, group_id: str, group: ScimGroup) -> StoredGroup:
    """PUT /Groups/{id}: name and the whole member list replaced."""
    with app.engine.begin() as conn:
        previous = _load(conn, caller.source, group_id, lock=True)
        return _save(conn, app, caller, group_id, group, previous, "scim.group.replaced")


def patch_group(app: App, caller: Caller, group_id: str,
                patch: PatchOp[ScimGroup]) -> StoredGroup:
    """PATCH /Groups/{id}: member add/remove (Okta, Entra) and renames."""
    with app.engine.begin() as conn:
        previous = _load(conn, caller.source, group_id, lock=True)
        group = _stored(conn, caller.source, group_id).resource
        patch.patch(group, scim_policy=POLICY)
        return _save(conn, app, caller, group_id, group, previous, "scim.group.patched")


def delete_group(app: App, caller: Caller, group_id: str) -> None:
    """DELETE /Groups/{id}: the group and its memberships are removed."""
    with app.engine.begin() as conn:
        row = _load(conn, caller.source, group_id, lock=True)
        members = sorted(conn.execute(sa.select(M.c.user_id).where(M.c.group_id == group_id))
                         .scalars())
        conn.execute(M.delete().where(M.c.group_id == group_id))
        conn.execute(G.delete().where(G.c.id == group_id))
        write = new_write(app)
        record_push(conn, app, caller, kind="scim.group.deleted",
                    subject=f"scim-group:{caller.source}:{row['display_name']}",
                    payload={"resource_type": "Group", "id": group_id,
                             "displayName": row["display_name"],
                             "externalId": row["external_id"], "members_removed": members},
                    write=write)
