"""Swagger UI at /api/docs, served from this server: the dist files come from the
``swagger-ui-bundle`` package (Swagger UI 4.15.5 at the time of writing; the package pins the
version it ships), the page and its start-up script from ``web/static``. Nothing is loaded
from another origin, so the strict Content-Security-Policy holds for the page too.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse, Response

router = APIRouter(include_in_schema=False)
ASSETS = {"swagger-ui-bundle.js": "text/javascript", "swagger-ui.css": "text/css",
          "favicon-32x32.png": "image/png"}

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Tenure API</title>
<link rel="stylesheet" href="/api/docs/assets/swagger-ui.css">
<link rel="icon" href="/api/docs/assets/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/api/docs/assets/swagger-ui-bundle.js"></script>
<script src="/static/swagger-init.js"></script>
</body>
</html>
"""


def _dist() -> Path:
    import swagger_ui_bundle

    return Path(swagger_ui_bundle.swagger_ui_path)


@router.get("/api/docs")
def swagger_page() -> Response:
    """The Swagger UI page for /api/openapi.json."""
    return HTMLResponse(PAGE)


@router.get("/api/docs/assets/{name}")
def swagger_asset(name: str) -> Response:
    """One of Swagger UI's dist files (an allowlist, never a path)."""
    if name not in ASSETS:
        return Response(status_code=404)
    return FileResponse(_dist() / name, media_type=ASSETS[name],
                        headers={"Cache-Control": "max-age=86400"})
