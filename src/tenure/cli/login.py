"""Commands: tenure login | logout | whoami — the CLI acts as a Tenure user."""

from __future__ import annotations

import os
import socket
import sys
from typing import Annotated

import typer

from tenure.cli.credentials import TOKEN_ENV, forget_token, save_token
from tenure.cli.output import console
from tenure.cli.state import state
from tenure.errors import NotAuthenticated, TenureError
from tenure.services import web_users
from tenure.services.principal import as_user, person, with_token


def login(
    ctx: typer.Context,
    email: Annotated[str | None, typer.Argument(
        help="Your Tenure sign-in email (the password is asked for).")] = None,
    password_env: Annotated[str | None, typer.Option(
        "--password-env", help="Read the password from this environment variable instead "
        "of prompting.")] = None,
    token_stdin: Annotated[bool, typer.Option(
        "--token-stdin", help="Store a personal API token read from standard input (one you "
        "made on the web app's API tokens page, or with `tenure tokens create`) instead of "
        "signing in with a password.")] = False,
) -> None:
    """Sign the CLI in as you: prove your password once, and a personal API token is stored
    owner-only under $XDG_CONFIG_HOME/tenure/ for this store."""
    app = state(ctx).app()
    url = app.settings.database.url
    if token_stdin:
        token = sys.stdin.readline().strip()
        signed = with_token(app, token)
        user = person(signed)
    else:
        if not email:
            raise typer.BadParameter("give your email, or --token-stdin", param_hint="EMAIL")
        if password_env:
            password = os.environ.get(password_env, "")
            if not password:
                raise TenureError(f"environment variable {password_env} is not set or empty")
        else:
            password = typer.prompt("Password", hide_input=True)
        found = web_users.check_password(app, email, password)
        if found is None:
            raise NotAuthenticated("wrong email or password (or the user is disabled or signs "
                                   "in through single sign-on only: make a token in the web "
                                   "app and use --token-stdin)")
        signed = as_user(app, found, via="cli")
        info, token = web_users.create_token(
            signed, found.email, f"cli login on {socket.gethostname()}"[:128])
        user = found
        console(stderr=True).print(f"created personal API token {info.id}", markup=False)
    path = save_token(url, token)
    console().print(f"signed in as {user.email} ({user.role}); token stored in {path}",
                    markup=False)
    if os.environ.get(TOKEN_ENV):
        console(stderr=True).print(f"note: ${TOKEN_ENV} is set and wins over the stored token",
                                   markup=False)


def logout(ctx: typer.Context) -> None:
    """Revoke the stored personal API token and forget it."""
    app = state(ctx).app()
    token = forget_token(app.settings.database.url)
    if token is None:
        console().print("not signed in (no stored token for this store)")
        return
    signed = with_token(app, token)
    if signed.user is not None:
        token_id = token.split("_")[2]
        web_users.revoke_token(signed, token_id)
        console().print(f"signed out {signed.user.email}; token {token_id} revoked",
                        markup=False)
    else:
        console().print("forgot a token that no longer worked")


def whoami(ctx: typer.Context) -> None:
    """Who the CLI acts as (exit 1 when nobody is signed in)."""
    app = state(ctx).app()
    if app.user is None:
        console(stderr=True).print(app.auth_problem or "not signed in: the CLI acts as the "
                                   f"host ({app.actor}), which cannot decide, approve or "
                                   "apply; run `tenure login EMAIL`", markup=False)
        raise typer.Exit(1)
    console().print(f"{app.user.email} ({app.user.role})", markup=False)


def register(app: typer.Typer) -> None:
    """Add ``tenure login``, ``tenure logout`` and ``tenure whoami``."""
    app.command("login")(login)
    app.command("logout")(logout)
    app.command("whoami")(whoami)
