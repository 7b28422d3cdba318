"""The reviewer's pages: my queue (decide, bulk decide, delegate), one item, a subject."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response

from tenure.errors import NotFound
from tenure.evidence.svg import column_chart
from tenure.reviews.decisions import Decision
from tenure.services import reviews, web_views
from tenure.services.web_users import Role
from tenure.web.auth import DECIDERS, EVERYONE, acting, require_form, require_page, tenure_app
from tenure.web.render import flash, render

router = APIRouter(include_in_schema=False)
PAGE = 50


@router.get("/")
def home(request: Request) -> Response:
    """The queue for deciders, campaigns for auditors."""
    principal = require_page(request, EVERYONE)
    return RedirectResponse("/campaigns" if principal.role is Role.AUDITOR else "/queue",
                            status_code=303)


@router.get("/queue")
def queue_page(request: Request, status: Annotated[str, Query(pattern="^(pending|decided)$")]
               = "pending", offset: Annotated[int, Query(ge=0)] = 0) -> Response:
    """My review queue, riskiest first, recommendation and reason first."""
    principal = require_page(request, EVERYONE)
    page = web_views.queue(tenure_app(request), principal.email, status=status, limit=PAGE,
                           offset=offset)
    return render(request, "queue.html", principal, page=page, status=status,
                  decisions=[d.value for d in Decision])


def _form_list(values: Sequence[object]) -> list[str]:
    return [v for v in values if isinstance(v, str) and v]


@router.post("/queue/act")
async def queue_act(request: Request) -> Response:
    """Decide or delegate the selected items (all or nothing)."""
    principal = await require_form(request, DECIDERS)
    form = await request.form()
    ids = _form_list(form.getlist("item_id"))[:500]
    back = str(form.get("back") or "/queue")
    back = back if back.startswith("/") and not back.startswith("//") else "/queue"
    if not ids:
        flash(request, "Select at least one item.", "error")
        return RedirectResponse(back, status_code=303)
    app = acting(request, principal)
    if form.get("action") == "delegate":
        reviews.delegate(app, ids, reviewer=principal.email, to=str(form.get("to") or ""),
                         reason=str(form.get("reason") or ""))
        flash(request, f"Delegated {len(ids)} item(s) to {form.get('to')}.")
    else:
        try:
            decision = Decision(str(form.get("decision") or ""))
        except ValueError:
            raise HTTPException(400, "choose keep, revoke, reduce or dont_know") from None
        advanced = reviews.decide(app, ids, reviewer=principal.email, decision=decision,
                                  justification=str(form.get("justification") or ""))
        more = f" {len(advanced)} go on to a second reviewer." if advanced else ""
        flash(request, f"Recorded {decision.value} on {len(ids)} item(s).{more}")
    return RedirectResponse(back, status_code=303)


@router.get("/items/{item_id}")
def item_page(request: Request, item_id: str) -> Response:
    """One item: recommendation, snapshot, history and (for its reviewer) the decision form."""
    principal = require_page(request, EVERYONE)
    app = tenure_app(request)
    item = web_views.get_item(app, item_id, reviewer=principal.reviewer_scope)
    return render(request, "item.html", principal, item=item,
                  history=web_views.item_history(app, item_id),
                  can_decide=item.reviewer == principal.email and item.status == "pending",
                  decisions=[d.value for d in Decision])


@router.get("/subjects/{kind}")
def subject_page(request: Request, kind: str, id: Annotated[str, Query(max_length=512)],
                 source: Annotated[str | None, Query(max_length=128)] = None) -> Response:
    """A person, account or key: entitlements, owner, purpose, findings, 90 days of activity,
    decision history."""
    principal = require_page(request, EVERYONE)
    app = tenure_app(request)
    if principal.reviewer_scope and not web_views.can_see_subject(
            app, principal.email, kind, source, id):
        raise NotFound(f"no {kind} {id!r}")
    found = web_views.subject(app, kind, source, id)
    chart = column_chart(found.activity, title="Activity, last 90 days (events + requests)")
    return render(request, "subject.html", principal, s=found, chart=chart)
