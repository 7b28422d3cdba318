"""The planted organization for the revocation tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.planted import PlantedOrg, planted_org

Org = PlantedOrg


@pytest.fixture
def org(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Org]:
    """Guards sized for the small scenario: 10 actions, 50% of the identities."""
    with planted_org(tmp_path, database_url, monkeypatch,
                     extra_config="[revocation]\nmax_actions = 10\nmax_percent = 50\n") as org:
        yield org
