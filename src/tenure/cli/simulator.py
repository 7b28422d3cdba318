"""Commands: ``tenure simulator serve`` and ``tenure simulator generate``."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from tenure.clock import parse_instant
from tenure.errors import TenureError

simulator_app = typer.Typer(help="A local fake of the Anthropic Admin and Compliance APIs, "
                            "and a synthetic organization generator.", no_args_is_help=True)


def _instant(value: str | None, flag: str) -> object:
    if value is None:
        return None
    try:
        return parse_instant(value)
    except ValueError as exc:
        raise typer.BadParameter(f"{value!r}: {exc}", param_hint=flag) from None


@simulator_app.command()
def serve(
    scenario: Annotated[str, typer.Option(
        "--scenario", help="Built-in name (default, enterprise, no-compliance, mixed = "
        "Anthropic + OpenAI), a generated "
        "directory, or a scenario JSON file.")] = "default",
    seed: Annotated[int, typer.Option("--seed", help="Seed for a built-in scenario.")] = 0,
    host: Annotated[str, typer.Option("--host", help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port; 0 picks a free one.")] = 0,
    admin_key: Annotated[str | None, typer.Option(
        "--admin-key", help="Admin API key to accept (x-api-key).")] = None,
    compliance_key: Annotated[str | None, typer.Option(
        "--compliance-key", help="Compliance Access Key to accept on /v1/compliance/*.")] = None,
    openai_admin_key: Annotated[str | None, typer.Option(
        "--openai-admin-key", help="OpenAI Admin key to accept (Authorization: Bearer) on "
        "/v1/organization/* (scenarios with an OpenAI organization, e.g. mixed).")] = None,
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="Served 'now' (default: the scenario's anchor; now for built-ins).")
    ] = None,
    rate_limit_every: Annotated[int, typer.Option(
        "--rate-limit-every", help="Answer every Nth request with 429.")] = 0,
    retry_after: Annotated[float, typer.Option(
        "--retry-after", help="Seconds in the retry-after header of a 429.")] = 1.0,
    retry_after_http_date: Annotated[bool, typer.Option(
        "--retry-after-http-date", help="Send retry-after as an HTTP-date.")] = False,
    overloaded_every: Annotated[int, typer.Option(
        "--overloaded-every", help="Answer every Nth request with 529 overloaded_error.")] = 0,
    server_error_every: Annotated[int, typer.Option(
        "--server-error-every", help="Answer every Nth request with a 5xx.")] = 0,
    server_error_status: Annotated[int, typer.Option(
        "--server-error-status", help="Status of injected 5xx (500, 502, 503…).")] = 500,
    fail_request: Annotated[list[int] | None, typer.Option(
        "--fail-request", help="Fail exactly this request number with a 5xx (repeatable).")
    ] = None,
    slow_every: Annotated[int, typer.Option(
        "--slow-every", help="Delay every Nth response.")] = 0,
    slow_seconds: Annotated[float, typer.Option(
        "--slow-seconds", help="Delay of a slow response.")] = 0.5,
    latency: Annotated[float, typer.Option(
        "--latency", help="Seconds added to every response (a remote vendor).")] = 0.0,
    truncate_every: Annotated[int, typer.Option(
        "--truncate-every", help="Cut every Nth successful JSON body in half.")] = 0,
    page_cap: Annotated[int, typer.Option(
        "--page-cap", help="Return at most this many items per page, whatever the limit.")
    ] = 0,
    repeat_cursor: Annotated[bool, typer.Option(
        "--repeat-cursor", help="Pathology: hand back the cursor the client sent.")] = False,
    empty_pages: Annotated[bool, typer.Option(
        "--empty-pages", help="Pathology: empty pages that still say has_more.")] = False,
    fault_rate: Annotated[float, typer.Option(
        "--fault-rate", help="Seeded random 429/529/500 on this fraction of requests.")] = 0.0,
    fault_seed: Annotated[int, typer.Option("--fault-seed", help="Seed of --fault-rate.")] = 0,
    fault_path: Annotated[str, typer.Option(
        "--fault-path", help="Only inject faults on paths starting with this.")] = "",
    without: Annotated[list[str] | None, typer.Option(
        "--without", help="Switch an org feature off (workspaces, api_keys, usage_report, "
        "claude_code, compliance; openai_audit_logs, openai_usage, openai_admin_keys, openai_rbac "
        "answer 403 on the OpenAI side); repeatable.")] = None,
) -> None:
    """Serve a scenario over HTTP until interrupted; prints the base URL and accepted keys."""
    from tenure.simulator import (  # the product never imports the simulator; the CLI may
        DEFAULT_ADMIN_KEY,
        DEFAULT_COMPLIANCE_KEY,
        DEFAULT_OPENAI_ADMIN_KEY,
        FaultConfig,
        ScenarioError,
        build_simulator,
    )

    faults = FaultConfig(
        rate_limit_every=rate_limit_every, retry_after=retry_after,
        retry_after_http_date=retry_after_http_date, overloaded_every=overloaded_every,
        server_error_every=server_error_every, server_error_status=server_error_status,
        fail_requests=frozenset(fail_request or ()), slow_every=slow_every,
        slow_seconds=slow_seconds, truncate_every=truncate_every, page_cap=page_cap,
        repeat_cursor=repeat_cursor, empty_page_with_more=empty_pages, random_rate=fault_rate,
        random_seed=fault_seed, path_prefix=fault_path, latency=latency)
    try:
        sim = build_simulator(scenario, seed=seed, as_of=_instant(as_of, "--as-of"),  # type: ignore[arg-type]
                              faults=faults, admin_key=admin_key or DEFAULT_ADMIN_KEY,
                              compliance_key=compliance_key or DEFAULT_COMPLIANCE_KEY,
                              host=host, port=port, without=tuple(without or ()),
                              openai_admin_key=openai_admin_key or DEFAULT_OPENAI_ADMIN_KEY)
    except (ScenarioError, ValueError) as exc:
        raise TenureError(str(exc)) from None
    sim.start()
    typer.echo(f"base_url:       {sim.base_url}")
    typer.echo(f"admin_key:      {sim.admin_key}")
    typer.echo(f"compliance_key: {sim.compliance_key}")
    typer.echo(f"oauth_token:    {sim.oauth_token}  (Bearer + anthropic-beta: "
               "oauth-2025-04-20: service accounts, federation)")
    for workspace, key in sorted(sim.agents.workspace_keys().items()):
        typer.echo(f"workspace_key:  {key}  ({workspace}: managed agents, x-api-key + "
                   "anthropic-beta: managed-agents-2026-04-01)")
    if sim.openai is not None:
        typer.echo(f"openai_key:     {sim.openai_admin_key}")
        typer.echo(f"openai_org:     {sim.openai.org.get('name')}")
    typer.echo(f"as_of:          {sim.as_of.isoformat()}")
    typer.echo(f"organization:   {sim.scenario.org.get('name')} ({sim.scenario.kind})")
    if sim.scenario.path is not None:
        typer.echo(f"scenario:       {sim.scenario.path}")
    if faults.active():
        typer.echo(f"faults:         {faults}")
    typer.echo("serving; press Ctrl-C to stop", err=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        sim.stop()


@simulator_app.command("generate")
def generate_cmd(
    out: Annotated[Path, typer.Option("--out", help="Directory to write.")],
    people: Annotated[int, typer.Option("--people", help="HR people (20 to 10,000).")] = 30,
    events: Annotated[int | None, typer.Option(
        "--events", help="Compliance activities (default 40 per person).")] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed: same seed, same bytes.")] = 0,
    kind: Annotated[str, typer.Option(
        "--kind", help="console (API platform) or enterprise (Claude Enterprise).")] = "console",
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="Anchor: the scenario's 'now' (default: today 00:00 UTC).")] = None,
    no_compliance: Annotated[bool, typer.Option(
        "--no-compliance", help="The org has no Compliance API (the feed answers 403).")] = False,
    history_days: Annotated[int, typer.Option(
        "--history-days", help="Days of activity and usage history.")] = 120,
    openai: Annotated[bool, typer.Option(
        "--openai", help="Also generate an OpenAI organization (openai.json) for the same "
        "people, with its own planted problems.")] = False,
    agents: Annotated[int, typer.Option(
        "--agents", help="Managed agents across the workspaces, planted problems included "
        "(managed_agents.json; console orgs; 0: none).")] = 6,
) -> None:
    """Generate a deterministic synthetic organization with planted governance problems."""
    from tenure.simulator import Options, generate

    if not 20 <= people <= 10_000:
        raise typer.BadParameter("must be between 20 and 10000", param_hint="--people")
    started = time.perf_counter()
    try:
        summary = generate(out, Options(
            people=people, events=events, seed=seed, kind=kind,
            anchor=_instant(as_of, "--as-of"), compliance=not no_compliance,  # type: ignore[arg-type]
            history_days=history_days, openai=openai, agents=max(0, agents)))
    except ValueError as exc:
        raise TenureError(str(exc)) from None
    seconds = time.perf_counter() - started
    typer.echo(f"wrote {summary.out}: {summary.users} seats, {summary.api_keys} API keys, "
               f"{summary.activities} activities, {summary.usage_rows} usage rows, "
               f"{summary.planted} planted problems in {seconds:.1f}s"
               + (" (with an OpenAI organization: openai.json)" if openai else ""))


def register(app: typer.Typer) -> None:
    """Add ``tenure simulator …`` to the root app."""
    app.add_typer(simulator_app, name="simulator")
