"""/api/me, /api/queue, /api/items, /api/subjects: the reviewer's API."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from tenure.api.routers.common import ID_PATTERN, Limit, ObjectId, Offset, page_json, plain
from tenure.api.safejson import SafeJsonRoute
from tenure.errors import NotFound
from tenure.reviews.decisions import Decision
from tenure.services import reviews, web_views
from tenure.web.auth import DECIDERS, EVERYONE, acting, require_api, tenure_app

router = APIRouter(prefix="/api", tags=["reviews"], route_class=SafeJsonRoute)
ItemIds = Annotated[list[Annotated[str, Field(pattern=ID_PATTERN)]],
                    Field(min_length=1, max_length=500)]


class DecideBody(BaseModel):
    """A decision on one or more items assigned to the caller."""

    model_config = ConfigDict(extra="forbid")
    item_ids: ItemIds
    decision: Decision
    justification: str = Field(default="", max_length=4000)


class DelegateBody(BaseModel):
    """Hand items to another reviewer, with a reason."""

    model_config = ConfigDict(extra="forbid")
    item_ids: ItemIds
    to: str = Field(min_length=3, max_length=320)
    reason: str = Field(min_length=1, max_length=4000)


@router.get("/me", summary="The signed-in user")
def me(request: Request) -> dict[str, str]:
    """Email, role and how the caller authenticated."""
    principal = require_api(request, EVERYONE)
    return {"email": principal.email, "role": str(principal.role), "via": principal.via}


@router.get("/queue", summary="My review queue")
def queue(request: Request, limit: Limit = 50, offset: Offset = 0,
          status: Annotated[str | None, Query(pattern="^(pending|decided)$")] = "pending"
          ) -> dict[str, Any]:
    """Items assigned or delegated to the caller in open campaigns, riskiest first."""
    principal = require_api(request, EVERYONE)
    return page_json(web_views.queue(tenure_app(request), principal.email, status=status,
                                     limit=limit, offset=offset))


@router.get("/items/{item_id}", summary="One review item")
def item(request: Request, item_id: ObjectId) -> dict[str, Any]:
    """An item with its history; a reviewer gets 404 for an item not assigned to them."""
    principal = require_api(request, EVERYONE)
    app = tenure_app(request)
    found = web_views.get_item(app, item_id, reviewer=principal.reviewer_scope)
    return {**plain(found), "history": plain(web_views.item_history(app, item_id))}


@router.post("/items/decide", summary="Decide items")
def decide(request: Request, body: DecideBody) -> dict[str, Any]:
    """Record keep/revoke/reduce/dont_know on the caller's items (all or nothing; an item
    assigned to someone else answers 404)."""
    principal = require_api(request, DECIDERS)
    advanced = reviews.decide(acting(request, principal), body.item_ids,
                              reviewer=principal.email, decision=body.decision,
                              justification=body.justification)
    return {"decided": body.item_ids, "second_stage": advanced}


@router.post("/items/delegate", summary="Delegate items")
def delegate(request: Request, body: DelegateBody) -> dict[str, Any]:
    """Hand the caller's items to another reviewer."""
    principal = require_api(request, DECIDERS)
    reviews.delegate(acting(request, principal), body.item_ids, reviewer=principal.email,
                     to=body.to, reason=body.reason)
    return {"delegated": body.item_ids, "to": body.to.strip().lower()}


@router.get("/subjects/{kind}", summary="A person, account or key")
def subject(request: Request, kind: Annotated[str, Path(pattern="^(person|account|api_key)$")],
            id: Annotated[str, Query(max_length=512)],
            source: Annotated[str | None, Query(max_length=128)] = None) -> dict[str, Any]:
    """Entitlements, owner, purposes, findings, 90 days of activity and decisions; a reviewer
    sees only subjects of items assigned to them."""
    principal = require_api(request, EVERYONE)
    app = tenure_app(request)
    if principal.reviewer_scope and not web_views.can_see_subject(
            app, principal.email, kind, source, id):
        raise NotFound(f"no {kind} {id!r}")
    found = web_views.subject(app, kind, source, id)
    data: dict[str, Any] = plain(found)
    data["activity"] = [{"day": d, "count": n} for d, n in found.activity]
    data["tokens"] = [{"day": d, "tokens": n} for d, n in found.tokens]
    return data
