"""The only I/O of the OpenAI groups/roles/role-assignments reader (vendor-apis-nhi.md §7).

Every listing here is the ``next``-cursor family (``after`` ← ``next``; the spec's "last ID"
wording is covered by the pager's last-item fallback — except for project groups, whose items
have no ``id``: a server that sends ``has_more`` without ``next`` there ends the run with a
``PaginationError``, never a silently short listing). Role paths inside a project have no
``/organization`` prefix. Page sizes stay inside each endpoint's documented maximum (project
groups: 100).
"""

from __future__ import annotations

from collections.abc import Iterator

from tenure.connectors.http import OPENAI_NEXT_PAGING, HttpClient, Page, paginate

ORG = "/v1/organization"
GROUPS = f"{ORG}/groups"
ROLES = f"{ORG}/roles"
PROJECT_GROUPS_MAX = 100


class RbacReader:
    """Reads groups, members, roles and role assignments of one organization."""

    def __init__(self, client: HttpClient, page_size: int) -> None:
        self.client = client
        self.page_size = page_size

    def _pages(self, path: str, limit: int | None = None) -> Iterator[Page]:
        query = [("limit", min(limit or self.page_size, self.page_size))]
        return paginate(self.client, path, query, paging=OPENAI_NEXT_PAGING)

    def groups(self) -> Iterator[Page]:
        """Every group."""
        return self._pages(GROUPS)

    def group_users(self, group_id: str) -> Iterator[Page]:
        """The members of one group."""
        return self._pages(f"{GROUPS}/{group_id}/users")

    def group_roles(self, group_id: str) -> Iterator[Page]:
        """The organization roles bound to one group."""
        return self._pages(f"{GROUPS}/{group_id}/roles")

    def org_roles(self) -> Iterator[Page]:
        """Organization roles, predefined and custom."""
        return self._pages(ROLES)

    def project_roles(self, project_id: str) -> Iterator[Page]:
        """The roles assignable in one project (``/projects/...``: no ``/organization``)."""
        return self._pages(f"/v1/projects/{project_id}/roles")

    def user_roles(self, user_id: str) -> Iterator[Page]:
        """A user's organization role assignments (inherited ones name their sources)."""
        return self._pages(f"{ORG}/users/{user_id}/roles")

    def project_user_roles(self, project_id: str, user_id: str) -> Iterator[Page]:
        """A user's role assignments in one project."""
        return self._pages(f"/v1/projects/{project_id}/users/{user_id}/roles")

    def project_groups(self, project_id: str) -> Iterator[Page]:
        """The groups with access to one project."""
        return self._pages(f"{ORG}/projects/{project_id}/groups", PROJECT_GROUPS_MAX)

    def project_group_roles(self, project_id: str, group_id: str) -> Iterator[Page]:
        """A group's roles in one project."""
        return self._pages(f"/v1/projects/{project_id}/groups/{group_id}/roles")
