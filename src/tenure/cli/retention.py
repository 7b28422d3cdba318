"""Commands: tenure retention run."""

from __future__ import annotations

import json
from datetime import date
from enum import StrEnum
from typing import Annotated

import typer

from tenure.cli.output import console
from tenure.cli.state import state
from tenure.services import retention as svc

retention_app = typer.Typer(help="Data retention: remove raw activity rows past the retention "
                            "period (daily rollups are kept).", no_args_is_help=True)


class ReportFormat(StrEnum):
    """How ``retention run`` reports."""

    TEXT = "text"
    JSON = "json"


def _print_text(result: svc.RetentionResult) -> None:
    out = console()
    verb = "would remove" if result.dry_run else "removed"
    if result.dry_run:
        out.print("dry run: nothing was changed")
    out.print(f"cutoff {result.cutoff.isoformat()}: raw activities before it are removed "
              f"({'partitions dropped' if result.method == 'drop-partitions' else 'rows deleted'}"
              ")")
    for m in result.months:
        where = f"  partition {m.partition}" if m.partition else ""
        out.print(f"  {m.month.strftime('%Y-%m')}  {m.rows} row(s){where}")
    if result.other_rows:
        out.print(f"  {result.other_rows} row(s) outside the month partitions")
    out.print(f"{verb} {result.rows} activity row(s) in {len(result.months)} month(s)")
    out.print(svc.ROLLUPS_NOTE)
    if result.ledger_seq is not None:
        out.print(f"recorded as ledger entry {result.ledger_seq} ({svc.LEDGER_KIND})")


@retention_app.command("run")
def run(
    ctx: typer.Context,
    before: Annotated[str | None, typer.Option(
        "--before", help="Remove raw activities before this date's month (YYYY-MM-DD, rounded "
        "down to the first of the month); default: [retention] activity_months.")] = None,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Report what would be removed; change nothing.")] = False,
    fmt: Annotated[ReportFormat, typer.Option(
        "--format", "-f", help="Output format: text or json.")] = ReportFormat.TEXT,
) -> None:
    """Remove raw activity rows older than the retention cutoff month (whole months) and
    record it in the evidence ledger; daily rollups are kept, so findings do not change."""
    cutoff: date | None = None
    if before is not None:
        try:
            cutoff = date.fromisoformat(before)
        except ValueError as exc:
            raise typer.BadParameter(f"{before!r}: {exc}", param_hint="--before") from None
    result = svc.prune_activities(state(ctx).app(), before=cutoff, dry_run=dry_run)
    if fmt is ReportFormat.JSON:
        typer.echo(json.dumps(result.as_dict(), indent=2))
        return
    _print_text(result)


def register(app: typer.Typer) -> None:
    """Add the retention group to the root app."""
    app.add_typer(retention_app, name="retention")
