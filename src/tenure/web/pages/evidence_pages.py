"""Evidence: the ledger's verification status and package downloads."""

from __future__ import annotations

import tempfile
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from starlette.background import BackgroundTask
from starlette.responses import FileResponse

from tenure.services import evidence
from tenure.services.context import App
from tenure.web.auth import READ_ALL, acting, require_form, require_page, tenure_app
from tenure.web.render import render

router = APIRouter(include_in_schema=False)


@router.get("/evidence")
def evidence_page(request: Request) -> Response:
    """Verify the ledger now and show the CloudTrail-style summary."""
    principal = require_page(request, READ_ALL)
    report = evidence.verify_ledger(tenure_app(request))
    return render(request, "evidence.html", principal, report=report, lines=report.lines())


def export_download(app: App, *, period: str | None, campaign: str | None) -> FileResponse:
    """Write a package to a temporary folder and stream it (the folder goes afterwards)."""
    folder = Path(tempfile.mkdtemp(prefix="tenure-export-"))

    def cleanup() -> None:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)

    try:
        if campaign:
            result = evidence.export_campaign(app, campaign, folder)
        elif period:
            try:
                parsed = evidence.parse_period(period)
            except ValueError as exc:
                raise HTTPException(400, f"period: {exc}") from None
            result = evidence.export_period(app, parsed, folder)
        else:
            raise HTTPException(400, "give a period (FROM..TO) or a campaign id")
    except BaseException:
        cleanup()
        raise
    return FileResponse(result.path, media_type="application/zip",
                        filename=result.path.name, background=BackgroundTask(cleanup))


@router.post("/evidence/export")
async def export(request: Request) -> Response:
    """Download an evidence package for a period or a campaign."""
    principal = await require_form(request, READ_ALL)
    form = await request.form()
    return export_download(acting(request, principal),
                           period=str(form.get("period") or "") or None,
                           campaign=str(form.get("campaign") or "") or None)
