"""Command: tenure import activity."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tenure.cli.output import console
from tenure.cli.state import state
from tenure.services.importer import import_activity

import_app = typer.Typer(help="Backfill data from vendor exports.", no_args_is_help=True)


@import_app.command("activity")
def activity(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="A Compliance-feed JSONL export (one activity "
                                              "object per line).")],
    source: Annotated[str, typer.Option("--source", help="The anthropic source it belongs "
                                                         "to.")],
    skip_invalid: Annotated[bool, typer.Option(
        "--skip-invalid", help="Import the valid lines and list the invalid ones, instead of "
        "rejecting the file whole.")] = False,
) -> None:
    """Import activities from a Compliance-feed export in one transaction (dedup by id)."""
    result = import_activity(state(ctx).app(), path, source=source, skip_invalid=skip_invalid)
    out = console()
    out.print(f"{result.lines} lines: {result.inserted} new activities, {result.duplicates} "
              f"already stored, {result.problem_count} invalid; {result.seconds:.1f}s; "
              f"file sha256 {result.sha256}")
    err = console(stderr=True)
    for problem in result.problems[:50]:
        err.print(str(problem), markup=False)


def register(app: typer.Typer) -> None:
    """Add the import group to the root app."""
    app.add_typer(import_app, name="import")
