"""Benchmark: the non-human-identity sync against its floor, in the same run (not a test).

A generated organization with ``--service-accounts`` service accounts (each with an explicit
workspace membership), ``--rules`` federation rules (each with its rule-workspaces listing)
and, when the simulator serves managed agents, ``--agents`` agents, is synced over loopback by
``tenure``'s Anthropic connector while the simulator adds ``--latency`` seconds to **every**
response. The simulator runs in a child process, so the peak memory measured (max RSS) is
Tenure's own.

The floor: ``requests * latency / concurrency`` — the run's own request count (counted by the
simulator), each costing the injected latency, with the connector's allowed concurrency. Also
printed: the critical-path floor, where the requests that cannot overlap (list pages, which
each need the previous page's cursor, and the Admin-key streams) cost the full latency.
Prints a table and writes ``bench/results/nhi.json`` (keyed by database and size).

    .venv/bin/python bench/bench_nhi.py --service-accounts 100 --rules 20    # reduced scale
    .venv/bin/python bench/bench_nhi.py                                       # 1000/200/500
    .venv/bin/python bench/bench_nhi.py --database-url postgresql://postgres@127.0.0.1/postgres
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import random
import re
import resource
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results" / "nhi.json"
FANOUT = (re.compile(r"^/v1/organizations/service_accounts/[^/]+/workspaces$"),
          re.compile(r"^/v1/organizations/federation_rules/[^/]+/workspaces$"),
          re.compile(r"^/v1/agents/[^/]+"), re.compile(r"^/v1/deployments/[^/]+"),
          re.compile(r"^/v1/vaults/[^/]+/credentials"), re.compile(r"^/v1/deployment_runs$"))
"""Per-object reads the connector fans out (everything else is a list page or a serial
Admin-key stream)."""


def _peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def plant_scale(sim: Any, service_accounts: int, rules: int, agents: int, seed: int) -> int:
    """Plant the OAuth plane (and agents, when the simulator has them); returns agents
    planted."""
    from tenure.simulator.anthropic_nhi_sa import (
        Issuer,
        Membership,
        Rule,
        ServiceAccount,
        plane,
    )
    from tenure.simulator.ids import random_id

    rng = random.Random(seed)
    p = plane(sim.state)
    spaces = [w.id for w in sim.state.workspaces.values() if w.archived_at is None]
    users = list(sim.state.users)
    roles = ["workspace_developer", "workspace_user", "workspace_restricted_developer"]
    sa_ids: list[str] = []
    for i in range(service_accounts):
        sa_id = random_id(rng, "svac")
        sa_ids.append(sa_id)
        p.add_service_account(ServiceAccount(
            sa_id, f"bench-sa-{i}", "admin" if i % 50 == 0 else "developer",
            created_at=-rng.randint(3600, 86400 * 300), created_by_actor_id=rng.choice(users)))
        p.add_membership(Membership(sa_id, rng.choice(spaces), rng.choice(roles)))
    issuers = []
    for i, url in enumerate(("https://token.actions.githubusercontent.com",
                             "https://gitlab.example.com", "https://oidc.eks.example")):
        issuer = random_id(rng, "fdis")
        issuers.append(issuer)
        p.add_issuer(Issuer(issuer, f"bench-issuer-{i}", url, check_jti=i != 2,
                            created_at=-86400 * 100))
    for i in range(rules):
        every = i % 10 == 0
        p.add_rule(Rule(
            random_id(rng, "fdrl"), f"bench-rule-{i}", rng.choice(issuers),
            {"subject_prefix": f"repo:bench/app-{i}:ref:refs/heads/main"},
            rng.choice(sa_ids), "workspace:developer", applies_to_all_workspaces=every,
            workspaces={} if every else {w: -86400.0 for w in rng.sample(spaces, 2)},
            created_at=-rng.randint(3600, 86400 * 200)))
    return _plant_agents(sim, agents, seed)


def _plant_agents(sim: Any, agents: int, seed: int) -> int:
    """Managed agents, when the simulator serves them (issue 16, managed-agents slice)."""
    try:
        from tenure.simulator import anthropic_agents
    except ImportError:
        return 0
    planter = getattr(anthropic_agents, "plant_scale", None)
    if planter is None:
        return 0
    return int(planter(sim, agents, seed))


def _serve(args: argparse.Namespace, queue: Any, stop: Any) -> None:
    """Child process: the simulator with the planted plane and the injected latency."""
    from tenure.simulator import FaultConfig, start_simulator

    with start_simulator("default", seed=args.seed,
                         faults=FaultConfig(latency=args.latency)) as sim:
        planted = plant_scale(sim, args.service_accounts, args.rules, args.agents, args.seed)
        sim.set_faults(FaultConfig(latency=args.latency))  # count from the sync's first call
        queue.put({"base_url": sim.base_url, "admin_key": sim.admin_key,
                   "oauth_token": sim.oauth_token, "agents": planted,
                   "workspace_keys": sim.agents.workspace_keys()})
        stop.wait()
        paths = [r.path for r in sim.requests]
        queue.put({"requests": sim.faults.count,
                   "fanout": sum(1 for path in paths if any(f.match(path) for f in FANOUT)),
                   "oauth_plane": sum(1 for path in paths if path.startswith((
                       "/v1/organizations/service_accounts",
                       "/v1/organizations/federation_"))),
                   "errors": sum(1 for r in sim.requests if r.status >= 400)})


def _store(url: str | None, work: Path) -> str:
    from tenure.store.db import make_engine, migrate

    if url is None:
        target = f"sqlite:///{work / 'bench.db'}"
    else:
        import sqlalchemy as sa

        name = f"tenure_bench_nhi_{uuid.uuid4().hex[:8]}"
        admin = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"),
                                 isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        target = url.rsplit("/", 1)[0] + f"/{name}"
    engine = make_engine(target)
    migrate(engine)
    engine.dispose()
    return target


def run(args: argparse.Namespace) -> dict[str, Any]:
    """One measured sync; returns the figures."""
    from tenure.clock import Clock
    from tenure.config import DatabaseConfig, Settings
    from tenure.connectors.anthropic import AnthropicConfig
    from tenure.connectors.anthropic.config import AgentWorkspace
    from tenure.services.context import App
    from tenure.services.sync import run_source

    ctx = mp.get_context("fork")
    queue, stop = ctx.Queue(), ctx.Event()
    child = ctx.Process(target=_serve, args=(args, queue, stop), daemon=True)
    child.start()
    try:
        served = queue.get(timeout=600)
        with tempfile.TemporaryDirectory(prefix="tenure-bench-nhi-") as tmp:
            url = _store(args.database_url, Path(tmp))
            os.environ["BENCH_ADMIN_KEY"] = served["admin_key"]
            os.environ["BENCH_OAUTH_TOKEN"] = served["oauth_token"]
            workspaces = []
            for index, (workspace, key) in enumerate(sorted(served["workspace_keys"].items())):
                os.environ[f"BENCH_WORKSPACE_KEY_{index}"] = key
                workspaces.append(AgentWorkspace(workspace_id=workspace,
                                                 api_key_env=f"BENCH_WORKSPACE_KEY_{index}"))
            config = AnthropicConfig(
                name="claude", type="anthropic", base_url=served["base_url"],
                api_key_env="BENCH_ADMIN_KEY",
                oauth_token_env="BENCH_OAUTH_TOKEN",  # noqa: S106  (a variable name)
                usage=False, claude_code=False, activities=False,
                fanout_concurrency=args.concurrency, agent_workspaces=tuple(workspaces))
            app = App(settings=Settings(sources=(config,), database=DatabaseConfig(url=url)),
                      clock=Clock(), actor="bench")
            started = time.perf_counter()
            result = run_source(app, "claude")
            wall = time.perf_counter() - started
            app.close()
        stop.set()
        counts = queue.get(timeout=120)
    finally:
        stop.set()
        child.join(timeout=30)
    requests = int(counts["requests"])
    fanout = int(counts["fanout"])
    floor = requests * args.latency / args.concurrency
    critical = (requests - fanout) * args.latency + fanout * args.latency / args.concurrency
    return {
        "database": "postgresql" if args.database_url else "sqlite",
        "service_accounts": args.service_accounts, "rules": args.rules,
        "agents_requested": args.agents, "agents_planted": served["agents"],
        "latency_seconds": args.latency, "concurrency": args.concurrency,
        "status": str(result.status), "gaps": [g.record_type for g in result.gaps],
        "written": dict(result.written), "wall_seconds": round(wall, 3),
        "requests": requests, "fanout_requests": fanout,
        "oauth_plane_requests": counts["oauth_plane"], "error_responses": counts["errors"],
        "floor_seconds": round(floor, 3), "ratio": round(wall / floor, 3) if floor else None,
        "critical_path_floor_seconds": round(critical, 3),
        "ratio_to_critical_path": round(wall / critical, 3) if critical else None,
        "peak_rss_mb": _peak_mb(), "python": platform.python_version(),
        "cpus": os.cpu_count(),
    }


def main(argv: list[str] | None = None) -> int:
    """Run, print and record."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--service-accounts", type=int, default=1000)
    parser.add_argument("--rules", type=int, default=200)
    parser.add_argument("--agents", type=int, default=500)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args(argv)
    figures = run(args)
    width = max(len(k) for k in figures)
    for key, value in figures.items():
        print(f"{key:<{width}}  {value}")
    results: dict[str, Any] = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results[f"{figures['database']}-{args.service_accounts}sa-{args.rules}r-{args.agents}a"] = (
        figures)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    print(f"written to {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
