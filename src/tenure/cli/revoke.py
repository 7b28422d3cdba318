"""Commands: tenure revoke plan|approve|apply|status|list|export|tasks|task-done."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

from tenure.cli.output import OutputFormat, console, render
from tenure.cli.state import state
from tenure.private_files import write_private
from tenure.services import revocation

revoke_app = typer.Typer(help="Revocation plans: dry-run by default, guarded apply, "
                              "verification.", no_args_is_help=True)
FormatOption = Annotated[OutputFormat, typer.Option(
    "--format", "-f", help="Output format: table, json or csv.")]


@revoke_app.command("plan")
def plan(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", help="Where to write the plan file.")],
    from_campaign: Annotated[str | None, typer.Option(
        "--from-campaign", help="A closed review campaign's revoke/reduce outcomes.")] = None,
    check: Annotated[str | None, typer.Option(
        "--check", help="Every open, unmuted failing finding of this check.")] = None,
    trigger: Annotated[str | None, typer.Option(
        "--trigger", help="leaver, purpose or unused.")] = None,
) -> None:
    """Write a plan: the exact vendor calls per target, the reason, and the plan's SHA-256.

    You (the signed-in admin) are recorded as the planner and cannot approve it yourself."""
    made, notes = revocation.plan_revocation(state(ctx).app(), campaign=from_campaign,
                                             check=check, trigger=trigger)
    write_private(out, made.to_json())
    rows = [{"index": s.index, "action": s.action, "kind": s.target.kind,
             "subject": s.target.label, "reason": s.target.reason,
             "call": f"{s.call.method} {s.call.path}" if s.call else "manual task",
             "confirm": s.target.requires_confirmation} for s in made.steps]
    render(rows, ["index", "action", "subject", "call", "reason"], OutputFormat.TABLE,
           title=f"Plan {made.id}", empty="nothing to revoke")
    err = console(stderr=True)
    for note in notes:
        err.print(f"[dim]{note}[/dim]")
    err.print(f"wrote {out}\nsha256 {made.sha256}\nnothing was changed: apply with "
              f"`tenure revoke apply {out} --approve-hash {made.sha256}`")


BatchOption = Annotated[int | None, typer.Option(
    "--batch", min=1, help="One batch of a plan over --max-actions (1, 2, …; see "
                           "`tenure revoke status`).")]


@revoke_app.command("approve")
def approve(
    ctx: typer.Context,
    plan_file: Annotated[Path, typer.Argument(help="The plan file.")],
    batch: BatchOption = None,
    batch_size: Annotated[int | None, typer.Option(
        "--batch-size", min=1, help="Vendor actions per batch, fixed by the first approved "
                                    "batch (default: [revocation] max_actions).")] = None,
) -> None:
    """Approve a plan as the signed-in admin, a second person (not the planner); required
    before apply by default. A plan is approved once.

    A plan with more vendor actions than max_actions is approved and applied batch by batch:
    `--batch K` approves batch K only (each batch once, never by the planner)."""
    app = state(ctx).app()
    who = app.user.email if app.user else app.actor
    if batch is None:
        if batch_size is not None:
            raise typer.BadParameter("--batch-size needs --batch", param_hint="--batch-size")
        approved = revocation.approve_plan(app, plan_file)
        console().print(f"approved {approved.id} (sha256 {approved.sha256}) as {who}",
                        markup=False)
        return
    from tenure.services.plan_batches import approve_batch

    cut = approve_batch(app, plan_file, batch, size=batch_size)
    span = f"steps {cut.first} to {cut.last}" if cut.steps else "no steps"
    console().print(f"approved batch {cut.number} ({span}, {cut.calls} vendor action(s)) of "
                    f"{plan_file} as {who}", markup=False)


@revoke_app.command("apply")
def apply(
    ctx: typer.Context,
    plan_file: Annotated[Path, typer.Argument(help="The plan file.")],
    approve_hash: Annotated[str, typer.Option(
        "--approve-hash", help="The plan's SHA-256: apply runs exactly that plan.")],
    max_actions: Annotated[int | None, typer.Option(
        "--max-actions", help="Refuse when the plan has more vendor actions.")] = None,
    max_percent: Annotated[float | None, typer.Option(
        "--max-percent", help="Refuse when actions exceed this % of identities in scope.")]
    = None,
    no_resync: Annotated[bool, typer.Option(
        "--no-resync", help="Skip re-syncing the touched sources afterwards.")] = False,
    batch: BatchOption = None,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Apply an approved plan: guards first, then each action once, then verification.

    With `--batch K`, apply only approved batch K; batches run in order, each one applied and
    verified before the next. A plan over --max-actions is refused unless batched."""
    report = revocation.apply(state(ctx).app(), plan_file, approve_hash=approve_hash,
                              max_actions=max_actions, max_percent=max_percent,
                              resync=not no_resync, batch=batch)
    what = report.plan_id if batch is None else f"batch {batch} of {report.plan_id}"
    render(report.steps, ["index", "status", "verified", "detail"], fmt,
           title=f"Applied {what}: {report.calls} vendor change(s); plan "
                 f"{report.plan_status}")
    if report.count("failed"):
        raise typer.Exit(1)


