"""The OpenAI groups, roles and role-assignments streams (vendor-apis-nhi.md §7).

Order: organization roles and every project's roles (``role``); groups (``group``), each
group's users (``group_member``) and organization roles (``role_assignment``); every user's
organization roles and every project member's project roles (``role_assignment``, direct rows
only: see ``role_assignments``); every project's groups with the project roles each holds
there (``role_assignment``, origin ``project_group``).

Per-object listings (each group's users and roles, each user's and project member's roles)
are read ``fanout_concurrency`` at a time (``connectors/fanout.py``), results in input order;
a worker's failure is re-raised at that object's turn inside the guard, exactly as a
sequential read would fail. A record type is complete — and may retire what was not seen —
only when every listing that feeds it was read to the end. A listing the key may not read
(403/404, an org without RBAC) is a Gap for the types it feeds, never an empty list; an
archived project that no longer answers (404) has nothing left in it.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial

from tenure.connectors.base import Batch, Note, Record, StreamComplete, SyncItem
from tenure.connectors.fanout import fan_out
from tenure.connectors.http import (
    ApiError,
    MalformedResponse,
    Page,
    PaginationError,
    RetriesExhausted,
)
from tenure.connectors.openai import groups, role_assignments, roles
from tenure.connectors.openai.rbac_fetch import RbacReader
from tenure.connectors.pages import quarantine_page, raw_page
from tenure.model import AssignmentOrigin, PrincipalKind, Role, RoleAssignment

RBAC_TYPES = ("role", "group", "group_member", "role_assignment")


@dataclass
class OrgView:
    """What the RBAC streams need from the identity streams read before them."""

    users: list[str] = field(default_factory=list)
    projects: list[str] = field(default_factory=list)
    archived: set[str] = field(default_factory=set)
    members: dict[str, list[str]] = field(default_factory=dict)
    """project id → user ids of its members."""


@dataclass
class RbacStreams:
    """Reads one organization's RBAC objects through ``reader``."""

    reader: RbacReader
    guard: Callable[..., Generator[SyncItem, None, bool]]
    """The connector's guard: yields the items, or Gaps for the record types; returns
    whether the listing was read to the end."""
    concurrency: int = 1
    """Per-object listings (each group's users and roles, each user's roles) read at once."""
    complete: dict[str, bool] = field(default_factory=lambda: dict.fromkeys(RBAC_TYPES, True))
    _predefined: set[str] = field(default_factory=set)
    empty_project_groups: list[str] = field(default_factory=list)

    def sync(self, view: OrgView) -> Iterator[SyncItem]:
        """Every RBAC stream, then completion for the record types read in full."""
        yield from self._listing(("role",), self._org_roles(), "organization roles")
        for project_id in view.projects:
            yield from self._listing(("role",), self._project_roles(project_id),
                                     f"project {project_id} roles", view, project_id)
        group_ids: list[str] = []
        ok = yield from self._listing(("group", "group_member", "role_assignment"),
                                      self._groups(group_ids), "groups")
        if ok:
            for group_id, (users, roles) in fan_out(
                    lambda g: (_read(self.reader.group_users(g)),
                               _read(self.reader.group_roles(g))),
                    group_ids, self.concurrency):
                yield from self._listing(("group_member",), self._group_users(group_id, users),
                                         f"group {group_id} users")
                yield from self._listing(("role_assignment",), self._assignments(
                    "group_roles", roles, PrincipalKind.GROUP, group_id, None),
                    f"group {group_id} roles")
        for user_id, pages in fan_out(lambda u: _read(self.reader.user_roles(u)), view.users,
                                      self.concurrency):
            yield from self._listing(("role_assignment",), self._assignments(
                "user_roles", pages, PrincipalKind.USER, user_id, None),
                f"user {user_id} roles")
        for project_id in view.projects:
            members = view.members.get(project_id, [])
            for user_id, pages in fan_out(partial(self._project_user_pages, project_id),
                                          members, self.concurrency):
                yield from self._listing(
                    ("role_assignment",), self._assignments(
                        "project_user_roles", pages, PrincipalKind.USER, user_id, project_id),
                    f"project {project_id} user {user_id} roles", view, project_id)
            yield from self._listing(("role_assignment",), self._project_groups(project_id),
                                     f"project {project_id} groups", view, project_id)
        if self.empty_project_groups:
            yield Note("openai_project_groups_without_role", sorted(self.empty_project_groups))
        for record_type, complete in self.complete.items():
            if complete:
                yield StreamComplete(record_type)

    # -- guarded listing -------------------------------------------------------------------

    def _listing(self, record_types: tuple[str, ...], items: Iterator[SyncItem], what: str,
                 view: OrgView | None = None, project_id: str | None = None
                 ) -> Generator[SyncItem, None, bool]:
        if view is not None and project_id is not None:
            items = _tolerate_archived(items, view, project_id)
        ok = yield from self.guard(record_types, items, what=what)
        if not ok:
            for record_type in record_types:
                self.complete[record_type] = False
        return bool(ok)

    def _project_user_pages(self, project_id: str, user_id: str) -> list[Page] | _Failed:
        return _read(self.reader.project_user_roles(project_id, user_id))

    def _batch(self, stream: str, records: Sequence[Record], page: Page) -> Batch:
        return Batch(stream, list(records), raw=raw_page(self.reader.client, page))

    # -- streams ---------------------------------------------------------------------------

    def _roles(self, stream: str, pages: Iterator[Page], project_id: str | None
               ) -> Iterator[SyncItem]:
        for page in pages:
            read, bad = quarantine_page(page, roles.role, project_id, record_types=("role",))
            kept: list[Role] = []
            for r in read:
                if r.predefined and r.scope_type != "organization":
                    if r.external_id in self._predefined:
                        continue  # every project lists the predefined project roles
                    self._predefined.add(r.external_id)
                kept.append(r)
            yield self._batch(stream, kept, page)
            yield from bad

    def _org_roles(self) -> Iterator[SyncItem]:
        return self._roles("roles", self.reader.org_roles(), None)

    def _project_roles(self, project_id: str) -> Iterator[SyncItem]:
        return self._roles("project_roles", self.reader.project_roles(project_id), project_id)

    def _groups(self, out: list[str]) -> Iterator[SyncItem]:
        for page in self.reader.groups():
            read, bad = quarantine_page(page, groups.group, record_types=("group",))
            out.extend(g.external_id for g in read)
            yield self._batch("groups", read, page)
            yield from bad

    def _group_users(self, group_id: str, pages: Iterable[Page]) -> Iterator[SyncItem]:
        for page in pages:
            read, bad = quarantine_page(page, groups.group_member, group_id,
                                        record_types=("group_member",))
            yield self._batch("group_users", read, page)
            yield from bad

    def _assignments(self, stream: str, pages: Iterable[Page], kind: PrincipalKind,
                     principal_id: str, project_id: str | None,
                     origin: AssignmentOrigin = AssignmentOrigin.API) -> Iterator[SyncItem]:
        for page in pages:
            direct = [i for i in page.items if not isinstance(i, dict)
                      or role_assignments.held_directly(i, principal_id)]
            page = Page(items=direct, response=page.response, next_cursor=page.next_cursor,
                        cursor=page.cursor)
            read, bad = quarantine_page(page, role_assignments.assignment, kind,
                                        principal_id, project_id, origin,
                                        record_types=("role_assignment",))
            yield self._batch(stream, read, page)
            yield from bad

    def _project_groups(self, project_id: str) -> Iterator[SyncItem]:
        group_ids: list[str] = []
        for page in self.reader.project_groups(project_id):
            read, bad = quarantine_page(page, role_assignments.project_group_id,
                                        record_types=("role_assignment",))
            group_ids += read
            yield from bad
        for group_id in group_ids:
            before = self._count
            for item in self._assignments(
                    "project_group_roles", self.reader.project_group_roles(project_id, group_id),
                    PrincipalKind.GROUP, group_id, project_id, AssignmentOrigin.PROJECT_GROUP):
                if isinstance(item, Batch):
                    self._count += sum(isinstance(r, RoleAssignment) for r in item.records)
                yield item
            if self._count == before:
                self.empty_project_groups.append(f"{project_id}:{group_id}")

    _count: int = 0


class _Failed:
    """A per-object listing that failed in a fan-out worker: re-raised at its turn, inside the
    guard, so it becomes that listing's Gap like a sequential read would."""

    def __init__(self, exc: Exception) -> None:
        self.exc = exc

    def __iter__(self) -> Iterator[Page]:
        raise self.exc


def _read(pages: Iterator[Page]) -> list[Page] | _Failed:
    """Every page of a per-object listing, read in a worker (errors kept for the guard)."""
    try:
        return list(pages)
    except (ApiError, RetriesExhausted, PaginationError, MalformedResponse) as exc:
        return _Failed(exc)


def _tolerate_archived(items: Iterator[SyncItem], view: OrgView, project_id: str
                       ) -> Iterator[SyncItem]:
    # An archived project may no longer answer its listings (unverified): a 404 there means
    # nothing is left in it; for an active project it is a Gap.
    try:
        yield from items
    except ApiError as exc:
        if exc.status != 404 or project_id not in view.archived:
            raise
