"""Reading Claude Enterprise access structure: RBAC, the Compliance directory, Analytics users.

Three credentials, each a Gap of its own when absent or refused (vendor-apis-nhi.md §1.1, §5):

- RBAC roles (+ permissions), groups (+ members): the Admin key with the beta header
  ``ce-user-management-2026-07-13`` (without it the API answers 404), page cursor (family B:
  stop on ``next_page`` alone). A non-Enterprise org answers 403/404: a Gap, never empty lists.
- The Compliance directory (orgs, users with their org role, roles + permissions, groups +
  members across linked orgs): the Compliance Access Key only — an Admin key gets 403, a Gap.
  Family D paging (``has_more``). Where the Admin API already listed a group or role, the
  directory adds only what it alone knows (other linked orgs, members the Admin API lacked).
- Analytics users: the analytics key (``read:analytics``; a bad key or scope is a 404), family B.

Custom-role assignments to users have no read endpoint: they are derived after the run from the
stored feed events (``services.feed_roles``). ``role_assignment`` is marked complete only when
every group's role list was readable (a null list is *unknown*, never "no roles") and the
directory (when configured) was read, so nothing is retired on a guess.

The three switches are off by default (Console orgs have none of this). A switch that is off
is still a ``Gap`` for each record type it would have read (``switched_off``), naming the
switch to set: the checks that read those types say ``manual`` and nothing of those types is
retired — never "not read, so nothing wrong". Such a Gap alone leaves the run ``complete``
(it read all it was configured to read; docs/architecture.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from tenure.config import secret_from_env
from tenure.connectors import pages
from tenure.connectors.anthropic import analytics, fetch, rbac
from tenure.connectors.anthropic.config import AnthropicConfig
from tenure.connectors.base import Batch, Record, StreamComplete, SyncContext, SyncItem
from tenure.connectors.http import (
    ApiError,
    HttpClient,
    Page,
    RetriesExhausted,
    directory_pages,
    page_cursor_pages,
)
from tenure.model import Gap, Group, Permission, RoleAssignment

BETA = "ce-user-management-2026-07-13"
ROLES = "/v1/organizations/rbac_roles"
GROUPS = "/v1/organizations/rbac_groups"
ANALYTICS_USERS = "/v1/organizations/analytics/users"
DIRECTORY_ORGS = "/v1/compliance/organizations"
DIRECTORY_GROUPS = "/v1/compliance/groups"
GAP_STATUSES = frozenset({401, 403, 404})
RBAC_TYPES = ("role", "group", "group_member", "role_assignment")
RBAC_LIMIT = 1000
DIRECTORY_LIMIT = 1000
NOT_READ = "not read: {what} is off for this source; {fix}"
"""The reason of a switched-off type's Gap: what was not read and the setting that reads it
(the reason is what a manual check shows)."""


@dataclass
class _Seen:
    """What the RBAC read established, for the directory and for completion."""

    roles: set[str] = field(default_factory=set)
    groups: set[str] = field(default_factory=set)
    members: set[str] = field(default_factory=set)
    unknown_roles: list[str] = field(default_factory=list)
    rbac_complete: bool = False
    directory_ok: bool = True
    directory_failed: bool = False
    """The directory read stopped: linked organizations' roles, groups and members unread."""
    directory_users_refused: bool = False
    """Users and group members refused (scope): linked organizations' members unread."""


def _gap_of(exc: ApiError | RetriesExhausted, types: tuple[str, ...], what: str,
            hint: str = "") -> Iterator[Gap]:
    if isinstance(exc, ApiError):
        reason = f"{exc.error_type} (HTTP {exc.status})"
    else:
        reason = "unavailable after retries"
    for record_type in types:
        yield Gap(record_type, reason, f"{what}: {exc}{hint}")


