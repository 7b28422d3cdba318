"""Contract tests: Claude Code analytics from recorded pages in tests/data/anthropic."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tenure.connectors.anthropic import claude_code

DATA = Path(__file__).parent.parent / "data" / "anthropic"


def page(name: str) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads((DATA / f"{name}.json").read_text())["data"]
    return data


def test_claude_code_records_are_usage_activity() -> None:
    acts = [claude_code.claude_code_activity(r) for r in page("claude_code")]
    user, api = acts
    assert user is not None
    assert api is not None
    assert user.actor_email == "cara@acme.test"
    assert user.category == "usage"
    assert user.occurred_at == datetime(2026, 11, 24, tzinfo=UTC)
    assert user.external_id == "claude_code:2026-11-24:user:cara@acme.test"
    assert api.actor_kind == "api_key"
    assert api.actor_id == "CI bot"
