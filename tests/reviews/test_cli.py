"""The review commands through the real CLI, every one with --format json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tenure.cli import app as cli_app
from tenure.services.context import App, open_app

from ..conftest import user_token


@pytest.fixture
def config(org: App, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("TENURE_DATABASE_URL", raising=False)
    path = tmp_path / "tenure.toml"
    path.write_text(f'[database]\nurl = "{org.settings.database.url}"\n'
                    '[[sources]]\nname = "hr"\ntype = "scripted"\n'
                    '[[sources]]\nname = "claude"\ntype = "scripted"\n', encoding="utf-8")
    return path


def cli(config: Path, *args: str, when: str = "2026-11-25T12:00:00Z",
        user: str | None = None, role: str = "reviewer") -> object:
    """Run the CLI; with ``user``, signed in as that user (a token in TENURE_TOKEN)."""
    env: dict[str, str | None] = {}
    if user is not None:
        app = open_app(str(config))
        try:
            env["TENURE_TOKEN"] = user_token(app, user, role)
        finally:
            app.close()
    result = CliRunner().invoke(cli_app, ["--config", str(config), "--as-of", when, *args],
                                env=env)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout) if "json" in args else result.stdout


def test_review_commands_end_to_end(config: Path, tmp_path: Path) -> None:
    preview = cli(config, "review", "create", "--name", "Q4", "--due", "2026-12-09",
                  "--fallback-reviewer", "secops@corp.io", "--scope", "kind:account",
                  "--dry-run", "--format", "json")
    assert isinstance(preview, dict)
    assert preview["dry_run"] is True
    assert cli(config, "review", "list", "--format", "json") == []
    created = cli(config, "review", "create", "--name", "Q4", "--due", "2026-12-09",
                  "--fallback-reviewer", "secops@corp.io", "--scope", "kind:account",
                  "--if-no-response", "recommendation", "--format", "json")
    assert isinstance(created, dict)
    campaign = created["campaign_id"]
    assert created["population_size"] == preview["population_size"] == 6
    queue = cli(config, "review", "items", campaign, "--reviewer", "boss@corp.io",
                "--format", "json")
    assert isinstance(queue, list)
    carol = next(i for i in queue if i["subject_id"] == "user_carol")
    alice = next(i for i in queue if i["subject_id"] == "user_alice")
    assert carol["recommendation"] == "revoke"
    assert carol["snapshot"]["usage"]
    decided = cli(config, "review", "decide", carol["id"], "--decision", "revoke",
                  "--justification", "left the team", "--format", "json", user="boss@corp.io")
    assert decided == [{"item_id": carol["id"], "decision": "revoke",
                        "reviewer": "boss@corp.io", "moved_to_stage_2": False}]
    delegated = cli(config, "review", "delegate", alice["id"], "--to", "ceo@corp.io",
                    "--reason", "vacation", "--format", "json", user="boss@corp.io")
    assert isinstance(delegated, list)
    assert delegated[0]["to"] == "ceo@corp.io"
    reminded = cli(config, "review", "remind", campaign, "--format", "json")
    assert isinstance(reminded, list)
    shown = cli(config, "review", "show", campaign, "--format", "json")
    assert isinstance(shown, list)
    assert shown[0]["pending"] == 5
    plan_file = tmp_path / "plan.json"
    # the deadline is judged on the wall clock, whatever --as-of says: closing early needs
    # --force
    closed = cli(config, "review", "close", campaign, "--force", "--out", str(plan_file),
                 "--format", "json", when="2026-12-10T00:00:00Z", user="ciso@corp.io",
                 role="admin")
    assert isinstance(closed, dict)
    assert {a["subject_id"] for a in closed["actions"]} >= {"user_carol", "user_bob"}
    # The scripted source cannot revoke: the campaign closes, no plan is stored, and the
    # reason is given (the planted-organization test stores, approves and applies one).
    assert closed["plan_id"] is None
    assert "no revocation support" in closed["plan_problem"]
    assert not plan_file.exists()