def enterprise(config: AnthropicConfig, http: fetch.HttpOptions, ctx: SyncContext,
               org_id: str, clients: list[HttpClient]) -> Iterator[SyncItem]:
    """Every Enterprise access stream; each client built is appended to ``clients``.
    A switched-off stream is a Gap per record type it would have read."""
    yield from switched_off(config)
    seen = _Seen()
    if config.rbac:
        client = fetch.make_client(config, fetch.admin_key(config, ctx.env), options=http,
                                   extra_headers={"anthropic-beta": BETA})
        clients.append(client)
        with client:
            try:
                yield from _rbac(client, org_id, seen)
            except (ApiError, RetriesExhausted) as exc:
                if isinstance(exc, ApiError) and exc.status not in GAP_STATUSES:
                    raise
                yield from _gap_of(exc, RBAC_TYPES, "RBAC (Admin API)",
                                   " (Claude Enterprise only; the Admin key needs "
                                   "read:rbac_groups)")
    if config.directory:
        client = fetch.make_client(config, fetch.compliance_key(config, ctx.env), options=http)
        clients.append(client)
        with client:
            try:
                yield from _directory(client, org_id, seen)
            except (ApiError, RetriesExhausted) as exc:
                if isinstance(exc, ApiError) and exc.status not in GAP_STATUSES:
                    raise
                seen.directory_ok, seen.directory_failed = False, True
                yield from _gap_of(exc, ("directory",), "Compliance directory",
                                   " (needs a Compliance Access Key with read:compliance_org_"
                                   "data and read:compliance_user_data; an Admin key gets 403)")
    yield from _completion(seen, config)
    if config.analytics:
        yield from analytics_users(config, http, ctx, clients)


def switched_off(config: AnthropicConfig) -> Iterator[Gap]:
    """A Gap for each record type of an Enterprise stream whose switch is off."""
    if not config.rbac:
        for record_type in RBAC_TYPES:
            yield Gap(record_type, NOT_READ.format(
                what="Claude Enterprise RBAC", fix="set rbac = true on a Claude Enterprise org"),
                      "set rbac = true on a Claude Enterprise org (Admin key with "
                      "read:rbac_groups) to read roles, groups, members and role assignments; "
                      "a Console org has no RBAC, so checks on them stay manual there",
                      switched_off=True)
    if not config.directory:
        yield Gap("directory", NOT_READ.format(
            what="the Compliance directory",
            fix="set directory = true with a Compliance Access Key"),
                  "set directory = true and compliance_api_key_env (a Compliance Access Key "
                  "with read:compliance_org_data and read:compliance_user_data) to read "
                  "linked organizations' users, roles and groups", switched_off=True)
    if not config.analytics:
        yield Gap("analytics_user", NOT_READ.format(
            what="Enterprise Analytics",
            fix="set analytics = true and analytics_api_key_env on a Claude Enterprise org"),
                  "set analytics = true and analytics_api_key_env (read:analytics) on a Claude "
                  "Enterprise org to read each seat's last activity date; until then "
                  "dormant-account judges seats by the feed and usage and says so",
                  switched_off=True)


def _completion(seen: _Seen, config: AnthropicConfig) -> Iterator[SyncItem]:
    if not seen.rbac_complete:
        return
    # Linked organizations' roles, groups and members come only from the directory: what it
    # could not read this run is kept from earlier runs, never retired.
    unread: set[str] = set()
    if config.directory and seen.directory_failed:
        unread = {"role", "group", "group_member"}
    elif config.directory and seen.directory_users_refused:
        unread = {"group_member"}
    for record_type in ("role", "group", "group_member"):
        if record_type not in unread:
            yield StreamComplete(record_type)
    if seen.unknown_roles:
        yield Gap("role_assignment", "group role data unavailable",
                  "the vendor sent no role list (null) for groups "
                  f"{', '.join(sorted(seen.unknown_roles)[:20])}: their role assignments "
                  "are kept from earlier runs, never read as none")
    elif config.directory and not seen.directory_ok:
        yield Gap("role_assignment", "directory unreadable",
                  "linked organizations' role assignments come from the Compliance directory")
    else:
        yield StreamComplete("role_assignment")


