"""Home and inventory: a dashboard per role; people, accounts and seats, API keys,
workspaces and projects, admin activity — each with filters, search and CSV export."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from tenure.services import catalog, dashboard
from tenure.services.catalog import NO_LIMIT, Listing
from tenure.services.web_users import Role
from tenure.web.auth import EVERYONE, READ_ALL, require_page, tenure_app
from tenure.web.charts import stacked_columns
from tenure.web.render import render

router = APIRouter(include_in_schema=False)
PAGE = 50


@router.get("/dashboard")
def dashboard_page(request: Request) -> Response:
    """The signed-in user's home: admin, auditor or reviewer."""
    principal = require_page(request, EVERYONE)
    app = tenure_app(request)
    mine = dashboard.reviewer(app, principal.email)
    if principal.role is Role.REVIEWER:
        return render(request, "dashboard.html", principal, mine=mine, admin=None,
                      auditor=None, trend_chart=None)
    if principal.role is Role.AUDITOR:
        return render(request, "dashboard.html", principal, mine=None, admin=None,
                      auditor=dashboard.auditor(app), trend_chart=None)
    admin = dashboard.admin(app)
    chart = stacked_columns(admin.trend_weeks, admin.trend,
                            title="Open findings by severity, end of each week")
    return render(request, "dashboard.html", principal, mine=mine, admin=admin, auditor=None,
                  trend_chart=chart)


@dataclass(frozen=True, slots=True)
class Column:
    """One column of an inventory table: header, row key, and how to show it."""

    header: str
    key: str
    show: str = "text"  # text, ago, compact, person, account, key, yesno


@dataclass(frozen=True, slots=True)
class Filter:
    """One select of an inventory's filter form."""

    name: str
    label: str
    options: tuple[str, ...]


def _csv(rows: list[dict[str, Any]], columns: list[Column], name: str) -> Response:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([c.key for c in columns])
    for row in rows:
        writer.writerow(["" if row.get(c.key) is None else
                         (row[c.key].isoformat() if hasattr(row[c.key], "isoformat")
                          else row[c.key]) for c in columns])
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})


def _inventory(request: Request, *, name: str, title: str, intro: str, columns: list[Column],
               filters: list[Filter], fetch: Callable[[int, int], Listing],
               values: dict[str, str | None], fmt: str | None, offset: int) -> Response:
    principal = require_page(request, READ_ALL)
    if fmt == "csv":
        return _csv(fetch(NO_LIMIT, 0).rows, columns, name)
    listing = fetch(PAGE, offset)
    from urllib.parse import urlencode

    query = urlencode([(k, v) for k, v in values.items() if v])
    return render(request, "inventory.html", principal, name=name, title=title, intro=intro,
                  columns=columns, filters=filters, page=listing, values=values,
                  query=query + "&" if query else "")


Text = Annotated[str | None, Query(max_length=256)]
Offset = Annotated[int, Query(ge=0)]
Format = Annotated[str | None, Query(pattern="^(csv|html)$")]


def _sources(request: Request) -> tuple[str, ...]:
    return tuple(s.name for s in tenure_app(request).settings.sources)


@router.get("/people")
def people_page(request: Request, q: Text = None, status: Text = None,
                department: Text = None, format: Format = None,
                offset: Offset = 0) -> Response:
    """People with the platform accounts and keys they answer for."""
    app = tenure_app(request)
    return _inventory(
        request, name="people", title="People",
        intro="Everyone in the identity sources, with the platform accounts they hold and "
              "the API keys they answer for.",
        columns=[Column("Name", "name", "person"), Column("Email", "email"),
                 Column("Status", "status"), Column("Department", "department"),
                 Column("Title", "title"), Column("Manager", "manager_email"),
                 Column("Accounts", "accounts"), Column("Keys", "keys"),
                 Column("Left", "end_date", "ago")],
        filters=[Filter("status", "Status", catalog.PERSON_STATUSES)],
        fetch=lambda limit, off: catalog.people(app, q=q, status=status,
                                                department=department, limit=limit,
                                                offset=off),
        values={"q": q, "status": status, "department": department}, fmt=format,
        offset=offset)


