"""Commands: users add | set-password | list | disable, tokens create | list | revoke."""

from __future__ import annotations

import os
from dataclasses import asdict
from typing import Annotated

import typer

from tenure.cli.credentials import TOKEN_ENV
from tenure.cli.output import OutputFormat, console, render
from tenure.cli.state import state
from tenure.errors import Forbidden, TenureError
from tenure.services import web_users
from tenure.services.context import App
from tenure.services.principal import person
from tenure.services.web_users import Role, WebUser

users_app = typer.Typer(help="Web app users: local accounts and single-sign-on roles.",
                        no_args_is_help=True)
tokens_app = typer.Typer(help="API tokens for automation (Authorization: Bearer).",
                         no_args_is_help=True)
FormatOption = Annotated[OutputFormat, typer.Option(
    "--format", "-f", help="Output format: table, json or csv.")]


@users_app.command("add")
def add(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(help="The user's email (their sign-in name).")],
    role: Annotated[Role, typer.Option("--role", help="admin, reviewer or auditor.")],
    password_env: Annotated[str | None, typer.Option(
        "--password-env", help="Read the password from this environment variable instead "
        "of prompting.")] = None,
    sso_only: Annotated[bool, typer.Option(
        "--sso-only", help="No local password: the user signs in through OIDC only.")] = False,
) -> None:
    """Add a new user (an existing user is refused: see `users set-password`)."""
    password: str | None = None
    if password_env:
        password = os.environ.get(password_env, "")
        if not password:
            raise TenureError(f"environment variable {password_env} is not set or empty")
    elif not sso_only:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    user = web_users.add_user(state(ctx).app(), email, role, password)
    console().print(f"user {user.email}: role {user.role}, "
                    f"{'local password set' if password else 'single sign-on only'}",
                    markup=False)


def _read_password(password_env: str | None) -> str:
    if password_env:
        password = os.environ.get(password_env, "")
        if not password:
            raise TenureError(f"environment variable {password_env} is not set or empty")
        return password
    return str(typer.prompt("New password", hide_input=True, confirmation_prompt=True))


def acting_user(app: App) -> WebUser | None:
    """The Tenure user this CLI acts as (``tenure login`` or ``TENURE_TOKEN``; see
    :class:`tenure.cli.state.CliState`)."""
    if app.user is None and app.auth_problem:
        raise TenureError(app.auth_problem)
    return app.user


@users_app.command("set-password")
def set_password(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(help="The user whose password changes.")],
    password_env: Annotated[str | None, typer.Option(
        "--password-env", help="Read the new password from this environment variable instead "
        "of prompting.")] = None,
) -> None:
    """Change a user's password (admins only) and end every session of that user."""
    app = state(ctx).app()
    acting = acting_user(app)
    if acting is None:
        raise Forbidden("changing a password needs an admin: sign in with `tenure login` "
                        f"(or set {TOKEN_ENV} to an admin's API token)")
    ended = web_users.set_password(app, acting, email, _read_password(password_env))
    console().print(f"password of {email} changed; {ended} session(s) ended", markup=False)


@users_app.command("list")
def list_users(ctx: typer.Context, fmt: FormatOption = OutputFormat.TABLE) -> None:
    """List users and roles (never a password hash)."""
    rows = [asdict(u) for u in web_users.list_users(state(ctx).app())]
    render(rows, ["email", "role", "has_password", "disabled", "created_at"], fmt,
           title="Users", empty="no users (see tenure users add)")


@users_app.command("disable")
def disable(ctx: typer.Context,
            email: Annotated[str, typer.Argument(help="The user to disable.")]) -> None:
    """Disable a user: their sessions and API tokens stop working at the next request."""
    web_users.disable_user(state(ctx).app(), email)
    console().print(f"disabled {email}", markup=False)


@tokens_app.command("create")
def create(
    ctx: typer.Context,
    name: Annotated[str, typer.Option("--name", help="What the token is for.")] = "automation",
    user: Annotated[str | None, typer.Option(
        "--user", help="Must be you: tokens are personal (default: the signed-in user).")]
    = None,
) -> None:
    """Create a personal API token for the signed-in user; it is printed once and only its
    salted hash is stored."""
    app = state(ctx).app()
    info, token = web_users.create_token(app, user or person(app).email, name)
    console(stderr=True).print(
        f"API token {info.id} for {info.user_email} created. Copy it now: it is not stored "
        "and cannot be shown again.", markup=False)
    typer.echo(token)


@tokens_app.command("list")
def list_tokens(ctx: typer.Context, fmt: FormatOption = OutputFormat.TABLE) -> None:
    """List API tokens (ids, users, dates; never the token)."""
    rows = [asdict(t) for t in web_users.list_tokens(state(ctx).app())]
    render(rows, ["id", "user_email", "name", "created_at", "revoked_at"], fmt,
           title="API tokens", empty="no API tokens (see tenure tokens create)")


@tokens_app.command("revoke")
def revoke(ctx: typer.Context,
           token_id: Annotated[str, typer.Argument(help="The id from `tokens list`.")]) -> None:
    """Revoke an API token."""
    web_users.revoke_token(state(ctx).app(), token_id)
    console().print(f"revoked API token {token_id}", markup=False)


def register(app: typer.Typer) -> None:
    """Add ``tenure users …`` and ``tenure tokens …``."""
    app.add_typer(users_app, name="users")
    app.add_typer(tokens_app, name="tokens")
