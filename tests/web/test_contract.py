"""Contract hygiene: Swagger UI is served from this server (no CDN, strict script policy),
the OpenAPI document lists SCIM's content type and every route's error statuses, and a 405
names the methods the path really has."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tenure.api.contract import API_ERRORS, SCIM_ERRORS, SCIM_MEDIA

from .conftest import Org


def test_swagger_ui_is_served_locally(served: Org) -> None:
    with TestClient(served.api) as client:
        page = client.get("/api/docs")
        assert page.status_code == 200
        sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
        assert sources
        assert all(s.startswith("/") and not s.startswith("//") for s in sources), sources
        csp = page.headers["content-security-policy"]
        assert "script-src 'self'" in csp
        assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
        for source in sources:
            asset = client.get(source)
            assert asset.status_code == 200, source
            assert asset.content
        assert "SwaggerUIBundle" in client.get("/api/docs/assets/swagger-ui-bundle.js").text
        assert client.get("/api/docs/assets/../../etc/passwd").status_code == 404
        assert client.get("/api/docs/assets/index.html").status_code == 404


def test_openapi_lists_real_statuses_and_content_types(served: Org) -> None:
    with TestClient(served.api) as client:
        doc = client.get("/api/openapi.json").json()
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            if path.startswith("/scim/"):
                assert "422" not in responses, (method, path)
                for status in SCIM_ERRORS:
                    assert SCIM_MEDIA in responses[str(status)]["content"], (method, path)
                for status, response in responses.items():
                    assert "application/json" not in response.get("content", {}), (
                        method, path, status)
            elif path.startswith("/api/") and path != "/api/health":
                assert {str(s) for s in API_ERRORS} <= set(responses), (method, path)


def test_options_and_wrong_methods_are_405_with_the_real_allow(served: Org) -> None:
    with TestClient(served.api) as client:
        # GET /api/items/decide is the item route (an item id "decide": 404), so GET is allowed.
        for path, allow in (("/api/items/decide", "GET, HEAD, POST"),
                            ("/api/items/delegate", "GET, HEAD, POST"),
                            ("/api/me", "GET, HEAD"), ("/scim/v2/Users", "GET, HEAD, POST")):
            response = client.options(path)
            assert response.status_code == 405, path
            assert response.headers["allow"] == allow, path
        assert client.get("/api/items/decide").status_code in (401, 404)