@router.get("/accounts")
def accounts_page(request: Request, q: Text = None, source: Text = None, kind: Text = None,
                  match: Text = None, privileged: Text = None, format: Format = None,
                  offset: Offset = 0) -> Response:
    """Platform accounts and seats, and who each is."""
    app = tenure_app(request)
    return _inventory(
        request, name="accounts", title="Accounts and seats",
        intro="Every seat and service account on the platforms, and the person it resolves "
              "to (or unmatched).",
        columns=[Column("Account", "email", "account"), Column("Source", "source"),
                 Column("Kind", "kind"), Column("Role", "role"), Column("Status", "status"),
                 Column("Person", "person_name", "person"),
                 Column("Created", "created_at", "ago"), Column("Id", "external_id")],
        filters=[Filter("source", "Source", _sources(request)),
                 Filter("kind", "Kind", catalog.ACCOUNT_KINDS),
                 Filter("match", "Identity", catalog.MATCHES),
                 Filter("privileged", "Privileged", ("yes",))],
        fetch=lambda limit, off: catalog.accounts(app, q=q, source=source, kind=kind,
                                                  match=match, privileged=bool(privileged),
                                                  limit=limit, offset=off),
        values={"q": q, "source": source, "kind": kind, "match": match,
                "privileged": privileged}, fmt=format, offset=offset)


@router.get("/keys")
def keys_page(request: Request, q: Text = None, source: Text = None, status: Text = None,
              workspace: Text = None, format: Format = None, offset: Offset = 0) -> Response:
    """API keys: name, owner, workspace, last used, status, 30-day tokens and requests."""
    app = tenure_app(request)
    return _inventory(
        request, name="keys", title="API keys",
        intro="Every API key on the platforms: who answers for it, where it works, when it "
              "was last used and how much (30 days).",
        columns=[Column("Name", "name", "key"), Column("Owner", "owner_email"),
                 Column("Workspace", "workspace_name"), Column("Status", "status"),
                 Column("Last used", "last_used_at", "ago"),
                 Column("Tokens 30d", "tokens_30d", "compact"),
                 Column("Requests 30d", "requests_30d", "compact"),
                 Column("Created", "created_at", "ago"), Column("Id", "external_id")],
        filters=[Filter("source", "Source", _sources(request)),
                 Filter("status", "Status", catalog.KEY_STATUSES)],
        fetch=lambda limit, off: catalog.keys(app, q=q, source=source, status=status,
                                              workspace=workspace, limit=limit, offset=off),
        values={"q": q, "source": source, "status": status, "workspace": workspace},
        fmt=format, offset=offset)


@router.get("/workspaces")
def workspaces_page(request: Request, q: Text = None, source: Text = None,
                    status: Text = None, format: Format = None,
                    offset: Offset = 0) -> Response:
    """Workspaces and projects with their members and active keys."""
    app = tenure_app(request)
    return _inventory(
        request, name="workspaces", title="Workspaces and projects",
        intro="Anthropic workspaces and OpenAI projects, their members and active keys.",
        columns=[Column("Name", "name"), Column("Source", "source"),
                 Column("Status", "status"), Column("Members", "members"),
                 Column("Active keys", "keys"), Column("Created", "created_at", "ago"),
                 Column("Archived", "archived_at", "ago"), Column("Id", "external_id")],
        filters=[Filter("source", "Source", _sources(request)),
                 Filter("status", "Status", catalog.WORKSPACE_STATUSES)],
        fetch=lambda limit, off: catalog.workspaces(app, q=q, source=source, status=status,
                                                    limit=limit, offset=off),
        values={"q": q, "source": source, "status": status}, fmt=format, offset=offset)


@router.get("/activity")
def activity_page(request: Request, q: Text = None, source: Text = None,
                  days: Annotated[int, Query(ge=1, le=3650)] = 30, format: Format = None,
                  offset: Offset = 0) -> Response:
    """What admins did: who changed what, when, on which platform (and on whom)."""
    app = tenure_app(request)
    return _inventory(
        request, name="admin-activity", title="Admin activity",
        intro=f"Admin actions from the platforms' activity feeds, last {days} days, newest "
              "first.",
        columns=[Column("When", "occurred_at", "ago"), Column("Who", "actor_email"),
                 Column("Platform", "source"), Column("Action", "action"),
                 Column("On", "target_id"), Column("Target kind", "target_type"),
                 Column("Workspace", "workspace_id")],
        filters=[Filter("source", "Source", _sources(request))],
        fetch=lambda limit, off: catalog.admin_activity(app, q=q, source=source, days=days,
                                                        limit=limit, offset=off),
        values={"q": q, "source": source, "days": str(days) if days != 30 else None},
        fmt=format, offset=offset)
