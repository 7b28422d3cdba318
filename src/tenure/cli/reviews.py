"""Commands: tenure review create|list|show|items|decide|delegate|close|remind."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from tenure.cli.output import OutputFormat, console, render
from tenure.cli.state import state
from tenure.clock import parse_instant
from tenure.private_files import write_private
from tenure.reviews.campaigns import CampaignSpec, NoResponse, OutcomeStrategy
from tenure.reviews.decisions import Decision
from tenure.reviews.reviewers import parse_rule
from tenure.reviews.scope import parse_scope
from tenure.services import reviews
from tenure.services.web_users import Role


class ItemStatus(StrEnum):
    """Where an item stands."""

    PENDING = "pending"
    DECIDED = "decided"


review_app = typer.Typer(help="Usage-based access reviews (certification campaigns).",
                         no_args_is_help=True)

FormatOption = Annotated[OutputFormat, typer.Option(
    "--format", "-f", help="Output format: table, json or csv.")]


@review_app.command("create")
def create(
    ctx: typer.Context,
    name: Annotated[str, typer.Option("--name", help="Campaign name.")],
    due: Annotated[str, typer.Option("--due", help="Deadline (ISO date or date-time, UTC).")],
    fallback_reviewer: Annotated[str, typer.Option(
        "--fallback-reviewer", help="Reviewer when the rule finds nobody, and escalation "
        "target after the deadline.")],
    scope: Annotated[str, typer.Option(
        "--scope", help="source:NAME, kind:account|service_account|api_key|grant|agent|"
        "deployment|workload_identity, subject:ID, privileged, "
        "with-finding, inactive:N, active:N, group:NAME (comma-separated).")] = "all",
    reviewer_rule: Annotated[str, typer.Option(
        "--reviewer-rule", help="Ordered: sponsor, manager, owner, key-owner, named:EMAIL.")]
    = "sponsor,manager,key-owner",
    if_no_response: Annotated[NoResponse, typer.Option(
        "--if-no-response", help="What undecided items become at close.")] = NoResponse.KEEP,
    stages: Annotated[int, typer.Option(
        "--stages", help="2 sends keep-decisions on privileged items to a second reviewer.")]
    = 1,
    stage2_reviewer: Annotated[str | None, typer.Option(
        "--stage2-reviewer", help="Second-stage reviewer (default: the fallback reviewer).")]
    = None,
    outcome: Annotated[OutcomeStrategy, typer.Option(
        "--outcome", help="How stages combine.")] = OutcomeStrategy.ONE_DENY_DENIES,
    require_justification: Annotated[bool, typer.Option(
        "--require-justification", help="Every decision needs a justification.")] = False,
    allow_self_review: Annotated[bool, typer.Option(
        "--allow-self-review", help="Let people review their own access (off by default).")]
    = False,
    allow_stale: Annotated[bool, typer.Option(
        "--allow-stale", help="Create even when a source's data is older than the limit.")]
    = False,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Show the population and its size; create nothing.")] = False,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Create a campaign: snapshot the population with usage context and recommendations."""
    app = state(ctx).app()
    spec = CampaignSpec(
        name=name, scope=parse_scope(scope), due_at=parse_instant(due),
        reviewer_rule=parse_rule(reviewer_rule, fallback_reviewer),
        if_no_response=if_no_response, stages=stages,
        stage2_reviewer=stage2_reviewer.lower() if stage2_reviewer else None,
        outcome_strategy=outcome, require_justification=require_justification,
        allow_self_review=allow_self_review, allow_stale=allow_stale)
    if dry_run:
        population = reviews.preview(app, spec)
        campaign_id = "(preview)"
    else:
        campaign_id, population = reviews.create(app, spec)
    rows = [{"id": i.id, "kind": i.snapshot.kind, "source": i.snapshot.source,
             "subject": i.snapshot.label, "recommendation": str(i.advice.recommendation),
             "reason": i.advice.reason, "reviewer": i.reviewer} for i in population.items]
    if fmt is OutputFormat.JSON:
        typer.echo(json.dumps({"campaign_id": campaign_id, "dry_run": dry_run,
                               "population_size": len(rows),
                               "population_hash": population.population_hash,
                               "query": population.query,
                               "stale_sources": population.stale_sources, "items": rows},
                              indent=2))
        return
    out = console(stderr=True)
    verb = "would create" if dry_run else "created"
    out.print(f"{verb} campaign {campaign_id} with {len(rows)} items; population hash "
              f"{population.population_hash}")
    for warning in population.stale_sources:
        out.print(f"[yellow]stale data: {warning}[/yellow]")
    if fmt is OutputFormat.TABLE:
        by_rec = Counter(r["recommendation"] for r in rows)
        by_kind = Counter(r["kind"] for r in rows)
        console().print("recommendations: " + ", ".join(f"{k} {n}" for k, n in
                                                        by_rec.most_common()) +
                        "; kinds: " + ", ".join(f"{k} {n}" for k, n in by_kind.most_common()))
    render(sorted(rows, key=lambda r: r["recommendation"] == "keep"),
           ["subject", "recommendation", "reason", "reviewer"], fmt,
           title=f"Population ({len(rows)} items, changes first)", wide=("reviewer",),
           empty="the scope selects nothing", limit=20 if fmt is OutputFormat.TABLE else None)


