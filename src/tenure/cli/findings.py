"""Commands: findings (list, mute), checks, compliance, policy (validate, schema)."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from tenure.checks.base import FindingStatus, Severity
from tenure.checks.policy import policy_files, policy_schema, validate_policies
from tenure.checks.registry import load_builtin_checks
from tenure.cli.output import OutputFormat, console, render
from tenure.cli.state import state
from tenure.clock import parse_instant
from tenure.errors import TenureError
from tenure.services.findings import (
    OPEN,
    FindingFilter,
    catalogue,
    compliance_report,
    list_findings,
    mute_finding,
    run_checks,
)
from tenure.services.ocsf import to_ocsf


class FindingsFormat(StrEnum):
    """Formats for findings: the usual three plus OCSF for SIEMs."""

    TABLE = "table"
    JSON = "json"
    CSV = "csv"
    OCSF = "ocsf"


FormatOption = Annotated[OutputFormat, typer.Option(
    "--format", "-f", help="Output format: table, json or csv.")]

findings_app = typer.Typer(help="Run the checks and list findings; mute with a reason.",
                           invoke_without_command=True)
policy_app = typer.Typer(help="Custom YAML policies.", no_args_is_help=True)

_COLUMNS = ["id", "severity", "check", "subject", "status", "source", "muted"]


@findings_app.callback()
def findings(
    ctx: typer.Context,
    check: Annotated[str | None, typer.Option("--check", help="Only this check id.")] = None,
    severity: Annotated[Severity | None, typer.Option(
        "--severity", help="Only this severity.")] = None,
    source: Annotated[str | None, typer.Option("--source", help="Only this source.")] = None,
    include_resolved: Annotated[bool, typer.Option(
        "--all", help="Include resolved (passing) findings.")] = False,
    no_run: Annotated[bool, typer.Option(
        "--no-run", help="List stored findings without evaluating the checks first.")] = False,
    fmt: Annotated[FindingsFormat, typer.Option(
        "--format", "-f", help="table, json, csv or ocsf (OCSF Detection Finding).")
    ] = FindingsFormat.TABLE,
    fail_on: Annotated[Severity | None, typer.Option(
        "--fail-on", help="Exit 1 when an unmuted failing finding of this severity or "
        "higher is listed (for CI).")] = None,
) -> None:
    """Evaluate every check as of the clock (--as-of), then list open findings."""
    if ctx.invoked_subcommand is not None:
        return
    app = state(ctx).app()
    if not no_run:
        run_checks(app, only=[check] if check else [])
    statuses = (*OPEN, str(FindingStatus.PASS)) if include_resolved else OPEN
    views = list_findings(app, FindingFilter(check=check, severity=severity, source=source,
                                             statuses=statuses))
    if fmt is FindingsFormat.OCSF:
        sys.stdout.write(json.dumps([to_ocsf(v) for v in views], indent=2) + "\n")
    else:
        rows = [v.as_dict() for v in views]
        if fmt is FindingsFormat.TABLE:
            for row, view in zip(rows, views, strict=True):
                row["subject"] = view.subject_email or view.subject_id
        render(rows, _COLUMNS, OutputFormat(fmt.value), title="Findings",
               empty="no open findings")
    if fail_on is not None and any(
        v.status == FindingStatus.FAIL and not v.muted and Severity(v.severity).rank
        >= fail_on.rank for v in views
    ):
        raise typer.Exit(1)


@findings_app.command("mute")
def mute(
    ctx: typer.Context,
    finding_id: Annotated[str, typer.Argument(help="The finding id (fnd_…).")],
    reason: Annotated[str, typer.Option("--reason", help="Why this is accepted.")],
    until: Annotated[str, typer.Option(
        "--until", help="Date or time (UTC) the mute ends and the finding counts again.")],
) -> None:
    """Accept a finding until a date; it stays listed as muted and re-opens at expiry."""
    try:
        when = parse_instant(until)
    except ValueError as exc:
        raise typer.BadParameter(f"{until!r}: {exc}", param_hint="--until") from None
    result = mute_finding(state(ctx).app(), finding_id, reason=reason, until=when)
    console().print(f"muted {result.finding_id} until {result.until.isoformat()} "
                    f"({result.created_by}: {result.reason})", markup=False)


def checks(ctx: typer.Context, fmt: FormatOption = OutputFormat.TABLE) -> None:
    """List the check catalogue with parameters (after config overrides) and frameworks."""
    app = state(ctx).app()
    overrides = app.settings.checks
    rows: list[dict[str, Any]] = []
    for check in catalogue(app):
        merged = {**check.defaults(), **overrides.get(check.id, {})}
        params = {k: list(v) if isinstance(v, tuple) else v for k, v in merged.items()}
        rows.append({
            "id": check.id, "title": check.title, "severity": str(check.severity),
            "subject": str(check.subject_type), "builtin": check.builtin,
            "params": ([f"{k}={v}" for k, v in params.items()] if fmt is OutputFormat.TABLE
                       else params),
            "param_help": {p.name: p.description for p in check.params},
            "frameworks": [r.key for r in check.frameworks],
            "actions": list(check.actions), "needs": list(check.needs),
            "rationale": check.rationale, "remediation": check.remediation,
        })
    render(rows, ["id", "severity", "subject", "params", "frameworks"], fmt,
           title="Checks")


def compliance(
    ctx: typer.Context,
    framework: Annotated[str, typer.Argument(
        help="owasp-nhi, owasp-asi, nist-csf, soc2 or iso27001.")],
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Per control of a framework: the checks covering it and the share passing."""
    rows = [{"control": c.control, "title": c.title, "checks": c.checks,
             "passing": c.passing, "failing": c.failing, "manual": c.manual,
             "pass_rate": c.pass_rate}
            for c in compliance_report(state(ctx).app(), framework)]
    render(rows, ["control", "checks", "passing", "failing", "manual", "pass_rate"], fmt,
           title=f"Compliance: {framework}")


@policy_app.command("validate")
def validate(
    ctx: typer.Context,
    paths: Annotated[list[Path] | None, typer.Argument(
        help="Policy files (default: every file of the configured policies_dir).",
        show_default=False)] = None,
) -> None:
    """Check custom policies; every problem is printed as file:line:column."""
    app = state(ctx).app()
    files = list(paths or [])
    if not files:
        folder = app.settings.resolved_policies_dir()
        if folder is None:
            raise TenureError("no policies_dir in the configuration and no files given")
        files = policy_files(folder)
    reserved = set(load_builtin_checks().names())
    specs, problems = validate_policies(files, reserved)
    err = console(stderr=True)
    for problem in problems:
        err.print(str(problem), markup=False, highlight=False)
    for spec in specs:
        console().print(f"ok  {spec.id} ({spec.subject.name}, {len(spec.filters)} filter(s)) "
                        f"— {spec.path}", markup=False)
    if problems:
        raise typer.Exit(1)


@policy_app.command("schema")
def schema() -> None:
    """Print the JSON Schema of policy files (generated from the registered subjects)."""
    sys.stdout.write(json.dumps(policy_schema(), indent=2) + "\n")


def register(app: typer.Typer) -> None:
    """Add these commands to the root app."""
    app.add_typer(findings_app, name="findings")
    app.command()(checks)
    app.command()(compliance)
    app.add_typer(policy_app, name="policy")


