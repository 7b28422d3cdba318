"""The signed-in user's own API tokens: make one for the CLI (`tenure login --token-stdin`) or
for automation, see and revoke your tokens. Tokens are personal: this page only ever makes a
token that acts as the person signed in (single-sign-on users included)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from tenure.services import web_users
from tenure.web.auth import EVERYONE, acting, require_form, require_page, tenure_app
from tenure.web.render import flash, render

router = APIRouter(include_in_schema=False)


@router.get("/account/tokens")
def tokens_page(request: Request) -> Response:
    """Your API tokens (never a secret), and a form to make one."""
    principal = require_page(request, EVERYONE)
    mine = [t for t in web_users.list_tokens(tenure_app(request))
            if t.user_email == principal.email]
    return render(request, "tokens.html", principal, tokens=mine, created=None)


@router.post("/account/tokens")
async def create_token(request: Request) -> Response:
    """Make a personal API token; it is shown on this response only, never again."""
    principal = await require_form(request, EVERYONE)
    form = await request.form()
    name = str(form.get("name") or "").strip() or "personal token"
    app = acting(request, principal)
    info, token = web_users.create_token(app, principal.email, name)
    mine = [t for t in web_users.list_tokens(app) if t.user_email == principal.email]
    response = render(request, "tokens.html", principal, tokens=mine,
                      created={"id": info.id, "name": info.name, "token": token})
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/account/tokens/{token_id}/revoke")
async def revoke_token(request: Request, token_id: str) -> Response:
    """Revoke one of your tokens."""
    principal = await require_form(request, EVERYONE)
    app = acting(request, principal)
    if not any(t.id == token_id and t.user_email == principal.email
               for t in web_users.list_tokens(app)):
        return render(request, "error.html", principal, http_status=404,
                      message=f"no API token {token_id} of yours")
    web_users.revoke_token(app, token_id)
    flash(request, f"Revoked API token {token_id}.")
    return RedirectResponse("/account/tokens", status_code=303)
