"""Commands: init, sources, sync."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from tenure.cli.output import OutputFormat, console, render
from tenure.cli.state import state
from tenure.config import config_path
from tenure.connectors.base import SyncOptions
from tenure.services.gap_text import switched_off_lines
from tenure.services.init import initialize
from tenure.services.inventory import source_status
from tenure.services.sync import SyncResult, sync_sources

FormatOption = Annotated[OutputFormat, typer.Option(
    "--format", "-f", help="Output format: table, json or csv.")]


def init(
    ctx: typer.Context,
    hr_csv: Annotated[Path | None, typer.Option(
        "--hr-csv", help="Add an hr-csv identity source reading this file.")] = None,
    force: Annotated[bool, typer.Option(
        "--force", help="Overwrite an existing configuration file.")] = False,
) -> None:
    """Write a starter tenure.toml (if none exists) and create or upgrade the database."""
    st = state(ctx)
    path = config_path(st.config)
    report = initialize(path, hr_csv=hr_csv, force=force)
    out = console()
    out.print(f"configuration: {report.config_path} ({report.config_action})")
    out.print(f"database:      {report.database_url} (schema {report.revision})")


def sources(ctx: typer.Context, fmt: FormatOption = OutputFormat.TABLE) -> None:
    """List configured sources and when each last synced successfully."""
    rows = [asdict(s) for s in source_status(state(ctx).app())]
    render(rows, ["name", "type", "last_success_at", "last_run_status", "last_run_at", "gaps",
                  "error"], fmt, title="Sources", empty="no sources configured (see tenure init)")


def _summary(results: list[SyncResult]) -> Table:
    table = Table(title="Sync summary")
    for column in ("source", "status", "written", "retired", "changes", "gaps", "retries",
                   "seconds"):
        table.add_column(column)
    for r in results:
        colour = {"complete": "green", "partial": "yellow", "failed": "red"}.get(str(r.status))
        table.add_row(
            r.source, f"[{colour}]{r.status}[/{colour}]",
            ", ".join(f"{k} {v}" for k, v in sorted(r.written.items())) or "-",
            ", ".join(f"{k} {v}" for k, v in sorted(r.retired.items())) or "-",
            ", ".join(f"{k} {v}" for k, v in sorted(r.changes.items())) or "-",
            "; ".join(f"{g.record_type}: {g.reason}" for g in r.gaps
                      if not g.switched_off) or "-",
            str(r.notes.get("http_retries", "-")),
            f"{r.seconds:.1f}",
        )
    return table


def sync(
    ctx: typer.Context,
    names: Annotated[list[str] | None, typer.Argument(
        help="Sources to sync (default: all configured).", show_default=False)] = None,
    skip_invalid: Annotated[bool, typer.Option(
        "--skip-invalid", help="Import the valid rows of an identity file and list the bad "
        "ones, instead of rejecting the file whole.")] = False,
    allow_mass_change: Annotated[bool, typer.Option(
        "--allow-mass-change", help="Accept an identity listing that retires more than "
        "[lifecycle] mass_change_percent of people at once, or lists nobody.")] = False,
    then_lifecycle: Annotated[bool, typer.Option(
        "--then-lifecycle", help="Evaluate lifecycle triggers after a successful sync "
        "(plans are written to ./plans; nothing is applied).")] = False,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Sync sources into the store; exits non-zero when a source failed."""
    app = state(ctx).app()
    options = SyncOptions(skip_invalid=skip_invalid, allow_mass_change=allow_mass_change)
    err = console(stderr=True)
    if fmt is OutputFormat.TABLE:
        with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                      TextColumn("{task.completed} records"), TimeElapsedColumn(),
                      console=err, transient=True) as progress:
            tasks: dict[str, TaskID] = {}

            def on_progress(source: str, stream: str, written: int) -> None:
                if source not in tasks:
                    tasks[source] = progress.add_task(source, total=None)
                progress.update(tasks[source], completed=written,
                                description=f"{source} · {stream}")

            results = sync_sources(app, names or [], options=options, progress=on_progress)
        console().print(_summary(results))
        for r in results:
            for line in switched_off_lines(r.source, r.gaps):
                console().print(line, markup=False, highlight=False)
    else:
        results = sync_sources(app, names or [], options=options)
        render([{"source": r.source, "run_id": r.run_id, "status": str(r.status),
                 "tenant": r.tenant, **r.stats(), "error": r.error, "problems": r.problems}
                for r in results], ["source", "status"], fmt)
    for r in results:
        if r.error:
            err.print(f"[red]{r.source}: {r.error}[/red]", markup=True, highlight=False)
        elif r.problems:
            err.print(f"[yellow]{r.source}: {len(r.problems)} invalid row(s) skipped:[/yellow]")
            for p in r.problems:
                field = f" field {p['field']!r}:" if p.get("field") else ""
                err.print(f"  {p['path']}:{p['line']}:{field} {p['reason']}", markup=False)
    if any(r.failed for r in results):
        raise typer.Exit(1)
    if then_lifecycle:
        from tenure.cli.lifecycle import run_and_print
        from tenure.lifecycle import TRIGGERS

        run_and_print(ctx, TRIGGERS, Path("plans"))


def register(app: typer.Typer) -> None:
    """Add these commands to the root app."""
    app.command()(init)
    app.command("sources")(sources)
    app.command()(sync)
