"""Lifecycle and revocation plans (approve as a second person, apply, verification status),
purposes and manual tasks, and sources with their sync health."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from tenure.errors import TenureError
from tenure.services import inventory, lifecycle, plan_batches, revocation, web_views
from tenure.web.auth import ADMIN_ONLY, READ_ALL, acting, require_form, require_page, tenure_app
from tenure.web.render import flash, render

router = APIRouter(include_in_schema=False)
PAGE = 50
LIST_CAP = 200  # purposes and tasks on the plans page; the API pages through all of them


@router.get("/plans")
def plans_page(request: Request, offset: Annotated[int, Query(ge=0)] = 0) -> Response:
    """Revocation plans (newest first, paged), purposes and open manual tasks."""
    principal = require_page(request, READ_ALL)
    app = tenure_app(request)
    return render(request, "plans.html", principal,
                  page=web_views.paginate(revocation.list_plans(app), PAGE, offset),
                  purposes=lifecycle.list_purposes(app)[:LIST_CAP],
                  tasks=revocation.list_tasks(app)[:LIST_CAP], cap=LIST_CAP)


@router.get("/plans/{plan_id}")
def plan_page(request: Request, plan_id: str) -> Response:
    """One plan: its steps, who planned and approved it, and what apply verified."""
    principal = require_page(request, READ_ALL)
    app = tenure_app(request)
    info, steps = revocation.plan_status(app, plan_id)
    batches = plan_batches.progress(app, plan_id)
    second = info["created_by"] != principal.email
    return render(request, "plan.html", principal, info=info, steps=steps, batches=batches,
                  can_approve=not batches.needed and info["status"] == "planned" and second,
                  can_apply=not batches.needed and info["status"] in ("approved", "applying"),
                  approve_batch=batches.next_to_approve if second and info["status"]
                  != "applied" else None,
                  apply_batch=batches.next_to_apply if batches.needed else None)


@router.post("/plans/{plan_id}/batches/{batch}/approve")
async def approve_batch(request: Request, plan_id: str, batch: int) -> Response:
    """Approve one batch of a plan over the max-actions guard, as a second person."""
    principal = await require_form(request, ADMIN_ONLY)
    cut = web_views.approve_stored_batch(acting(request, principal), plan_id, batch,
                                         approver=principal.email)
    flash(request, f"Approved batch {cut.number} of plan {plan_id} ({cut.calls} vendor "
          "action(s)).")
    return RedirectResponse(f"/plans/{plan_id}", status_code=303)


@router.post("/plans/{plan_id}/approve")
async def approve(request: Request, plan_id: str) -> Response:
    """Approve as a second person (the planner cannot)."""
    principal = await require_form(request, ADMIN_ONLY)
    plan = web_views.approve_stored_plan(acting(request, principal), plan_id,
                                         approver=principal.email)
    flash(request, f"Approved plan {plan.id} ({plan.sha256[:12]}).")
    return RedirectResponse(f"/plans/{plan_id}", status_code=303)


@router.post("/plans/{plan_id}/apply")
async def apply(request: Request, plan_id: str) -> Response:
    """Apply exactly the approved plan whose hash the admin confirmed."""
    principal = await require_form(request, ADMIN_ONLY)
    form = await request.form()
    raw_batch = str(form.get("batch") or "")
    if raw_batch and not raw_batch.isdigit():
        raise TenureError(f"batch {raw_batch!r} is not a batch number")
    batch = int(raw_batch) if raw_batch else None
    report = web_views.apply_stored_plan(acting(request, principal), plan_id,
                                         approve_hash=str(form.get("approve_hash") or ""),
                                         batch=batch)
    what = "Applied" if batch is None else f"Applied batch {batch}"
    flash(request, f"{what}: {report.calls} vendor call(s), {len(report.steps)} step(s); "
          f"re-synced {', '.join(report.resynced) or 'nothing'}.")
    return RedirectResponse(f"/plans/{plan_id}", status_code=303)


@router.get("/sources")
def sources_page(request: Request) -> Response:
    """Configured sources: last run, last success, gaps."""
    principal = require_page(request, READ_ALL)
    return render(request, "sources.html", principal,
                  sources=inventory.source_status(tenure_app(request)))
