"""Terminal escapes in stored data (a vendor name with ``ESC[2J`` or an OSC 8 link) are shown
as escapes by `tenure people` and `tenure review items`, in table, CSV and plain output."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from tenure.cli import app as cli_app
from tenure.cli.output import terminal_safe
from tenure.services.context import App
from tenure.store import schema

from .test_cli import config  # noqa: F401  (fixture)

HOSTILE = "Carol \x1b[2J\x1b]8;;https://evil.example\x07click\x1b]8;;\x07 \u202eevil"


def _run(config_path: Path, *args: str) -> str:
    result = CliRunner().invoke(cli_app, ["--config", str(config_path), "--as-of",
                                          "2026-11-25T12:00:00Z", *args],
                                 env={"COLUMNS": "400"})
    assert result.exit_code == 0, result.output
    return result.stdout


def _assert_safe(out: str) -> None:
    assert "\x1b" not in out
    assert "\x07" not in out
    assert "\u202e" not in out
    assert "\\x1b[2J" in out


def test_people_and_review_items_escape_terminal_controls(
        org: App, config: Path) -> None:  # noqa: F811
    with org.engine.begin() as conn:
        conn.execute(schema.people.update().where(schema.people.c.email == "carol@corp.io")
                     .values(name=HOSTILE))
        conn.execute(schema.accounts.update().where(
            schema.accounts.c.external_id == "user_carol").values(name=HOSTILE, email=HOSTILE))
        names = conn.execute(sa.select(schema.people.c.name)).scalars().all()
    assert HOSTILE in names
    for fmt in ("table", "csv"):
        _assert_safe(_run(config, "people", "--format", fmt))
    _run(config, "review", "create", "--name", f"Q4 {HOSTILE}", "--due", "2026-12-09",
         "--fallback-reviewer", "secops@corp.io", "--scope", "kind:account")
    campaigns = _run(config, "review", "list", "--format", "csv")
    _assert_safe(campaigns)
    campaign = campaigns.splitlines()[1].split(",")[0]
    for fmt in ("table", "csv"):
        out = _run(config, "review", "items", campaign, "--format", fmt)
        assert "Carol" in out
        _assert_safe(out)
    _assert_safe(_run(config, "review", "show", campaign))


@pytest.mark.parametrize("text", ["\x1b[2J", "\x1b]8;;https://x\x07", "\x9b31m", "\ud800",
                                  "\u2066", "\x00"])
def test_terminal_safe_escapes_every_control(text: str) -> None:
    out = terminal_safe(f"a{text}b")
    assert out.startswith("a\\")
    assert out.endswith("b")
    assert out.isprintable()