@revoke_app.command("status")
def status(ctx: typer.Context, plan_id: Annotated[str, typer.Argument(help="Plan id.")],
           fmt: FormatOption = OutputFormat.TABLE) -> None:
    """Show a plan's approval, each action's outcome and its verification (and, for a plan
    applied in batches, each batch's approval and progress)."""
    from tenure.services.plan_batches import progress

    app = state(ctx).app()
    info, steps = revocation.plan_status(app, plan_id)
    batches = progress(app, plan_id)
    if fmt is OutputFormat.JSON:
        typer.echo(json.dumps({**info, "steps": [asdict(s) for s in steps],
                               "batches": [asdict(b) for b in batches.batches]
                               if batches.needed else []}, indent=2, default=str))
        return
    console().print(" ".join(f"{k}={v}" for k, v in info.items() if v is not None))
    render([asdict(s) for s in steps], ["index", "action", "subject_id", "status", "verified",
                                        "detail"], fmt, title="Actions")
    if batches.needed:
        render([asdict(b) for b in batches.batches],
               ["number", "first_step", "last_step", "calls", "status", "approved_by",
                "verified"], fmt,
               title=f"Batches of {batches.size} vendor action(s): {batches.applied} of "
                     f"{len(batches.batches)} applied, {batches.verified} of "
                     f"{batches.calls} action(s) verified")


@revoke_app.command("list")
def list_(ctx: typer.Context, fmt: FormatOption = OutputFormat.TABLE) -> None:
    """List stored plans."""
    render(revocation.list_plans(state(ctx).app()),
           ["id", "origin", "status", "created_at", "created_by", "approved_by"], fmt,
           title="Plans", empty="no plans")


@revoke_app.command("export")
def export(ctx: typer.Context, plan_id: Annotated[str, typer.Argument(help="Plan id.")],
           out: Annotated[Path, typer.Option("--out", help="Where to write the plan file.")]
           ) -> None:
    """Write a stored plan (e.g. one made by `tenure lifecycle run`) to a file."""
    write_private(out, revocation.export_plan(state(ctx).app(), plan_id))
    console().print(f"wrote {out}")


@revoke_app.command("tasks")
def tasks(
    ctx: typer.Context,
    all_: Annotated[bool, typer.Option("--all", help="Include done tasks.")] = False,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Manual revocation tasks where the platform's API cannot revoke."""
    rows = revocation.list_tasks(state(ctx).app(), status=None if all_ else "open")
    render(rows, ["id", "subject_id", "owner", "due", "overdue", "why", "status"], fmt,
           title="Manual tasks", empty="no open manual tasks")


@revoke_app.command("task-done")
def task_done(
    ctx: typer.Context,
    task_id: Annotated[int, typer.Argument(help="Task id.")],
    note: Annotated[str, typer.Option("--note", help="What was done.")],
) -> None:
    """Record that you (the signed-in user) did a manual revocation task."""
    revocation.complete_task(state(ctx).app(), task_id, note=note)
    console().print(f"task {task_id} done")


def register(app: typer.Typer) -> None:
    """Add the revoke group to the root app."""
    app.add_typer(revoke_app, name="revoke")
