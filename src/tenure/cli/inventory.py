"""Commands: keys, workspaces (the inventory the web pages show; `tenure activity --admin`
is in cli/activity.py)."""

from __future__ import annotations

from typing import Annotated

import typer

from tenure.cli.output import OutputFormat, render
from tenure.cli.state import state
from tenure.services import catalog
from tenure.services.catalog import NO_LIMIT

FormatOption = Annotated[OutputFormat, typer.Option(
    "--format", "-f", help="Output format: table, json or csv.")]
SearchOption = Annotated[str | None, typer.Option(
    "--search", "-s", help="Only rows containing this text (name, email, id).")]
SourceOption = Annotated[str | None, typer.Option("--source", help="Only this source.")]


def _source(ctx: typer.Context, source: str | None) -> str | None:
    if source:
        state(ctx).app().settings.source(source)  # an unknown source is an error, not empty
    return source


def keys(
    ctx: typer.Context, search: SearchOption = None, source: SourceOption = None,
    status: Annotated[catalog.KeyStatus | None, typer.Option(
        "--status", help="Only keys with this status.")] = None,
    workspace: Annotated[str | None, typer.Option(
        "--workspace", help="Only keys of this workspace or project (id or name).")] = None,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """List API keys: name, owner, workspace, status, last used, tokens and requests (30 days)."""
    app = state(ctx).app()
    rows = catalog.keys(app, q=search, source=_source(ctx, source),
                        status=str(status) if status else None, workspace=workspace,
                        limit=NO_LIMIT).rows
    render(rows, ["external_id", "name", "owner_email", "workspace_name", "status",
                  "last_used_at", "tokens_30d", "requests_30d", "source"], fmt,
           title="API keys", wide=("requests_30d", "source"), limit=50,
           empty="no keys (sync a platform source)")


def workspaces(
    ctx: typer.Context, search: SearchOption = None, source: SourceOption = None,
    status: Annotated[catalog.WorkspaceStatus | None, typer.Option(
        "--status", help="Only workspaces with this status.")] = None,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """List workspaces (Anthropic) and projects (OpenAI) with members and active keys."""
    rows = catalog.workspaces(state(ctx).app(), q=search, source=_source(ctx, source),
                              status=str(status) if status else None, limit=NO_LIMIT).rows
    render(rows, ["external_id", "name", "status", "members", "keys", "source",
                  "archived_at"], fmt, title="Workspaces and projects",
           wide=("archived_at",), limit=50, empty="no workspaces (sync a platform source)")


def register(app: typer.Typer) -> None:
    """Add these commands to the root app."""
    app.command()(keys)
    app.command()(workspaces)
