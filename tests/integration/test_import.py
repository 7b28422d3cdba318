"""`tenure import activity`: Compliance-feed JSONL backfill, all or nothing, dedup by id."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from tenure.cli import app as cli_app
from tenure.store import schema
from tenure.store.db import make_engine


def activity(i: int, *, user: str = "user_01A", kind: str = "sso_login_succeeded") -> str:
    at = datetime(2026, 11, 1, tzinfo=UTC) + timedelta(minutes=i)
    return json.dumps({
        "id": f"activity_{i:06d}", "created_at": at.isoformat().replace("+00:00", "Z"),
        "organization_id": "org_01", "type": kind,
        "actor": {"type": "user_actor", "email_address": "ada@example.com", "user_id": user,
                  "ip_address": "192.0.2.1", "user_agent": "test"}})


@pytest.fixture
def config(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("TENURE_DATABASE_URL", raising=False)
    path = tmp_path / "tenure.toml"
    path.write_text(f'[database]\nurl = "{database_url}"\n[[sources]]\nname = "claude"\n'
                    'type = "anthropic"\napi_key_env = "UNUSED_KEY"\n', encoding="utf-8")
    return path


def run(config: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli_app, ["--config", str(config), "--as-of",
                                          "2026-11-25T00:00:00Z", *args])
    return result.exit_code, result.stdout, result.stderr


def counts(database_url: str) -> tuple[int, int]:
    engine = make_engine(database_url)
    with engine.connect() as conn:
        n = conn.execute(sa.select(sa.func.count()).select_from(schema.activities)).scalar_one()
        rolled = conn.execute(sa.select(sa.func.sum(schema.activity_daily.c.events)).where(
            schema.activity_daily.c.principal_type == "account")).scalar()
    engine.dispose()
    return int(n), int(rolled or 0)


def test_import_then_reimport_dedups(config: Path, tmp_path: Path, database_url: str) -> None:
    export = tmp_path / "feed.jsonl"
    export.write_text("\n".join(activity(i) for i in range(250)) + "\n", encoding="utf-8")
    code, out, err = run(config, "import", "activity", str(export), "--source", "claude")
    assert code == 0, err
    assert "250 new activities, 0 already stored" in out
    assert counts(database_url) == (250, 250)
    code, out, _ = run(config, "import", "activity", str(export), "--source", "claude")
    assert "0 new activities, 250 already stored" in out
    assert counts(database_url) == (250, 250)  # rollups never double count


def test_a_bad_line_rejects_the_whole_file(config: Path, tmp_path: Path,
                                           database_url: str) -> None:
    lines = [activity(i) for i in range(30)]
    lines[9] = '{"id": "activity_x", "created_at": "yesterday"'
    lines[20] = '{"type": "sso_login_succeeded"}'
    export = tmp_path / "feed.jsonl"
    export.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, _, err = run(config, "import", "activity", str(export), "--source", "claude")
    assert code == 2
    assert "feed.jsonl:10:" in err
    assert "feed.jsonl:21:" in err
    assert "nothing was written" in err
    assert counts(database_url) == (0, 0)
    code, out, err = run(config, "import", "activity", str(export), "--source", "claude",
                         "--skip-invalid")
    assert code == 0
    assert "28 new activities" in out
    assert "2 invalid" in out
    assert "feed.jsonl:10:" in err
    engine = make_engine(database_url)
    with engine.connect() as conn:
        statuses = sorted(conn.execute(sa.select(schema.sync_runs.c.status)).scalars())
    engine.dispose()
    assert statuses == ["failed", "partial"]


def test_only_anthropic_sources_take_feed_exports(config: Path, tmp_path: Path) -> None:
    export = tmp_path / "feed.jsonl"
    export.write_text(activity(1) + "\n", encoding="utf-8")
    code, _, err = run(config, "import", "activity", str(export), "--source", "nope")
    assert code == 2
    assert "no source named 'nope'" in err


def test_postgresql_statistics_are_fresh_after_an_import(config: Path, tmp_path: Path,
                                                         database_url: str) -> None:
    """A bulk load leaves the planner's statistics current (autovacuum analyzes too late: a
    check over a freshly loaded, unanalyzed store ran for minutes instead of 2 s)."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite plans without statistics")
    engine = make_engine(database_url)
    with engine.begin() as conn:
        conn.execute(sa.text("SELECT pg_stat_reset()"))  # forget earlier tests' ANALYZE
    export = tmp_path / "feed.jsonl"
    export.write_text("\n".join(activity(i) for i in range(50)) + "\n", encoding="utf-8")
    assert run(config, "import", "activity", str(export), "--source", "claude")[0] == 0
    with engine.connect() as conn:
        analyzed = set(conn.execute(sa.text(
            "SELECT relname FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL")).scalars())
    engine.dispose()
    assert {"activity_daily"} <= analyzed


def test_import_keeps_targets_and_recognises_tenure_s_key(tmp_path: Path,
                                                          database_url: str,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TENURE_DATABASE_URL", raising=False)
    config = tmp_path / "tenure.toml"
    config.write_text(f'[database]\nurl = "{database_url}"\n[[sources]]\nname = "claude"\n'
                      'type = "anthropic"\napi_key_env = "UNUSED_KEY"\n'
                      'admin_key_id = "apikey_01Tenure"\n', encoding="utf-8")
    removed = {"id": "activity_r1", "created_at": "2026-11-02T10:00:00Z",
               "organization_id": "org_01", "type": "org_user_deleted",
               "actor": {"type": "admin_api_key_actor", "admin_api_key_id": "apikey_01Tenure",
                         "ip_address": "192.0.2.9", "user_agent": "tenure-connector"},
               "deleted_user_id": "user_09Gone", "deleted_user_email": "Gone@example.com"}
    export = tmp_path / "feed.jsonl"
    export.write_text(json.dumps(removed) + "\n" + activity(1) + "\n", encoding="utf-8")
    code, _, err = run(config, "import", "activity", str(export), "--source", "claude")
    assert code == 0, err
    engine = make_engine(database_url)
    with engine.connect() as conn:
        actor = conn.execute(sa.select(schema.activities.c.actor_kind).where(
            schema.activities.c.external_id == "activity_r1")).scalar_one()
        targets = conn.execute(sa.select(schema.activity_targets.c.target_id,
                                         schema.activity_targets.c.target_email)).all()
    engine.dispose()
    assert actor == "tenure"
    assert [tuple(t) for t in targets] == [("user_09Gone", "gone@example.com")]
