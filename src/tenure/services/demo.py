"""``tenure demo``: the whole flow on the embedded store against the local simulator.

It generates a synthetic organization with planted governance problems, serves it with the
simulator over loopback HTTP, syncs the HR file and the Anthropic organization, runs every
check, compares the findings with what was planted, opens an access review, signs an evidence
checkpoint and verifies the ledger. Only this module and the simulator CLI import the
simulator; the product never does.
"""

from __future__ import annotations

import os
import shutil
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tenure.clock import Clock
from tenure.config import load_settings
from tenure.nhi.chain import Chain
from tenure.private_files import write_private
from tenure.services.context import App
from tenure.services.demo_enterprise import enterprise_path
from tenure.services.gap_text import switched_off_lines

if TYPE_CHECKING:
    from tenure.simulator import SimulatorServer

ADMIN_ENV = "TENURE_DEMO_ANTHROPIC_ADMIN_KEY"
COMPLIANCE_ENV = "TENURE_DEMO_ANTHROPIC_COMPLIANCE_KEY"
OAUTH_ENV = "TENURE_DEMO_ANTHROPIC_OAUTH_TOKEN"
AGENT_ENV_PREFIX = "TENURE_DEMO_ANTHROPIC_WORKSPACE_KEY_"

CONFIG = """\
# Written by `tenure demo`: the demo organization served by the local simulator.
[database]
url = "sqlite:///{db}"

[evidence]
signing_key_file = "evidence.key"

[[sources]]
name = "hr"
type = "hr-csv"
path = "hr.csv"

[[sources]]
name = "claude"
type = "anthropic"
base_url = "{base_url}"
api_key_env = "{admin_env}"
compliance_api_key_env = "{compliance_env}"
oauth_token_env = "{oauth_env}"
admin_key_id = "{admin_key_id}"
{agent_workspaces}"""


@dataclass
class DemoReport:
    """What the demo did, for printing."""

    directory: Path
    base_url: str = ""
    sync: list[tuple[str, str, dict[str, int], list[str]]] = field(default_factory=list)
    findings_by_check: dict[str, int] = field(default_factory=dict)
    planted_by_check: dict[str, int] = field(default_factory=dict)
    planted_found: int = 0
    planted_total: int = 0
    missed: list[str] = field(default_factory=list)
    manual: dict[str, str] = field(default_factory=dict)
    """Checks not judged for some source, with the reason (never counted as passing)."""
    campaign_id: str = ""
    campaign_items: int = 0
    recommendations: dict[str, int] = field(default_factory=dict)
    plan_id: str = ""
    plan_steps: int = 0
    applied: int = 0
    verified: str = ""
    micro_reviews: int = 0
    ledger_valid: str = ""
    checkpoint: str = ""
    access_path: str = ""
    """One effective-access path, in words (``tenure access``)."""
    enterprise_path: str = ""
    """A path through a group in the Claude Enterprise demo org (``enterprise.toml``)."""
    enterprise_config: Path | None = None
    chain: Chain | None = None
    """One non-human identity's accountability chain (``tenure nhi show``): the service
    account whose sponsor left, when there is one."""


Say = Callable[[str], None]


def _left_sponsor_chain(app: App, failing: list[Any]) -> Chain | None:
    """The chain of the first service account whose sponsor left (else any NHI finding)."""
    from tenure.services import nhi_views

    nhi_checks = ("nhi-sponsor-left", "nhi-without-sponsor")
    picked = sorted((f for f in failing if f.check in nhi_checks),
                    key=lambda f: (nhi_checks.index(f.check), f.subject_type != "service_account",
                                   f.subject_id))
    return nhi_views.chain_by_key(app, picked[0].source, picked[0].subject_id) if picked \
        else None


def _agent_workspaces(sim: SimulatorServer) -> str:
    """One managed-agents workspace entry per simulated workspace key (keys go in the
    environment under the names written here, like the Admin key)."""
    entries = []
    for index, (workspace, key) in enumerate(sorted(sim.agents.workspace_keys().items())):
        env = f"{AGENT_ENV_PREFIX}{index}"
        os.environ[env] = key
        entries.append(f'{{workspace_id = "{workspace}", api_key_env = "{env}"}}')
    return f"agent_workspaces = [{', '.join(entries)}]\n" if entries else ""


