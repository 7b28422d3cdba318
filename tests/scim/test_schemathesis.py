"""schemathesis over the published OpenAPI (T15): no SCIM operation answers a server error or
anything its contract does not list (status, application/scim+json, headers, body schema),
whatever the bodies, parameters and ids it generates."""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis import Case
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tenure.api import create_app
from tenure.services.context import App

from .conftest import user_body

EXAMPLES = int(os.environ.get("TENURE_FUZZ_EXAMPLES", "40"))


@pytest.fixture
def served_app(scim_app: App, token: str) -> tuple[Any, str]:
    """The ASGI app (with one seeded user so ids sometimes exist) and a token."""
    api = create_app(scim_app)
    with TestClient(api) as client:
        client.post("/scim/v2/Users", json=user_body("seed@example.com"),
                    headers={"Authorization": f"Bearer {token}"})
    return api, token


def test_no_server_errors(served_app: tuple[Any, str]) -> None:
    api, token = served_app
    # The SCIM operations; the web app's REST API has its own schemathesis run (tests/web).
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", api).include(
        path_regex="^/(scim/|api/health)")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 12
    for operation in operations:

        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def run(case: Case) -> None:
            # Every default check (no 5xx; status, content type application/scim+json,
            # headers and body as documented) except "schema-valid data is accepted": SCIM
            # refuses some schema-valid bodies by rule (uniqueness, unknown members) with a
            # documented 400/404/409.
            response = case.call_and_validate(headers={"Authorization": f"Bearer {token}"},
                                              excluded_checks=[positive_data_acceptance])
            if case.path.startswith("/scim/") and response.status_code >= 400:
                assert response.json()["schemas"] == [
                    "urn:ietf:params:scim:api:messages:2.0:Error"]
        run()
