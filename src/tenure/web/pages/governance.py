"""Findings (filter, mute with reason and expiry) and campaigns (progress, overdue, close)."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response

from tenure.checks.base import Severity
from tenure.services import dashboard, finding_views, findings, reviews, web_views
from tenure.web.auth import ADMIN_ONLY, READ_ALL, acting, require_form, require_page, tenure_app
from tenure.web.render import flash, render

router = APIRouter(include_in_schema=False)
PAGE = 50
FINDING_STATUSES = {"open": findings.OPEN, "resolved": ("pass",),
                    "all": (*findings.OPEN, "pass")}


def finding_filter(check: str | None, severity: str | None, source: str | None,
                   status: str) -> findings.FindingFilter:
    """A filter from query parameters (values from allowlists only)."""
    if status not in FINDING_STATUSES:
        raise HTTPException(400, f"status must be one of {', '.join(FINDING_STATUSES)}")
    try:
        sev = Severity(severity) if severity else None
    except ValueError:
        raise HTTPException(400, f"unknown severity {severity!r}") from None
    return findings.FindingFilter(check=check or None, severity=sev, source=source or None,
                                  statuses=FINDING_STATUSES[status])


@router.get("/findings")
def findings_page(request: Request, check: Annotated[str | None, Query(max_length=128)] = None,
                  severity: Annotated[str | None, Query(max_length=16)] = None,
                  source: Annotated[str | None, Query(max_length=128)] = None,
                  status: Annotated[str, Query(max_length=16)] = "open",
                  offset: Annotated[int, Query(ge=0)] = 0) -> Response:
    """Findings with filters, most severe first: names beside ids, evidence in words,
    counts by check and severity, when checks last ran, bulk mute."""
    principal = require_page(request, READ_ALL)
    app = tenure_app(request)
    limit, offset = web_views.clamp(PAGE, offset)
    rows, total, summary = finding_views.page(app, finding_filter(check, severity, source, status),
                                              limit, offset)
    page = web_views.Page(finding_views.readable(app, rows), total, limit, offset)
    return render(request, "findings.html", principal, page=page,
                  summary=summary, checks_run=dashboard.checks_last_run(app),
                  filters={"check": check or "", "severity": severity or "",
                           "source": source or "", "status": status},
                  severities=[s.value for s in Severity], statuses=list(FINDING_STATUSES),
                  checks=sorted(c.id for c in findings.catalogue(app)))


@router.get("/findings/{finding_id}")
def finding_page(request: Request, finding_id: str) -> Response:
    """One finding: subject by name, evidence in words and as recorded, remediation,
    frameworks, and its history (opened, changed, muted, resolved)."""
    principal = require_page(request, READ_ALL)
    app = tenure_app(request)
    found, entries = finding_views.history(app, finding_id)
    return render(request, "finding.html", principal, f=found, entries=entries,
                  checks_run=dashboard.checks_last_run(app))


@router.post("/findings/mute")
async def mute_selected(request: Request) -> Response:
    """Mute the selected findings with one reason until one date."""
    principal = await require_form(request, ADMIN_ONLY)
    form = await request.form()
    ids = [v for v in form.getlist("finding_id") if isinstance(v, str) and v][:500]
    back = str(form.get("back") or "/findings")
    back = back if back.startswith("/") and not back.startswith("//") else "/findings"
    if not ids:
        flash(request, "Select at least one finding.", "error")
        return RedirectResponse(back, status_code=303)
    until = parse_until(str(form.get("until") or ""))
    finding_views.mute_many(acting(request, principal), ids,
                            reason=str(form.get("reason") or ""), until=until)
    flash(request, f"Muted {len(ids)} finding(s) until {until.date().isoformat()}.")
    return RedirectResponse(back, status_code=303)


def parse_until(text: str) -> datetime:
    """A date (end of that day, UTC) or an ISO time."""
    try:
        if len(text) == 10:
            return datetime.combine(datetime.fromisoformat(text).date(), time.max, UTC)
        value = datetime.fromisoformat(text)
    except ValueError:
        raise HTTPException(400, f"{text!r} is not a date (YYYY-MM-DD)") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@router.post("/findings/{finding_id}/mute")
async def mute(request: Request, finding_id: str) -> Response:
    """Mute a finding with a reason until a date."""
    principal = await require_form(request, ADMIN_ONLY)
    form = await request.form()
    until = parse_until(str(form.get("until") or ""))
    findings.mute_finding(acting(request, principal), finding_id,
                          reason=str(form.get("reason") or ""), until=until)
    flash(request, f"Muted until {until.date().isoformat()}.")
    return RedirectResponse("/findings", status_code=303)


@router.get("/campaigns")
def campaigns_page(request: Request, offset: Annotated[int, Query(ge=0)] = 0) -> Response:
    """Campaigns with their progress, newest first."""
    principal = require_page(request, READ_ALL)
    rows = sorted(reviews.list_campaigns(tenure_app(request)), key=lambda c: c.created_at,
                  reverse=True)
    return render(request, "campaigns.html", principal,
                  page=web_views.paginate(rows, PAGE, offset))


@router.get("/campaigns/{campaign_id}")
def campaign_page(request: Request, campaign_id: str,
                  overdue: bool = False, offset: Annotated[int, Query(ge=0)] = 0) -> Response:
    """A campaign: progress by reviewer, its (overdue) items, close."""
    principal = require_page(request, READ_ALL)
    app = tenure_app(request)
    detail = reviews.show(app, campaign_id)
    page = web_views.campaign_items(app, campaign_id, overdue_only=overdue, limit=PAGE,
                                    offset=offset)
    return render(request, "campaign.html", principal, d=detail, page=page, overdue=overdue,
                  plans=reviews.campaign_plans(app, campaign_id))


@router.post("/campaigns/{campaign_id}/close")
async def close_campaign(request: Request, campaign_id: str) -> Response:
    """Close a campaign (force: before every item is decided)."""
    principal = await require_form(request, ADMIN_ONLY)
    form = await request.form()
    closed = reviews.close(acting(request, principal), campaign_id,
                           force=form.get("force") == "1")
    outcomes = ", ".join(f"{k} {v}" for k, v in sorted(closed.outcomes.items()))
    plan = (f"; revocation plan {closed.stored_plan_id} stored" if closed.stored_plan_id
            else f"; no plan stored: {closed.plan_problem}" if closed.plan_problem else "")
    flash(request, f"Closed {campaign_id}: {outcomes}{plan}.")
    return RedirectResponse(f"/campaigns/{campaign_id}", status_code=303)
