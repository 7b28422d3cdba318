"""A faithful local fake of the Anthropic Admin, usage and Compliance APIs, plus a synthetic
organization generator with planted governance problems.

Only ``tenure demo``, ``tenure simulator …`` and tests import this package; the product never
does, and it shares no code with the connectors (the contract is read twice, independently).

Typical use::

    from tenure.simulator import start_simulator

    with start_simulator("default", seed=1) as sim:
        sim.base_url            # http://127.0.0.1:PORT
        sim.admin_key           # send as x-api-key
        sim.compliance_key      # x-api-key or Authorization: Bearer on /v1/compliance/*
        sim.scenario.path / "hr.csv"
        sim.planted             # [{"check", "subject_id", ...}]
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path

from tenure.simulator.faults import FaultConfig
from tenure.simulator.generate import Options, Summary, generate
from tenure.simulator.scenario import FEATURES, Scenario, ScenarioError, load
from tenure.simulator.server import (
    DEFAULT_ADMIN_KEY,
    DEFAULT_COMPLIANCE_KEY,
    DEFAULT_OPENAI_ADMIN_KEY,
    SimulatorServer,
)

__all__ = ["BUILTIN", "DEFAULT_ADMIN_KEY", "DEFAULT_COMPLIANCE_KEY", "DEFAULT_OPENAI_ADMIN_KEY",
           "FaultConfig", "Options",
           "Scenario", "ScenarioError", "SimulatorServer", "Summary", "build_simulator",
           "generate", "start_simulator"]

OPENAI_FEATURES = ("openai_audit_logs", "openai_usage", "openai_admin_keys", "openai_rbac")
"""What ``without`` can take away from the OpenAI organization (answered 403)."""

# Built-in scenarios: generated on start (a few hundred milliseconds) from the given seed.
BUILTIN: dict[str, dict[str, object]] = {
    "default": {"kind": "console", "people": 30},
    "enterprise": {"kind": "enterprise", "people": 30},
    "no-compliance": {"kind": "console", "people": 20, "compliance": False},
    "mixed": {"kind": "console", "people": 30, "openai": True},
}


def build_simulator(scenario: str | Path | Scenario = "default", *, seed: int = 0,
                    as_of: datetime | None = None, workdir: Path | None = None,
                    faults: FaultConfig | None = None, admin_key: str = DEFAULT_ADMIN_KEY,
                    compliance_key: str | None = DEFAULT_COMPLIANCE_KEY,
                    admin_key_reads_compliance: bool = True, host: str = "127.0.0.1",
                    port: int = 0, without: tuple[str, ...] = (),
                    openai_admin_key: str = DEFAULT_OPENAI_ADMIN_KEY) -> SimulatorServer:
    """A configured, not yet started simulator.

    ``scenario`` is a built-in name (see ``BUILTIN``), a generated directory, a scenario JSON
    file, or a loaded :class:`Scenario`. Built-ins are generated into ``workdir`` (kept) or a
    temporary directory (removed on ``stop()``), anchored at ``as_of`` (default: now). A
    directory or file is served at ``as_of`` (default: its own anchor). ``without`` switches
    org features off (``workspaces``, ``api_keys``, ``usage_report``, ``claude_code``,
    ``compliance``): their endpoints then answer 404 (or 403 for the Compliance API).
    """
    cleanup = None
    if isinstance(scenario, Scenario):
        loaded = scenario
    elif isinstance(scenario, str) and scenario in BUILTIN:
        spec = BUILTIN[scenario]
        if workdir is None:
            cleanup = tempfile.TemporaryDirectory(prefix="tenure-sim-")
            workdir = Path(cleanup.name)
        anchor = (as_of or datetime.now(UTC)).replace(microsecond=0)
        generate(workdir, Options(people=int(spec["people"]),  # type: ignore[call-overload]
                                  seed=seed, kind=str(spec["kind"]), anchor=anchor,
                                  compliance=bool(spec.get("compliance", True)),
                                  openai=bool(spec.get("openai", False))))
        loaded = load(workdir)
    else:
        path = Path(scenario)
        if not path.exists():
            raise ScenarioError(f"no built-in scenario or path named {scenario!s} "
                                f"(built-ins: {', '.join(BUILTIN)})")
        loaded = load(path)
    for feature in without:
        if feature in OPENAI_FEATURES:
            continue
        if feature not in FEATURES:
            raise ScenarioError(f"unknown feature {feature!r} (one of "
                                f"{', '.join(FEATURES + OPENAI_FEATURES)})")
        loaded.features[feature] = False
    server = SimulatorServer(loaded, as_of=as_of, admin_key=admin_key,
                             compliance_key=compliance_key,
                             admin_key_reads_compliance=admin_key_reads_compliance,
                             faults=faults, host=host, port=port,
                             openai_admin_key=openai_admin_key)
    if cleanup is not None:
        server.cleanup.append(cleanup)
    if server.openai is not None:
        server.openai.disabled.update(f.removeprefix("openai_") for f in without
                                      if f in OPENAI_FEATURES)
    return server


def start_simulator(scenario: str | Path | Scenario = "default", **kwargs: object
                    ) -> SimulatorServer:
    """Build and start a simulator in a background thread (see :func:`build_simulator`).

    Returns the running server: ``.base_url``, ``.admin_key``, ``.compliance_key``,
    ``.state``, ``.planted``, ``.requests``, ``.set_faults()``, ``.stop()``; usable as a
    context manager.
    """
    return build_simulator(scenario, **kwargs).start()  # type: ignore[arg-type]
