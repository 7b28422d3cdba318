"""Mass-change guard for identity sources: a broken HR job (an empty or truncated export)
or an identity-provider storm must not turn the company into leavers for the lifecycle
triggers. An HR listing is weighed before anything is written; SCIM deactivations are
counted over a sliding window (``services.scim_burst``).
"""

from __future__ import annotations

import math

import sqlalchemy as sa

from tenure.config import LifecycleConfig
from tenure.connectors.base import Population
from tenure.errors import MassChangeRefused
from tenure.store import schema

P = schema.people


def limit(config: LifecycleConfig, population: int) -> int:
    """How many people may leave at once out of ``population`` before it is a mass change."""
    return max(config.mass_change_floor,
               math.floor(population * config.mass_change_percent / 100 + 1e-9))


def check_population(conn: sa.Connection, config: LifecycleConfig, *, source: str,
                     tenant: str, listing: Population) -> None:
    """Refuse (``MassChangeRefused``) a listing that names nobody, or that would retire
    (no longer list, or newly mark terminated) more people than ``limit`` allows."""
    current = conn.execute(sa.select(P.c.email, P.c.status).where(
        P.c.source == source, P.c.tenant == tenant, P.c.removed_at.is_(None))).all()
    flag = "re-run with --allow-mass-change if it is real"
    if listing.complete and not listing.listed:
        raise MassChangeRefused(
            f"{listing.label}: the export lists nobody (a header only); importing it would "
            f"retire all {len(current)} people of source {source!r}. Nothing was written; "
            f"{flag}.")
    leaving = sorted(
        email for email, status in current
        if (listing.complete and email not in listing.listed)
        or (email in listing.leaving and status != "terminated"))
    allowed = limit(config, len(current))
    if len(leaving) > allowed:
        share = 100 * len(leaving) / len(current)
        sample = ", ".join(leaving[:5]) + (", …" if len(leaving) > 5 else "")
        raise MassChangeRefused(
            f"{listing.label}: this export would retire {len(leaving)} of {len(current)} "
            f"people of source {source!r} ({share:.0f} %; at most {allowed} at once, "
            f"[lifecycle] mass_change_percent = {config.mass_change_percent:g}): {sample}. "
            f"Nothing was written; {flag}.")
