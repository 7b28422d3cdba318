"""The reviewer's pages: my queue grouped by person (filters, sort, bulk decisions with
override counts), one item told at a glance, a subject."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from tenure.errors import NotFound, TenureError
from tenure.reviews.decisions import Decision
from tenure.reviews.recommend import Recommendation
from tenure.reviews.scope import SubjectKind
from tenure.services import deciding, item_story, queue_views, reviews, web_views
from tenure.services.deciding import BulkAction
from tenure.services.queue_views import QueueFilters, QueueSort
from tenure.services.web_users import Role
from tenure.web.auth import DECIDERS, EVERYONE, acting, require_form, require_page, tenure_app
from tenure.web.charts import columns, stacked_columns
from tenure.web.render import flash, render

router = APIRouter(include_in_schema=False)
GROUPS = 25
_ACTION_WORDS = {BulkAction.ACCEPT: "accepted the recommendation", BulkAction.KEEP: "keep",
                 BulkAction.REVOKE: "revoke", BulkAction.REDUCE: "reduce",
                 BulkAction.DONT_KNOW: "don't know"}


@router.get("/")
def home(request: Request) -> Response:
    """Everyone lands on their dashboard."""
    require_page(request, EVERYONE)
    return RedirectResponse("/dashboard", status_code=303)


def _choice(value: str | None, allowed: Sequence[str], name: str) -> str | None:
    if not value:
        return None
    if value not in allowed:
        raise TenureError(f"{name} must be one of {', '.join(allowed)}")
    return value


@router.get("/queue")
def queue_page(request: Request,
               status: Annotated[str, Query(pattern="^(pending|decided)$")] = "pending",
               campaign: Annotated[str | None, Query(max_length=64)] = None,
               recommendation: Annotated[str | None, Query(max_length=32)] = None,
               kind: Annotated[str | None, Query(max_length=32)] = None,
               source: Annotated[str | None, Query(max_length=128)] = None,
               privileged: Annotated[str | None, Query(max_length=4)] = None,
               has_finding: Annotated[str | None, Query(max_length=4)] = None,
               sort: Annotated[str | None, Query(max_length=16)] = None,
               offset: Annotated[int, Query(ge=0)] = 0) -> Response:
    """My review queue grouped by person, riskiest first, with filters and sort."""
    principal = require_page(request, EVERYONE)
    filters = QueueFilters(
        status=status, campaign=campaign or None,
        recommendation=_choice(recommendation, [r.value for r in Recommendation],
                               "recommendation"),
        kind=_choice(kind, [k.value for k in SubjectKind], "kind"),
        source=source or None, privileged=bool(privileged), has_finding=bool(has_finding),
        sort=QueueSort(_choice(sort, [s.value for s in QueueSort], "sort") or "risk"))
    page = queue_views.grouped_queue(tenure_app(request), principal.email, filters,
                                     limit=GROUPS, offset=offset)
    return render(request, "queue.html", principal, page=page, status=status,
                  recommendations=[r.value for r in Recommendation],
                  kinds=[k.value for k in SubjectKind], sorts=[s.value for s in QueueSort])


def _form_list(values: Sequence[object]) -> list[str]:
    return [v for v in values if isinstance(v, str) and v]


def _safe_back(value: object, default: str = "/queue") -> str:
    back = str(value or default)
    return back if back.startswith("/") and not back.startswith("//") else default


@router.post("/queue/act")
async def queue_act(request: Request) -> Response:
    """Decide (accept recommendations, keep, revoke, …) or delegate the selected items, all
    or nothing; from an item page, go on to the next pending item."""
    principal = await require_form(request, DECIDERS)
    form = await request.form()
    ids = _form_list(form.getlist("item_id"))[:500]
    back = _safe_back(form.get("back"))
    if not ids:
        flash(request, "Select at least one item.", "error")
        return RedirectResponse(back, status_code=303)
    app = acting(request, principal)
    if form.get("action") == "delegate":
        reviews.delegate(app, ids, reviewer=principal.email, to=str(form.get("to") or ""),
                         reason=str(form.get("reason") or ""))
        flash(request, f"Delegated {len(ids)} item(s) to {form.get('to')}.")
        return RedirectResponse(back, status_code=303)
    try:
        action = BulkAction(str(form.get("decision") or form.get("action") or ""))
    except ValueError:
        flash(request, "Choose a decision: accept recommendations, keep, revoke, reduce or "
                       "don't know.", "error")
        return RedirectResponse(back, status_code=303)
    try:
        result = deciding.decide_selection(app, ids, reviewer=principal.email, action=action,
                                           justification=str(form.get("justification") or ""),
                                           allow_change=form.get("change") == "1")
    except TenureError as exc:
        if isinstance(exc, NotFound):
            raise
        flash(request, f"Nothing recorded: {exc}", "error")
        return RedirectResponse(back, status_code=303)
    done = sum(len(v) for v in result.decided.values())
    parts = [f"{d} on {len(v)}" for d, v in result.decided.items()]
    text = f"Recorded {', '.join(parts) or 'nothing'} item(s)"
    if action is BulkAction.ACCEPT:
        text = f"Accepted the recommendation on {done} item(s) ({', '.join(parts)})"
    elif result.overrides.disagree:
        text += (f"; {result.overrides.disagree} of them disagree with the recommendation "
                 "(justification recorded)")
    if result.left_pending:
        text += (f". {len(result.left_pending)} item(s) recommended investigate or without a "
                 "verdict need your own decision and stay pending")
    if result.second_stage:
        text += f". {len(result.second_stage)} go on to a second reviewer"
    flash(request, text + ".")
    if form.get("then") == "next":
        following = deciding.next_pending(app, principal.email, after=ids[0])
        return RedirectResponse(f"/items/{following}" if following else "/queue?status=pending",
                                status_code=303)
    return RedirectResponse(back, status_code=303)


@router.get("/items/{item_id}")
def item_page(request: Request, item_id: str) -> Response:
    """One item at a glance: who, what they hold, what they did, findings, purpose; the
    decision form (for its reviewer); the raw snapshot behind a toggle."""
    principal = require_page(request, EVERYONE)
    app = tenure_app(request)
    item = web_views.get_item(app, item_id, reviewer=principal.reviewer_scope)
    story = item_story.item_story(app, item)
    activity = stacked_columns(story.weeks, story.by_category,
                               title="Activity by category, 12 weeks to the campaign start")
    tokens = requests = None
    if item.kind == "api_key":
        tokens = columns(story.weeks, story.weekly_tokens or [0] * len(story.weeks),
                         title="Tokens per week (input + output)", name="tokens")
        requests = columns(story.weeks, story.weekly_requests or [0] * len(story.weeks),
                           title="Requests per week", name="requests")
    mine = item.reviewer == principal.email
    following = deciding.next_pending(app, principal.email, after=item.id) if mine else None
    return render(request, "item.html", principal, item=item, story=story,
                  activity_chart=activity, tokens_chart=tokens, requests_chart=requests,
                  history=web_views.item_history(app, item_id),
                  can_decide=mine and item.status == "pending", next_item=following,
                  can_change=(mine and item.status == "decided" and story.campaign_open
                              and item.decided_by == principal.email),
                  decisions=[d.value for d in Decision])


@router.get("/subjects/{kind}")
def subject_page(request: Request, kind: str, id: Annotated[str, Query(max_length=512)],
                 source: Annotated[str | None, Query(max_length=128)] = None) -> Response:
    """A person, account or key: entitlements, owner, purpose, findings, 90 days of activity
    (and tokens for a key), decision history."""
    principal = require_page(request, EVERYONE)
    app = tenure_app(request)
    if principal.reviewer_scope and not web_views.can_see_subject(
            app, principal.email, kind, source, id):
        raise NotFound(f"no {kind} {id!r}")
    found = web_views.subject(app, kind, source, id)
    labels = [date.fromisoformat(d).strftime("%b %d") for d, _ in found.activity]
    series = {"events and requests": [v for _, v in found.activity]}
    if found.tokens:
        series = {"requests": [v for _, v in found.activity]}
    chart = stacked_columns(labels, series, title="Activity, last 90 days")
    tokens = (columns(labels, [v for _, v in found.tokens], title="Tokens, last 90 days",
                      name="tokens") if found.tokens else None)
    return render(request, "subject.html", principal, s=found, chart=chart,
                  tokens_chart=tokens, is_reviewer=principal.role is Role.REVIEWER)
