"""schemathesis over /api/openapi.json (T15): no REST operation answers a server error or
anything its contract does not list (status, content type, headers, body schema), whatever
parameters, bodies and ids it generates, as an admin and as a reviewer."""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import Case
from schemathesis.specs.openapi.checks import positive_data_acceptance

from .conftest import ADMIN, REVIEWER, Org

EXAMPLES = int(os.environ.get("TENURE_WEB_FUZZ_EXAMPLES", "25"))


@pytest.mark.parametrize("who", [ADMIN, REVIEWER])
def test_no_server_errors(served: Org, who: str) -> None:
    if served.app.settings.database.url.startswith("postgresql") and who == REVIEWER:
        pytest.skip("the reviewer run on SQLite is enough; keeps the suite bounded")
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", served.api)
    operations = [r.ok() for r in schema.get_all_operations()]
    mine = [op for op in operations if not op.path.startswith("/scim/")]
    assert len(mine) >= 20
    headers = {"Authorization": f"Bearer {served.tokens[who]}"}
    for operation in mine:

        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def run(case: Case) -> None:
            # Every default check: no 5xx, and the status code, content type, headers and body
            # are the ones the OpenAPI document lists for the operation.
            # Not "schema-valid data is accepted": business rules refuse some (an unknown
            # reviewer email, an id that does not exist) with a documented 400/404/409.
            case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])

        run()
