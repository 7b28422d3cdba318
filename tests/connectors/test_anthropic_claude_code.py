"""Contract tests: Claude Code analytics from recorded pages in tests/data/anthropic."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tenure.connectors.anthropic import claude_code
from tenure.connectors.anthropic.claude_code import KeyNames, Unresolved
from tenure.model import ActorKind, Credential, CredentialKind

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
    assert api.actor_id is None  # a key name is not an identity: unresolved without the keys


def _key(key_id: str, name: str, status: str = "active") -> Credential:
    return Credential(key_id, CredentialKind.API_KEY, name, status)


KEYS = KeyNames.of([
    _key("apikey_01Ci", "CI bot"),
    _key("apikey_02CiOld", "CI bot", "archived"),  # inactive: does not make the name ambiguous
    _key("apikey_03SharedA", "shared"), _key("apikey_04SharedB", "shared"),
    _key("apikey_05Deleted", "Deleted key", "inactive"),
])


def test_key_name_resolves_when_exactly_one_active_key_has_it() -> None:
    reader = claude_code.DayReader(KEYS)
    ci, shared_a, shared_b, deleted, nameless = (reader.activity(r)
                                                 for r in page("claude_code_keys"))
    assert ci is not None
    assert (ci.actor_kind, ci.actor_id, ci.credential_id) == (
        ActorKind.API_KEY, "apikey_01Ci", "apikey_01Ci")
    assert ci.external_id == "claude_code:2026-11-24:key:apikey_01Ci"
    # Same-named keys: unresolved, and their two records stay two events.
    assert shared_a is not None
    assert shared_b is not None
    assert (shared_a.actor_id, shared_a.credential_id) == (None, None)
    assert shared_a.external_id != shared_b.external_id
    assert deleted is not None
    assert deleted.actor_id is None
    assert deleted.target_id is None  # no terminal_type in that record
    assert nameless is not None
    assert reader.unresolved == {"shared": Unresolved.AMBIGUOUS,
                                 "Deleted key": Unresolved.NO_ACTIVE_KEY,
                                 "": Unresolved.NO_NAME}


def test_unknown_keys_resolve_nothing() -> None:
    reader = claude_code.DayReader(KeyNames(None))
    ci = reader.activity(page("claude_code_keys")[0])
    assert ci is not None
    assert ci.actor_id is None
    assert reader.unresolved == {"CI bot": Unresolved.KEYS_UNKNOWN}
