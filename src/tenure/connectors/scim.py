"""SCIM 2.0 push source: Okta or Entra ID provision people and groups into ``tenure serve``.

A push source has nothing to pull. ``tenure sync`` still lists it (so a run of every source
stays one command): its run yields the tenant and a note, writes nothing and retires nothing
(it never announces a complete listing, so a person is never retired because nobody pushed).
People arrive through ``/scim/v2`` instead, each request being its own recorded run.
"""

from __future__ import annotations

from collections.abc import Iterator

from tenure.config import SourceConfig
from tenure.connectors.base import Note, SourceType, SyncContext, SyncItem, TenantInfo, source_types

SOURCE_TYPE = "scim"

DEFAULT_SOURCE = "scim"
"""The source name SCIM tokens use when none is configured or given."""


class ScimSourceConfig(SourceConfig):
    """``type = "scim"``: an IdP pushing Users and Groups over SCIM 2.0 (no settings needed;
    bearer tokens are created with ``tenure scim token create --source NAME``)."""


class ScimPushConnector:
    """The pull side of a push source: nothing to read."""

    def __init__(self, config: ScimSourceConfig) -> None:
        self.config = config

    def sync(self, ctx: SyncContext) -> Iterator[SyncItem]:
        """Yield the tenant and a note saying data arrives by push."""
        yield TenantInfo(ctx.source, name="SCIM push")
        yield Note("push_source", "people and groups arrive by SCIM push to /scim/v2 "
                   "(tenure serve); nothing to pull")


source_types.add(SOURCE_TYPE, SourceType(
    name=SOURCE_TYPE, config_model=ScimSourceConfig, factory=ScimPushConnector,
    record_types=("person",),
    description="SCIM 2.0 push from an IdP (Okta, Entra ID): people, managers, groups",
))
