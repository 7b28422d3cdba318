"""Command: tenure demo."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from tenure.cli.nhi import print_chain
from tenure.cli.output import console
from tenure.services.demo import run_demo


def demo(
    directory: Annotated[Path, typer.Option(
        "--dir", help="Working folder (recreated): scenario, config, database, evidence.")]
    = Path("demo"),
    seed: Annotated[int, typer.Option("--seed", help="Seed of the synthetic organization.")]
    = 7,
) -> None:
    """Run the whole flow against the local simulator on the embedded SQLite store."""
    out = console()
    report = run_demo(directory, seed=seed, say=lambda m: out.print(f"[dim]{m}[/dim]"))
    sync = Table(title="1. Sync")
    for column in ("source", "status", "written", "gaps"):
        sync.add_column(column)
    for source, status, written, gaps in report.sync:
        sync.add_row(source, status, ", ".join(f"{k} {v}" for k, v in sorted(written.items())),
                     "; ".join(gaps) or "-")
    out.print(sync)
    if report.access_path:
        out.print(f"Effective access (tenure access): {report.access_path}")
    if report.enterprise_path:
        out.print(f"Effective access in the Claude Enterprise org: {report.enterprise_path}")
    checks = Table(title="2. Findings (failing) vs planted problems")
    for column in ("check", "findings", "planted"):
        checks.add_column(column)
    for check in sorted(set(report.findings_by_check) | set(report.planted_by_check)):
        checks.add_row(check, str(report.findings_by_check.get(check, 0)),
                       str(report.planted_by_check.get(check, 0)))
    out.print(checks)
    colour = "green" if report.planted_found == report.planted_total else "red"
    out.print(f"[{colour}]found {report.planted_found} of {report.planted_total} planted "
              f"problems[/{colour}]")
    for missed in report.missed:
        out.print(f"[red]  missed: {missed}[/red]")
    if report.manual:
        out.print("Not judged (manual: data missing, never counted as a pass):")
        for check, why in sorted(report.manual.items()):
            out.print(f"  {check}: {why}", markup=False)
    out.print(f"3. Review campaign {report.campaign_id}: {report.campaign_items} items; "
              "recommendations " + ", ".join(
                  f"{k} {v}" for k, v in sorted(report.recommendations.items())))
    movers = (f"{report.micro_reviews} mover micro-review(s)" if report.micro_reviews else
              "no move inside the mover window (older moves surface as mover-stale-access)")
    out.print(f"4. Lifecycle: {movers}; leaver plan "
              f"{report.plan_id} with {report.plan_steps} step(s), approved by a second person, "
              f"applied with {report.applied} vendor change(s), {report.verified}")
    out.print(f"5. Evidence: checkpoint over {report.checkpoint}; ledger {report.ledger_valid}")
    if report.chain is not None:
        out.print("6. Who answers for a non-human identity (tenure nhi show "
                  f"{report.chain.subject.id}):")
        print_chain(report.chain)
    config = report.directory / "tenure.toml"
    out.print("\nExplore:")
    person = report.access_path.split(":")[0] if report.access_path else ""
    for command in ("findings", *([f"access {person}"] if person else []),
                    "review items " + report.campaign_id, "accounts --unmatched",
                    "changes", "revoke status " + report.plan_id, "evidence verify",
                    "nhi list", *([f"nhi show {report.chain.subject.id}"] if report.chain
                                  else [])):
        out.print(f"  .venv/bin/tenure --config {config} {command}")
    if report.enterprise_config is not None and report.enterprise_path:
        who = report.enterprise_path.split(":")[0]
        out.print(f"  .venv/bin/tenure --config {report.enterprise_config} access {who}")
    _web_logins(out, config, report.campaign_id)
    if report.planted_found != report.planted_total:
        raise typer.Exit(1)


def _web_logins(out: Console, config: Path, campaign_id: str) -> None:
    from tenure.services.context import open_app
    from tenure.services.web_demo import DEMO_PASSWORD, demo_logins

    app = open_app(str(config))
    try:
        logins = demo_logins(app, campaign_id)
    finally:
        app.close()
    out.print(f"\nWeb app: .venv/bin/tenure --config {config} serve   then open "
              "http://127.0.0.1:8000/", markup=False)
    for email, role in logins:
        out.print(f"  sign in as {email} ({role}), password {DEMO_PASSWORD}", markup=False)


def register(app: typer.Typer) -> None:
    """Add the demo command to the root app."""
    app.command()(demo)
