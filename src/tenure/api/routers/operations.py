"""/api/plans, /api/purposes, /api/tasks, /api/sources, /api/evidence."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict, Field

from tenure.api.routers.common import Limit, ObjectId, Offset, page_json, plain
from tenure.api.safejson import SafeJsonRoute
from tenure.services import evidence, inventory, lifecycle, revocation, web_views
from tenure.web.auth import ADMIN_ONLY, READ_ALL, acting, require_api, tenure_app
from tenure.web.pages.evidence_pages import export_download

router = APIRouter(prefix="/api", tags=["operations"], route_class=SafeJsonRoute)


class ApplyBody(BaseModel):
    """Apply exactly the plan with this hash."""

    model_config = ConfigDict(extra="forbid")
    approve_hash: str = Field(min_length=64, max_length=64, pattern="^[0-9a-fA-F]{64}$")


class ExportBody(BaseModel):
    """What to package: a period FROM..TO or a campaign."""

    model_config = ConfigDict(extra="forbid")
    period: str | None = Field(default=None, max_length=80)
    campaign: str | None = Field(default=None, max_length=40)


@router.get("/plans", summary="Revocation plans")
def plans(request: Request, limit: Limit = 50, offset: Offset = 0) -> dict[str, Any]:
    """Stored plans, newest first."""
    require_api(request, READ_ALL)
    return page_json(web_views.paginate(revocation.list_plans(tenure_app(request)), limit,
                                        offset))


@router.get("/plans/{plan_id}", summary="One plan and its journal")
def plan(request: Request, plan_id: ObjectId) -> dict[str, Any]:
    """The plan, who planned and approved it, and each step's result and verification."""
    require_api(request, READ_ALL)
    info, steps = revocation.plan_status(tenure_app(request), plan_id)
    return {"plan": plain(info), "steps": plain(steps)}


@router.post("/plans/{plan_id}/approve", summary="Approve a plan")
def approve(request: Request, plan_id: ObjectId) -> dict[str, Any]:
    """Approve as a second person (admin; the planner cannot approve their own plan)."""
    principal = require_api(request, ADMIN_ONLY)
    approved = web_views.approve_stored_plan(acting(request, principal), plan_id,
                                             approver=principal.email)
    return {"plan_id": approved.id, "sha256": approved.sha256, "approved_by": principal.email}


@router.post("/plans/{plan_id}/apply", summary="Apply a plan")
def apply(request: Request, plan_id: ObjectId, body: ApplyBody) -> dict[str, Any]:
    """Apply exactly the approved plan with this hash (guards first; admin)."""
    principal = require_api(request, ADMIN_ONLY)
    report = web_views.apply_stored_plan(acting(request, principal), plan_id,
                                         approve_hash=body.approve_hash)
    result: dict[str, Any] = plain(report)
    return result


@router.get("/purposes", summary="Purposes")
def purposes(request: Request, limit: Limit = 50, offset: Offset = 0) -> dict[str, Any]:
    """Recorded business purposes and whether each has ended."""
    require_api(request, READ_ALL)
    return page_json(web_views.paginate(lifecycle.list_purposes(tenure_app(request)), limit,
                                        offset))


@router.get("/tasks", summary="Manual revocation tasks")
def tasks(request: Request, limit: Limit = 50, offset: Offset = 0) -> dict[str, Any]:
    """Open manual tasks (overdue flagged)."""
    require_api(request, READ_ALL)
    return page_json(web_views.paginate(revocation.list_tasks(tenure_app(request)), limit,
                                        offset))


@router.get("/sources", summary="Sources and sync health")
def sources(request: Request) -> dict[str, Any]:
    """Each configured source: last run, last success, gaps."""
    require_api(request, READ_ALL)
    return {"items": plain(inventory.source_status(tenure_app(request)))}


@router.get("/evidence/verify", summary="Verify the ledger")
def verify(request: Request) -> dict[str, Any]:
    """Recompute the chain and checkpoint signatures now."""
    require_api(request, READ_ALL)
    report = evidence.verify_ledger(tenure_app(request))
    return {"ok": report.ok, "total": report.total, "valid": report.valid,
            "first_seq": report.first_seq, "last_seq": report.last_seq,
            "lines": report.lines()}


@router.post("/evidence/export", summary="Download an evidence package",
             response_class=FileResponse,
             responses={200: {"content": {"application/zip": {}}}})
def export(request: Request, body: ExportBody) -> FileResponse:
    """A zipped, signed evidence package for a period or a campaign (admin, auditor)."""
    principal = require_api(request, READ_ALL)
    return export_download(acting(request, principal), period=body.period,
                           campaign=body.campaign)
