"""Non-human identities: the list with sponsors, and one identity's accountability chain
drawn as boxes and arrows (what it runs as and holds → sponsor → HR status → manager), with
the admin's sponsor form."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response

from tenure.errors import TenureError
from tenure.services import nhi_views, sponsors, web_views
from tenure.services.web_users import Role
from tenure.web.auth import ADMIN_ONLY, READ_ALL, acting, require_form, require_page, tenure_app
from tenure.web.render import flash, render

router = APIRouter(include_in_schema=False)
PAGE = 50
KINDS = ("service_account", "workload_identity", "agent", "deployment")
LABELS = {"service_account": "Service account", "workload_identity": "Federation rule",
          "agent": "Agent", "deployment": "Deployment", "api_key": "API key",
          "federation_issuer": "Issuer", "environment": "Environment",
          "vault_credential": "Vault credential", "tools": "Tools", "workspace": "Workspace"}


@router.get("/nhi")
def nhi_list(request: Request, kind: Annotated[str | None, Query(max_length=32)] = None,
             source: Annotated[str | None, Query(max_length=128)] = None,
             sponsor: Annotated[str | None, Query(max_length=320)] = None,
             offset: Annotated[int, Query(ge=0)] = 0) -> Response:
    """Every non-human identity with who answers for it, why, and their HR status; with
    ``sponsor``, every identity that person answers for."""
    principal = require_page(request, READ_ALL)
    if kind and kind not in KINDS:
        raise HTTPException(400, f"kind must be one of {', '.join(KINDS)}")
    app = tenure_app(request)
    rows = (nhi_views.for_person(app, sponsor) if sponsor
            else nhi_views.list_nhis(app, kind=kind or None, source=source or None))
    if sponsor and kind:
        rows = [r for r in rows if r["kind"] == kind]
    rows.sort(key=lambda r: (not r["live"], r["sponsor_status"] == "active", r["name"]))
    return render(request, "nhi_list.html", principal, page=web_views.paginate(rows, PAGE, offset),
                  kinds=KINDS, labels=LABELS,
                  values={"kind": kind or "", "source": source or "", "sponsor": sponsor or ""})


@router.get("/nhi/{subject_id}")
def nhi_page(request: Request, subject_id: str,
             source: Annotated[str | None, Query(max_length=128)] = None) -> Response:
    """One identity's chain, drawn; the sponsor history; the sponsor form for admins."""
    principal = require_page(request, READ_ALL)
    app = tenure_app(request)
    chain = (nhi_views.chain_by_key(app, source, subject_id) if source
             else nhi_views.show(app, subject_id))
    history = nhi_views.history(app, chain.source, chain.subject.id)
    return render(request, "nhi.html", principal, c=chain, labels=LABELS, history=history,
                  is_admin=principal.role == Role.ADMIN)


@router.post("/nhi/{subject_id}/sponsor")
async def nhi_set_sponsor(request: Request, subject_id: str) -> Response:
    """Record the identity's sponsor (admins; recorded as the signed-in user, ledgered)."""
    principal = await require_form(request, ADMIN_ONLY)
    form = await request.form()
    source = str(form.get("source") or "")
    try:
        result = sponsors.set_sponsor(acting(request, principal), subject_id,
                                      owner=str(form.get("owner") or ""),
                                      reason=str(form.get("reason") or ""), source=source)
    except TenureError as exc:
        flash(request, str(exc), "error")
    else:
        flash(request, f"Sponsor of {result.nhi.name} is now {result.owner}."
              + (f" Warning: {result.warning}." if result.warning else ""))
    target = f"/nhi/{quote(subject_id, safe='')}" + (
        f"?source={quote(source, safe='')}" if source else "")
    return RedirectResponse(target, status_code=303)