def run_demo(directory: Path, *, seed: int = 7, say: Say = lambda _m: None) -> DemoReport:
    """Run the end-to-end demo in ``directory`` (recreated) and return what happened."""
    from tenure.reviews.campaigns import CampaignSpec, NoResponse
    from tenure.reviews.reviewers import parse_rule
    from tenure.reviews.scope import parse_scope
    from tenure.services import (
        effective_access,
        evidence,
        findings,
        lifecycle,
        reviews,
        revocation,
    )
    from tenure.services.sync import run_source, sync_sources
    from tenure.services.web_demo import demo_admins
    from tenure.simulator import start_simulator

    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    report = DemoReport(directory.resolve())
    say("generating a synthetic organization with planted problems …")
    sim = start_simulator("default", seed=seed, workdir=directory / "scenario")
    try:
        report.base_url = sim.base_url
        os.environ[ADMIN_ENV] = sim.admin_key
        os.environ[COMPLIANCE_ENV] = sim.compliance_key or sim.admin_key
        os.environ[OAUTH_ENV] = sim.oauth_token
        config = directory / "tenure.toml"
        config.write_text(CONFIG.format(db=(directory / "tenure.db").resolve().as_posix(),
                                        base_url=sim.base_url, admin_env=ADMIN_ENV,
                                        compliance_env=COMPLIANCE_ENV, oauth_env=OAUTH_ENV,
                                        admin_key_id=sim.admin_key_id,
                                        agent_workspaces=_agent_workspaces(sim)),
                          encoding="utf-8")
        evidence.keygen(directory / "evidence.key")
        app = App(settings=load_settings(config), clock=Clock(), actor="demo")
        try:
            say("importing the HR history: the export of 31 days ago, then the one after the "
                "moves …")
            hr = directory / "hr.csv"
            for days_ago, name in ((31, "hr.csv"), (30, "hr_after_move.csv")):
                shutil.copy(directory / "scenario" / name, hr)
                then = App(settings=app.settings,
                           clock=Clock(app.now() - timedelta(days=days_ago)), actor="demo")
                run_source(then, "hr")
            say(f"syncing HR and the Claude organization from the simulator at "
                f"{sim.base_url} …")
            for result in sync_sources(app):
                report.sync.append((result.source, str(result.status), dict(result.written),
                                    [f"{g.record_type}: {g.reason}" for g in result.gaps
                                     if not g.switched_off]
                                    + switched_off_lines("switched off", result.gaps)))
                if result.error:
                    raise RuntimeError(f"demo sync of {result.source} failed: {result.error}")
            with app.engine.connect() as conn:
                shown = effective_access.example(conn)
            report.access_path = f"{shown[0]}: {shown[1]}" if shown else ""
            say("running every check …")
            summary = findings.run_checks(app)
            report.manual = {o.check.id: "; ".join(f"{src}: {why}" for src, why
                                                   in sorted(o.manual.items()))
                             for o in summary.outcomes if o.manual}
            failing = [f for f in findings.list_findings(app) if f.status == "fail"]
            report.findings_by_check = dict(Counter(f.check for f in failing))
            # a mover's stale grants ("user_…@workspace:…") are planted as the mover's account
            found = {(f.check, f.subject_id.split("@")[0] if f.check == "mover-stale-access"
                      else f.subject_id) for f in failing}
            planted = {(p["check"], p["subject_id"]) for p in sim.planted}
            report.planted_by_check = dict(Counter(c for c, _ in planted))
            report.planted_total = len(planted)
            report.planted_found = len(planted & found)
            report.missed = sorted(f"{c} {s}" for c, s in planted - found)
            report.chain = _left_sponsor_chain(app, failing)
            say("opening an access review of Claude seats and keys …")
            spec = CampaignSpec(
                name="Demo: Claude seats and keys", scope=parse_scope("source:claude,"
                                                                      "kind:account,"
                                                                      "kind:api_key"),
                due_at=app.now() + timedelta(days=14),
                reviewer_rule=parse_rule("manager,key-owner", "secops@example.com"),
                if_no_response=NoResponse.RECOMMENDATION)
            report.campaign_id, population = reviews.create(app, spec)
            report.campaign_items = len(population.items)
            report.recommendations = dict(Counter(str(i.advice.recommendation)
                                                  for i in population.items))
            say("lifecycle: micro-reviews for movers, and a leaver revocation plan …")
            report.micro_reviews = len(lifecycle.run_lifecycle(app, ("mover",)).reviews)
            # four eyes with two real, authenticated admins: one plans, the other approves
            planner, approver = demo_admins(app)
            plan, _ = revocation.plan_revocation(planner, trigger="leaver")
            plan_file = directory / "leaver-plan.json"
            write_private(plan_file, plan.to_json())
            report.plan_id, report.plan_steps = plan.id, len(plan.steps)
            revocation.approve_plan(approver, plan_file)
            applied = revocation.apply(approver, plan_file, approve_hash=plan.sha256)
            report.applied = applied.calls
            checked = [s for s in applied.steps if "verified" in s]
            report.verified = (f"{sum(1 for s in checked if s['verified'])}/{len(checked)} "
                               "verified on the platform")
            say("signing an evidence checkpoint and verifying the ledger …")
            cp = evidence.create_checkpoint(app, out=directory / "checkpoint.json")
            report.checkpoint = f"{cp.tree_size} entries, root {cp.merkle_root[:16]}…"
            verified = evidence.verify_ledger(app)
            report.ledger_valid = f"{verified.valid}/{verified.total} entries valid"
            if not verified.ok:
                raise RuntimeError(f"the demo ledger does not verify: {report.ledger_valid}")
        finally:
            app.close()
    finally:
        sim.stop()
    say("reading a Claude Enterprise organization: RBAC groups, custom roles, Analytics …")
    enterprise = enterprise_path(directory, seed)
    if enterprise is not None:
        report.enterprise_config = enterprise[0]
        report.enterprise_path = f"{enterprise[1]}: {enterprise[2]}"
    return report
