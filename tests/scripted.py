"""A scripted source for store tests: yields exactly the items a test hands it.

It is a real Connector registered as a real source type, so tests exercise the real sync
engine and store; only the vendor is replaced by a list.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from tenure.config import SourceConfig
from tenure.connectors.base import SourceType, SyncContext, SyncItem, source_types

SCRIPTS: dict[str, Sequence[SyncItem | Exception]] = {}
SEEN_CURSORS: dict[str, dict[str, object]] = {}


class ScriptedConfig(SourceConfig):
    """``type = "scripted"`` (tests only)."""


class ScriptedConnector:
    """Yields ``SCRIPTS[name]``; an Exception in the script is raised at that point."""

    def __init__(self, config: ScriptedConfig) -> None:
        self.config = config

    def sync(self, ctx: SyncContext) -> Iterator[SyncItem]:
        SEEN_CURSORS[ctx.source] = {k: dict(v) for k, v in ctx.cursors.items()}
        for item in SCRIPTS[self.config.name]:
            if isinstance(item, Exception):
                raise item
            yield item


def register() -> None:
    """Register the scripted source type once per process."""
    if "scripted" not in source_types:
        source_types.add("scripted", SourceType(
            name="scripted", config_model=ScriptedConfig, factory=ScriptedConnector,
            record_types=(), description="test-only scripted source"))
