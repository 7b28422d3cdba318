"""A SCIM push drives lifecycle exactly as an HR import would: a leaver pushed by Entra turns
into a revocation plan for the person's Claude seat; a manager change opens a mover review."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tenure.api import create_app
from tenure.config import parse_settings
from tenure.model import Account, AccountKind
from tenure.services.context import App
from tenure.services.lifecycle import run_lifecycle
from tenure.services.scim_tokens import create_token
from tenure.store import schema, writers

from ..conftest import make_app, signed_in
from .conftest import replay, rows


@pytest.fixture
def governed(database_url: str) -> Iterator[tuple[App, TestClient]]:
    """An App with an Entra SCIM source and an Anthropic org holding Alan's seat."""
    settings = parse_settings({"sources": [
        {"name": "entra", "type": "scim"},
        {"name": "claude", "type": "anthropic", "api_key_env": "ANTHROPIC_ADMIN_KEY"},
    ]}, path=None, env={"TENURE_DATABASE_URL": database_url})
    app = make_app(database_url, settings)
    with app.engine.begin() as conn:
        writers.upsert_snapshot(conn, schema.accounts, [writers.account_row(Account(
            external_id="user_alan", kind=AccountKind.USER, email="alan@contoso.com",
            name="Alan Turing", role="developer"))], source="claude", tenant="org_1",
            run_id="run_1", now=app.now())
    token = create_token(signed_in(app, "scim-admin@corp.io"), "entra")[1]
    with TestClient(create_app(app), raise_server_exceptions=False) as client:
        client.headers["Authorization"] = f"Bearer {token}"
        yield app, client
    app.close()


def test_an_entra_leaver_becomes_a_revocation_plan(governed: tuple[App, TestClient]) -> None:
    app, client = governed
    replay(client, "entra/lifecycle")
    (account,) = rows(app, schema.accounts)
    assert account["person_email"] == "alan@contoso.com"  # resolved against the SCIM person
    report = run_lifecycle(app, ("leaver", "mover"))
    (plan,) = report.plans
    assert plan["trigger"] == "leaver"
    assert plan["steps"] == 1
    document = str(plan["document"])
    assert "user_alan" in document
    assert "alan@contoso.com" in document
    assert [r for r in report.reviews if "alan@contoso.com" in str(r)]
