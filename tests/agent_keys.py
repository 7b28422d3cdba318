"""Configure a source to read every simulated workspace's managed agents (each workspace has
its own API key; without them the agent record types are Gaps and the run is partial)."""

from __future__ import annotations

from collections.abc import Callable

from tenure.connectors.anthropic.config import AgentWorkspace
from tenure.simulator import SimulatorServer


def _env_name(index: int) -> str:
    return f"SIM_WORKSPACE_KEY_{index}"


def agent_workspaces(sim: SimulatorServer, setenv: Callable[[str, str], None]
                     ) -> tuple[AgentWorkspace, ...]:
    """One ``AgentWorkspace`` per simulated workspace key; ``setenv`` receives the keys."""
    out = []
    for index, (workspace, key) in enumerate(sorted(sim.agents.workspace_keys().items())):
        setenv(_env_name(index), key)
        out.append(AgentWorkspace(workspace_id=workspace, api_key_env=_env_name(index)))
    return tuple(out)


def agent_workspaces_toml(sim: SimulatorServer, setenv: Callable[[str, str], None]) -> str:
    """The same as a TOML line of the source's table."""
    items = ", ".join(f'{{workspace_id = "{w.workspace_id}", api_key_env = "{w.api_key_env}"}}'
                      for w in agent_workspaces(sim, setenv))
    return f"agent_workspaces = [{items}]\n"