# -- RBAC (Admin API) --------------------------------------------------------------------------
def _rbac(client: HttpClient, org_id: str, seen: _Seen) -> Iterator[SyncItem]:
    for page in page_cursor_pages(client, ROLES, [("limit", RBAC_LIMIT)]):
        roles: list[Record] = []
        raws: list[Batch] = []
        for obj in page.items:
            role_id = obj.get("id") if isinstance(obj, dict) else None
            perms: list[Permission] | None = None
            if isinstance(role_id, str) and role_id:
                perms, perm_pages = _permissions(client, f"{ROLES}/{role_id}/permissions",
                                                 page_cursor_pages)
                raws += [Batch("rbac_role_permissions", [], raw=pages.raw_page(client, p))
                         for p in perm_pages]
            read, bad = pages.quarantine_page(_one(page, obj), rbac.role, org_id, perms,
                                              record_types=("role",))
            roles += read
            seen.roles.update(r.external_id for r in read)
            yield from bad
        yield from raws
        yield Batch("rbac_roles", roles, raw=pages.raw_page(client, page))
    groups: list[Group] = []
    for page in page_cursor_pages(client, GROUPS, [("limit", RBAC_LIMIT)]):
        listed, bad = pages.quarantine_page(page, rbac.group, record_types=("group",))
        yield from bad
        groups += listed
        assignments: list[RoleAssignment] = rbac.group_assignments(listed, org_id)
        yield Batch("rbac_groups", [*listed, *assignments], raw=pages.raw_page(client, page))
    for group in groups:
        seen.groups.add(group.external_id)
        if group.role_ids is None:
            seen.unknown_roles.append(group.external_id)
        for page in page_cursor_pages(client, f"{GROUPS}/{group.external_id}/members",
                                      [("limit", RBAC_LIMIT)]):
            members, bad = pages.quarantine_page(page, rbac.member, group.external_id,
                                                 record_types=("group_member",))
            yield from bad
            seen.members.update(m.external_id for m in members)
            yield Batch("rbac_group_members", members, raw=pages.raw_page(client, page))
    seen.rbac_complete = True


def _one(page: Page, obj: Any) -> Page:
    """``page`` narrowed to one item (so a quarantined role names its page and field)."""
    return Page(items=[obj], response=page.response, next_cursor=page.next_cursor,
                cursor=page.cursor)


def _permissions(client: HttpClient, path: str, pager: Any
                 ) -> tuple[list[Permission] | None, list[Page]]:
    """A role's permissions; None (unknown, not empty) when they cannot be read."""
    perms: list[Permission] = []
    read: list[Page] = []
    try:
        for page in pager(client, path, [("limit", RBAC_LIMIT)]):
            read.append(page)
            perms += pages.transform_page(page, rbac.permission)
    except ApiError as exc:
        if exc.status not in GAP_STATUSES:
            raise
        return None, read
    return perms, read


# -- Compliance directory ----------------------------------------------------------------------
def _directory(client: HttpClient, org_id: str, seen: _Seen) -> Iterator[SyncItem]:
    orgs: list[str] = []
    for page in directory_pages(client, DIRECTORY_ORGS, [("limit", DIRECTORY_LIMIT)]):
        orgs += [str(o["uuid"]) for o in page.items if isinstance(o, dict) and o.get("uuid")]
        yield Batch("directory_organizations", [], raw=pages.raw_page(client, page))
    user_data = _UserData(seen)
    for org in orgs:
        base = f"{DIRECTORY_ORGS}/{org}"
        if org != org_id:  # this org's members and roles come from the Admin API
            yield from user_data.read(_directory_users(client, base, org))
        for page in directory_pages(client, f"{base}/roles", [("limit", DIRECTORY_LIMIT)]):
            roles: list[Record] = []
            for obj in page.items:
                role_id = obj.get("id") if isinstance(obj, dict) else None
                if not isinstance(role_id, str) or role_id in seen.roles:
                    continue
                perms, perm_pages = _permissions(client, f"{base}/roles/{role_id}/permissions",
                                                 directory_pages)
                yield from (Batch("directory_role_permissions", [],
                                  raw=pages.raw_page(client, p)) for p in perm_pages)
                listed, bad = pages.quarantine_page(_one(page, obj), rbac.role, org, perms,
                                                    record_types=("directory",))
                yield from bad
                roles += listed
                seen.roles.update(r.external_id for r in listed)
            yield Batch("directory_roles", roles, raw=pages.raw_page(client, page))
    groups: list[Group] = []
    for page in directory_pages(client, DIRECTORY_GROUPS, [("limit", DIRECTORY_LIMIT)]):
        found, bad = pages.quarantine_page(page, rbac.group, record_types=("directory",))
        yield from bad
        new = [g for g in found if g.external_id not in seen.groups]
        groups += found
        yield Batch("directory_groups", [*new, *rbac.group_assignments(new, org_id)],
                    raw=pages.raw_page(client, page))
    for group in groups:
        yield from user_data.read(_directory_members(client, group, seen))