@review_app.command("list")
def list_(ctx: typer.Context, fmt: FormatOption = OutputFormat.TABLE) -> None:
    """List campaigns with their progress."""
    rows = [asdict(c) for c in reviews.list_campaigns(state(ctx).app())]
    render(rows, ["id", "name", "status", "due_at", "items", "decided", "pending", "overdue"],
           fmt, title="Campaigns", empty="no campaigns")


@review_app.command("show")
def show(ctx: typer.Context, campaign_id: Annotated[str, typer.Argument(help="Campaign id.")],
         fmt: FormatOption = OutputFormat.TABLE) -> None:
    """Show a campaign: settings, progress by reviewer, overdue items, and its plan."""
    detail = reviews.show(state(ctx).app(), campaign_id)
    if fmt is not OutputFormat.TABLE:
        render([{**asdict(detail.summary), **detail.settings,
                 "by_reviewer": detail.by_reviewer,
                 "by_recommendation": detail.by_recommendation, "plan": detail.plan}],
               [], fmt)
        return
    s = detail.summary
    out = console()
    out.print(f"[bold]{s.name}[/bold] ({s.id}) — {s.status}, due {s.due_at:%Y-%m-%d %H:%M}"
              f"{' [red]OVERDUE[/red]' if s.overdue else ''}")
    out.print(f"{s.items} items: {s.decided} decided, {s.pending} pending; recommendations "
              + ", ".join(f"{k} {v}" for k, v in sorted(detail.by_recommendation.items())))
    out.print(f"population hash {s.population_hash}")
    render(detail.by_reviewer, ["reviewer", "pending", "decided", "overdue"], fmt,
           title="Progress by reviewer")


