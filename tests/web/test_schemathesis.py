"""schemathesis over /api/openapi.json (T15): no REST operation answers a server error,
whatever parameters, bodies and ids it generates, as an admin and as a reviewer."""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import Case

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
            response = case.call(headers=headers)
            assert response.status_code < 500, (case.method, case.path, response.text)

        run()
