"""Per-platform revocation: how a target becomes vendor calls, and how to talk to the vendor.

One registry entry per source type. A provider turns a target into a step (an API action, or a
manual task when the platform's API cannot do it), rebuilds the action from a stored step at
apply time, and opens an authenticated client for the source.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol

from tenure.actions.plan import Call, ManualTask, Target
from tenure.config import RevocationConfig, SourceConfig
from tenure.registry import Registry


class VendorAction(Protocol):
    """What a connector's revocation action offers (see connectors/anthropic/actions.py)."""

    @property
    def kind(self) -> str:
        """The action's name, e.g. ``anthropic.remove_org_user``."""
        ...

    def call(self) -> Any:
        """The vendor call (method, path, body)."""
        ...

    def execute(self, client: Any) -> Any:
        """Re-read the target and perform the call if still needed."""
        ...

    def verify(self, client: Any) -> bool:
        """Re-read the target: True when the post-state holds."""
        ...


@dataclass(frozen=True, slots=True)
class Planned:
    """A provider's answer for one target: an API action or a manual task."""

    action: str
    args: dict[str, Any]
    call: Call | None
    manual: ManualTask | None = None
    then: tuple[Planned, ...] = ()
    """Further steps on the same target, run after this one (e.g. archive after deactivate)."""


class Provider(Protocol):
    """Revocation support of one source type."""

    def plan(self, target: Target, state: Mapping[str, Any], *, task_owner: str,
             task_due: str, policy: RevocationConfig, source: SourceConfig | None = None
             ) -> Planned:
        """The step for ``target`` given its stored state, the revocation policy and the
        source's configuration (which credentials it has)."""
        ...

    def action(self, name: str, args: Mapping[str, Any]) -> VendorAction:
        """Rebuild the action a step names."""
        ...

    def client(self, config: SourceConfig, env: Mapping[str, str]
               ) -> AbstractContextManager[Any]:
        """An authenticated client for the source."""
        ...


providers: Registry[Provider] = Registry("revocation provider")


def load_builtin_providers() -> Registry[Provider]:
    """Import the built-in providers so they register (idempotent)."""
    from tenure.actions import anthropic, openai  # noqa: F401  (import registers them)

    return providers