class _UserData:
    """Users and group members need ``read:compliance_user_data``: a key without it gets 403
    there while organizations, roles and groups (``read:compliance_org_data``) still read.
    The first refusal is a Gap naming the scope; later user-data calls are not made."""

    def __init__(self, seen: _Seen) -> None:
        self.seen = seen
        self.refused = False

    def read(self, items: Iterator[SyncItem]) -> Iterator[SyncItem]:
        if self.refused:
            return
        try:
            yield from items
        except ApiError as exc:
            if exc.status != 403:
                raise
            self.refused = True
            self.seen.directory_ok, self.seen.directory_users_refused = False, True
            yield Gap("directory", f"{exc.error_type} (HTTP 403)",
                      f"Compliance directory users and group members: {exc} (the key needs "
                      "read:compliance_user_data)")


def _directory_users(client: HttpClient, base: str, org: str) -> Iterator[SyncItem]:
    for page in directory_pages(client, f"{base}/users", [("limit", DIRECTORY_LIMIT)]):
        users, bad = pages.quarantine_page(page, rbac.directory_user_assignment, org,
                                           record_types=("directory",))
        yield from bad
        yield Batch("directory_users", users, raw=pages.raw_page(client, page))


def _directory_members(client: HttpClient, group: Group, seen: _Seen) -> Iterator[SyncItem]:
    for page in directory_pages(client, f"{DIRECTORY_GROUPS}/{group.external_id}/members",
                                [("limit", DIRECTORY_LIMIT)]):
        members, bad = pages.quarantine_page(page, rbac.member, group.external_id,
                                             record_types=("directory",))
        yield from bad
        fresh = [m for m in members if m.external_id not in seen.members]
        yield Batch("directory_group_members", fresh, raw=pages.raw_page(client, page))


# -- Analytics users ---------------------------------------------------------------------------
def analytics_users(config: AnthropicConfig, http: fetch.HttpOptions, ctx: SyncContext,
                    clients: list[HttpClient]) -> Iterator[SyncItem]:
    """Per-seat last activity and per-product figures over ``analytics_days`` (a Gap without
    the analytics key)."""
    if not config.analytics_api_key_env:
        yield Gap("analytics_user", "no analytics key",
                  "set analytics_api_key_env to an Enterprise Analytics key (read:analytics) "
                  "to read last activity of claude.ai seats")
        return
    key = secret_from_env(config, "analytics_api_key_env", config.analytics_api_key_env,
                          ctx.env)
    end = ctx.clock.today() + timedelta(days=1)  # exclusive: today is in the window
    params: list[tuple[str, str | int | bool]] = [
        ("starting_date", (end - timedelta(days=config.analytics_days)).isoformat()),
        ("ending_date", end.isoformat()), ("limit", 1000)]
    client = fetch.make_client(config, key, options=http)
    clients.append(client)
    with client:
        try:
            for page in page_cursor_pages(client, ANALYTICS_USERS, params):
                read, bad = pages.quarantine_page(page, analytics.analytics_user,
                                                  record_types=("analytics_user",))
                yield from bad
                yield Batch("analytics_users", [r for r in read if r is not None],
                            raw=pages.raw_page(client, page))
        except (ApiError, RetriesExhausted) as exc:
            if isinstance(exc, ApiError) and exc.status not in GAP_STATUSES:
                raise
            yield from _gap_of(exc, ("analytics_user",), "Enterprise Analytics",
                               " (a bad key or a key without read:analytics answers 404)")
            return
    yield StreamComplete("analytics_user")
