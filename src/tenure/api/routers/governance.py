"""/api/findings and /api/campaigns."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from tenure.api.routers.common import Limit, ObjectId, Offset, page_json, plain
from tenure.api.safejson import SafeJsonRoute
from tenure.services import finding_views, findings, reviews, web_views
from tenure.web.auth import ADMIN_ONLY, READ_ALL, acting, require_api, tenure_app
from tenure.web.pages.governance import finding_filter, parse_until

router = APIRouter(prefix="/api", tags=["governance"], route_class=SafeJsonRoute)


class MuteBody(BaseModel):
    """Mute a finding until a date, with a reason."""

    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=4000)
    until: str = Field(min_length=10, max_length=40, description="YYYY-MM-DD or ISO time")


class CloseBody(BaseModel):
    """Close a campaign."""

    model_config = ConfigDict(extra="forbid")
    force: bool = False


@router.get("/findings", summary="Findings")
def list_findings(request: Request, limit: Limit = 50, offset: Offset = 0,
                  check: Annotated[str | None, Query(max_length=128)] = None,
                  severity: Annotated[str | None, Query(
                      pattern="^(critical|high|medium|low|info)$")] = None,
                  source: Annotated[str | None, Query(max_length=128)] = None,
                  status: Annotated[str, Query(pattern="^(open|resolved|all)$")] = "open"
                  ) -> dict[str, Any]:
    """Findings matching the filters, most severe first."""
    require_api(request, READ_ALL)
    limit, offset = web_views.clamp(limit, offset)
    rows, total, _ = finding_views.page(tenure_app(request),
                                        finding_filter(check, severity, source, status),
                                        limit, offset)
    page = web_views.Page(rows, total, limit, offset)
    return {**page_json(page), "items": [r.as_dict() for r in page.rows]}


@router.post("/findings/{finding_id}/mute", summary="Mute a finding")
def mute(request: Request, finding_id: ObjectId, body: MuteBody) -> dict[str, Any]:
    """Record an expiring exception (admin)."""
    principal = require_api(request, ADMIN_ONLY)
    view = findings.mute_finding(acting(request, principal), finding_id, reason=body.reason,
                                 until=parse_until(body.until))
    result: dict[str, Any] = plain(view)
    return result


@router.get("/campaigns", summary="Campaigns")
def list_campaigns(request: Request, limit: Limit = 50, offset: Offset = 0) -> dict[str, Any]:
    """Every campaign with its progress."""
    require_api(request, READ_ALL)
    return page_json(web_views.paginate(reviews.list_campaigns(tenure_app(request)), limit,
                                        offset))


@router.get("/campaigns/{campaign_id}", summary="One campaign")
def campaign(request: Request, campaign_id: ObjectId) -> dict[str, Any]:
    """Progress by reviewer and by recommendation, settings, plan."""
    require_api(request, READ_ALL)
    result: dict[str, Any] = plain(reviews.show(tenure_app(request), campaign_id))
    return result


@router.get("/campaigns/{campaign_id}/items", summary="A campaign's items")
def campaign_items(request: Request, campaign_id: ObjectId, limit: Limit = 50,
                   offset: Offset = 0,
                   status: Annotated[str | None, Query(pattern="^(pending|decided)$")] = None,
                   overdue: bool = False) -> dict[str, Any]:
    """Items of a campaign (admins and auditors), riskiest first."""
    require_api(request, READ_ALL)
    app = tenure_app(request)
    reviews.show(app, campaign_id)  # 404 for an unknown campaign
    return page_json(web_views.campaign_items(app, campaign_id, status=status,
                                              overdue_only=overdue, limit=limit,
                                              offset=offset))


@router.post("/campaigns/{campaign_id}/close", summary="Close a campaign")
def close(request: Request, campaign_id: ObjectId, body: CloseBody) -> dict[str, Any]:
    """Apply the no-response rule and produce the revocation plan (admin)."""
    principal = require_api(request, ADMIN_ONLY)
    result: dict[str, Any] = plain(reviews.close(acting(request, principal), campaign_id,
                                                 force=body.force))
    return result
