"""Commands: tenure lifecycle run, tenure purpose add|list."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tenure.cli.output import OutputFormat, console, render
from tenure.cli.state import state
from tenure.clock import parse_instant
from tenure.lifecycle import TRIGGERS
from tenure.private_files import private_dir, write_private
from tenure.services import lifecycle

lifecycle_app = typer.Typer(help="Lifecycle triggers: leaver, mover, purpose end, unused.",
                            no_args_is_help=True)
purpose_app = typer.Typer(help="Record why access exists (purposes).", no_args_is_help=True)


def run_and_print(ctx: typer.Context, triggers: tuple[str, ...], out_dir: Path) -> None:
    """Evaluate triggers, write plan files and print what was opened."""
    report = lifecycle.run_lifecycle(state(ctx).app(), triggers)
    out = console()
    private_dir(out_dir)
    for p in report.plans:
        path = out_dir / f"{p['plan_id']}.json"
        write_private(path, p["document"])
        out.print(f"{p['trigger']}: plan {p['plan_id']} with {p['steps']} step(s) → {path}\n"
                  f"  apply: tenure revoke apply {path} --approve-hash {p['sha256']}")
    for r in report.reviews:
        if r.get("trigger") == "sponsor":
            out.print(f"sponsor: {r['subject']} passed from {r['person']} to "
                      f"{r['reviewer']} (provisional); review {r['campaign_id']}")
            continue
        out.print(f"mover: micro-review {r['campaign_id']} of {r['person']} for "
                  f"{r['reviewer']} ({r['items']} item(s))")
    for line in report.reported:
        out.print(f"[dim]{line}[/dim]")
    if not (report.plans or report.reviews or report.reported):
        out.print("no lifecycle trigger fired")


@lifecycle_app.command("run")
def run(
    ctx: typer.Context,
    trigger: Annotated[list[str] | None, typer.Option(
        "--trigger", help="Only these triggers (leaver, mover, sponsor, purpose, "
        "unused).")] = None,
    out_dir: Annotated[Path, typer.Option(
        "--out-dir", help="Where plan files are written.")] = Path("plans"),
) -> None:
    """Evaluate lifecycle triggers: plans for leavers, ended purposes and unused access;
    micro-reviews for movers. Nothing touches a vendor until a plan is applied."""
    chosen = tuple(trigger or TRIGGERS)
    unknown = [t for t in chosen if t not in TRIGGERS]
    if unknown:
        raise typer.BadParameter(f"unknown trigger(s) {', '.join(unknown)}",
                                 param_hint="--trigger")
    run_and_print(ctx, chosen, out_dir)


@purpose_app.command("add")
def add(
    ctx: typer.Context,
    subject: Annotated[str, typer.Argument(
        help="Account, key, grant, group, group membership or role assignment id (user_…, "
             "apikey_…, group_…: a group's purpose owner is its owner for reviews).")],
    reason: Annotated[str, typer.Option("--reason", help="Why the access exists.")],
    owner: Annotated[str, typer.Option("--owner", help="Who answers for it (email).")],
    until: Annotated[str | None, typer.Option("--until", help="When it ends (ISO date).")]
    = None,
    project: Annotated[str | None, typer.Option(
        "--project", help="The workspace/project whose end ends it.")] = None,
) -> None:
    """Record a purpose: access past it is revoked by the purpose trigger."""
    purpose_id = lifecycle.add_purpose(state(ctx).app(), subject, reason=reason, owner=owner,
                                       until=parse_instant(until) if until else None,
                                       project=project)
    console().print(f"purpose {purpose_id} recorded for {subject}")


@purpose_app.command("list")
def list_(ctx: typer.Context, fmt: Annotated[OutputFormat, typer.Option(
        "--format", "-f", help="Output format: table, json or csv.")] = OutputFormat.TABLE
          ) -> None:
    """List recorded purposes and whether each has ended."""
    render(lifecycle.list_purposes(state(ctx).app()),
           ["id", "subject", "reason", "owner", "until", "project", "ended"], fmt,
           title="Purposes", empty="no purposes recorded")


def register(app: typer.Typer) -> None:
    """Add the lifecycle and purpose groups to the root app."""
    app.add_typer(lifecycle_app, name="lifecycle")
    app.add_typer(purpose_app, name="purpose")
