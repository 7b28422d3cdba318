"""``tenure init``: a starter configuration and an up-to-date database."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tenure.config import load_settings
from tenure.errors import ConfigError
from tenure.store.db import current_revision, make_engine, migrate

STARTER = """\
# Tenure configuration. Secrets never go in this file: name the environment variable instead.
# Docs: docs/configuration.md

[database]
# TENURE_DATABASE_URL overrides this; PostgreSQL: "postgresql://user@host/dbname"
url = "sqlite:///tenure.db"
{hr_source}
# [[sources]]
# name = "claude"
# type = "anthropic"
# api_key_env = "ANTHROPIC_ADMIN_KEY"
# Service accounts and workload identity federation need an OAuth org:admin token:
# oauth_token_env = "ANTHROPIC_OAUTH_TOKEN"
# or let Tenure authenticate as a service account (workload identity federation):
# [sources.federation]
# rule_id = "fdrl_..."
# identity_token_file = "/var/run/secrets/tokens/anthropic"
"""

HR_SOURCE = """
[[sources]]
name = "hr"
type = "hr-csv"
path = "{path}"
"""


@dataclass(frozen=True, slots=True)
class InitReport:
    """What ``init`` did."""

    config_path: Path
    config_action: str
    database_url: str
    revision: str | None


def initialize(path: Path, *, hr_csv: Path | None = None, force: bool = False) -> InitReport:
    """Write the starter config unless one exists (or ``force``), then migrate the database."""
    action = "kept existing"
    if force or not path.exists():
        if hr_csv is not None and not hr_csv.exists():
            raise ConfigError("file not found", path=str(hr_csv), field="--hr-csv")
        hr_source = HR_SOURCE.format(path=hr_csv.as_posix()) if hr_csv else ""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(STARTER.format(hr_source=hr_source), encoding="utf-8")
        action = "written"
    settings = load_settings(path)
    engine = make_engine(settings.database.url)
    try:
        migrate(engine)
        revision = current_revision(engine)
    finally:
        engine.dispose()
    return InitReport(path, action, settings.database.url, revision)
