"""Jinja2 rendering with autoescape, the CSRF token and the signed-in user in every page."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from tenure.web import csrf
from tenure.web.auth import Principal
from tenure.web.humane import ago, compact, decision_label, recorded_ago

TEMPLATES = Path(__file__).parent / "templates"


def _when(value: object) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M UTC")
    if isinstance(value, date):
        return value.isoformat()
    return "—" if value is None else str(value)


def environment() -> Environment:
    """The template environment (autoescape on for every template)."""
    env = Environment(loader=FileSystemLoader(TEMPLATES),
                      autoescape=select_autoescape(default=True, default_for_string=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["when"] = _when
    env.filters["ago"] = ago
    env.filters["recorded_ago"] = recorded_ago
    env.filters["compact"] = compact
    env.filters["decision"] = decision_label
    return env


def flash(request: Request, message: str, kind: str = "ok") -> None:
    """A message shown once on the next page."""
    request.session.setdefault("flash", []).append([kind, message])


def render(request: Request, template: str, principal: Principal | None, *,
           http_status: int = 200, **context: Any) -> HTMLResponse:
    """A page, with the CSRF token, user and pending messages."""
    env: Environment = request.app.state.web_templates
    messages = request.session.pop("flash", [])
    html = env.get_template(template).render(
        request=request, user=principal, csrf_token=csrf.session_token(request),
        messages=messages, oidc=request.app.state.tenure.settings.web.oidc,
        now=request.app.state.tenure.now(), wall=request.app.state.tenure.wall(), **context)
    return HTMLResponse(html, status_code=http_status)