@review_app.command("items")
def items_(
    ctx: typer.Context,
    campaign_id: Annotated[str, typer.Argument(help="Campaign id.")],
    reviewer: Annotated[str | None, typer.Option(
        "--reviewer", help="Only this reviewer's queue.")] = None,
    status: Annotated[ItemStatus | None, typer.Option(
        "--status", help="Only items with this status.")] = None,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """List a campaign's items by risk, recommendation and reason first."""
    rows = [asdict(i) for i in reviews.items(state(ctx).app(), campaign_id, reviewer=reviewer,
                                             status=str(status) if status else None)]
    if fmt is OutputFormat.TABLE:
        for row in rows:
            row.pop("snapshot")
            row["last_activity"] = (row["last_activity"] or "never")[:10]
            if row["outcome"]:  # a closed campaign's items: their final status
                row["status"] = (f"{row['outcome']} by {row['decided_by']}"
                                 if row["status"] == "decided" else
                                 f"{row['outcome']} (no-response rule)")
    render(rows, ["id", "recommendation", "label", "reason", "kind", "last_activity",
                  "reviewer", "status", "decision"], fmt, title="Review items",
           wide=("kind", "last_activity", "reviewer", "decision"), empty="no items")


@review_app.command("decide")
def decide(
    ctx: typer.Context,
    item_ids: Annotated[list[str], typer.Argument(help="One or more item ids (bulk).")],
    decision: Annotated[Decision, typer.Option("--decision", help="keep, revoke, reduce or "
                                                                  "dont_know.")],
    justification: Annotated[str, typer.Option(
        "--justification", help="Why (required by some campaigns and for keeping privileged "
        "access against a revoke recommendation).")] = "",
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Decide items assigned to you (the signed-in reviewer); every decision records what you
    saw and why. Deciding an item you already decided, while the campaign is open, records a
    new decision; the earlier ones stay in its history."""
    app = state(ctx).app()
    reviewer = reviews.acting_reviewer(app, None, "deciding review items")
    if len(item_ids) == 1:
        advanced = reviews.record_decision(app, item_ids[0], decision=decision,
                                           justification=justification)
    else:
        advanced = reviews.decide(app, item_ids, decision=decision,
                                  justification=justification)
    if fmt is not OutputFormat.TABLE:
        render([{"item_id": i, "decision": str(decision), "reviewer": reviewer.lower(),
                 "moved_to_stage_2": i in advanced} for i in item_ids], [], fmt)
        return
    out = console()
    out.print(f"recorded {decision} on {len(item_ids)} item(s)")
    for item in advanced:
        out.print(f"{item}: moved to stage 2 for a second reviewer")


@review_app.command("delegate")
def delegate(
    ctx: typer.Context,
    item_ids: Annotated[list[str], typer.Argument(help="One or more item ids.")],
    to: Annotated[str, typer.Option("--to", help="The new reviewer's email.")],
    reason: Annotated[str, typer.Option("--reason", help="Why the item is handed over.")],
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Hand items assigned to you (the signed-in reviewer) to another reviewer, with a
    reason."""
    app = state(ctx).app()
    reviewer = reviews.acting_reviewer(app, None, "delegating review items")
    reviews.delegate(app, item_ids, to=to, reason=reason)
    if fmt is not OutputFormat.TABLE:
        render([{"item_id": i, "from": reviewer.lower(), "to": to.lower(), "reason": reason}
                for i in item_ids], [], fmt)
        return
    console().print(f"delegated {len(item_ids)} item(s) to {to}")


@review_app.command("history")
def history(
    ctx: typer.Context,
    item_id: Annotated[str, typer.Argument(help="Item id.")],
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Every decision recorded on an item, oldest first; `current` marks the one that counts
    (decisions are append-only: a change of mind is a new record)."""
    app = state(ctx).app()
    scope = app.user.email if app.user is not None and app.user.role is Role.REVIEWER else None
    rows = [asdict(r) for r in reviews.decision_history(app, item_id, reviewer=scope)]
    render(rows, ["id", "stage", "reviewer", "decision", "justification", "decided_at",
                  "current"], fmt, title=f"Decisions on {item_id}", empty="no decisions yet")


@review_app.command("remind")
def remind(ctx: typer.Context,
           campaign_id: Annotated[str, typer.Argument(help="Campaign id.")],
           fmt: FormatOption = OutputFormat.TABLE) -> None:
    """Send reminders before the deadline; after it, escalate to the fallback reviewer."""
    report = reviews.remind(state(ctx).app(), campaign_id)
    if fmt is not OutputFormat.TABLE:
        render([asdict(report)], [], fmt)
        return
    out = console()
    for note in report.skipped:
        out.print(f"[dim]{note}[/dim]")
    if report.escalated:
        out.print(f"escalated {report.escalated} item(s) to the fallback reviewer")
    render(report.sent, ["reviewer", "channel", "items", "status", "detail"], fmt,
           title="Notifications", empty="no notifications sent")


@review_app.command("close")
def close(
    ctx: typer.Context,
    campaign_id: Annotated[str, typer.Argument(help="Campaign id.")],
    force: Annotated[bool, typer.Option(
        "--force", help="Close before the deadline although items are undecided.")] = False,
    out_path: Annotated[Path | None, typer.Option(
        "--out", help="Write the stored revocation plan file (what `revoke approve` and "
        "`revoke apply` take) to this file.")] = None,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Close a campaign: no-response rule, stage outcomes, and the revocation plan."""
    app = state(ctx).app()
    closed = reviews.close(app, campaign_id, force=force)
    document = {"campaign_id": closed.campaign_id, "outcomes_sha256": closed.plan_hash,
                "outcomes": closed.outcomes, "actions": closed.plan,
                "plan_id": closed.stored_plan_id, "plan_problem": closed.plan_problem}
    if out_path is not None:
        if closed.stored_plan_id is None:
            why = closed.plan_problem or "nothing to revoke"
            console(stderr=True).print(
                f"no stored plan ({why}); an admin plans it with "
                f"`tenure revoke plan --from-campaign {campaign_id}`", markup=False)
        else:
            # The very plan file `tenure revoke approve/apply` take (version, hash, steps).
            from tenure.services.revocation import export_plan

            write_private(out_path, export_plan(app, closed.stored_plan_id))
    if fmt is OutputFormat.JSON:
        typer.echo(json.dumps(document, indent=2, sort_keys=True))
        return
    out = console()
    out.print(f"closed {campaign_id}: " + ", ".join(
        f"{k} {v}" for k, v in sorted(closed.outcomes.items())))
    if closed.stored_plan_id:
        out.print(f"revocation plan {closed.stored_plan_id} stored: approve it as another "
                  f"admin with `tenure revoke approve`, then apply")
    render(closed.plan, ["action", "kind", "label", "reason", "decided_by"], fmt,
           title=f"Outcomes to revoke or reduce (sha256 {closed.plan_hash[:16]}…)",
           empty="nothing to revoke")


def register(app: typer.Typer) -> None:
    """Add the review group to the root app."""
    app.add_typer(review_app, name="review")
