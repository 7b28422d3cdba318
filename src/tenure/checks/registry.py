"""The check registry (the one registry primitive) and the built-in catalogue loader."""

from __future__ import annotations

import re

from tenure.checks.base import Check
from tenure.registry import Registry

CHECK_ID = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")

checks: Registry[Check] = Registry("check")
"""Every built-in check, by id."""


def define(check: Check) -> Check:
    """Register a built-in check (ids are kebab-case and never reused)."""
    if not CHECK_ID.match(check.id):
        raise ValueError(f"check id {check.id!r} is not kebab-case")
    checks.add(check.id, check)
    return check


def load_builtin_checks() -> Registry[Check]:
    """Import the topic modules so their checks register (idempotent)."""
    from tenure.checks import (  # noqa: F401  (importing registers the checks)
        access,
        admins,
        dormancy,
        keys,
        nhi,
        nhi_agents,
        nhi_federation,
        offboarding,
        purpose,
        spikes,
    )

    return checks
