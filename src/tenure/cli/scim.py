"""Commands: scim token create | list | revoke (bearer tokens for IdP provisioning); scim
bursts | confirm-burst | dismiss-burst (deactivations held by the mass-change guard)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

import typer

from tenure.cli.output import OutputFormat, console, render
from tenure.cli.state import state
from tenure.cli.webusers import acting_user
from tenure.services import scim_burst
from tenure.services.scim_tokens import create_token, list_tokens, revoke_token

scim_app = typer.Typer(help="SCIM 2.0 receiver: bearer tokens for Okta / Entra provisioning.",
                       no_args_is_help=True)
token_app = typer.Typer(help="Create, list and revoke SCIM bearer tokens.", no_args_is_help=True)
scim_app.add_typer(token_app, name="token")

FormatOption = Annotated[OutputFormat, typer.Option(
    "--format", "-f", help="Output format: table, json or csv.")]


@token_app.command("create")
def create(
    ctx: typer.Context,
    source: Annotated[str | None, typer.Option(
        "--source", help="The type=\"scim\" source the token pushes into (default: the only "
        "one configured, else 'scim').")] = None,
) -> None:
    """Create a bearer token; it is printed once and only its salted hash is stored."""
    info, token = create_token(state(ctx).app(), source)
    err = console(stderr=True)
    err.print(f"SCIM token {info.id} for source {info.source!r} created. Copy it now: it "
              "is not stored and cannot be shown again.", markup=False)
    # The one place a token is ever printed: on stdout alone, so it can be piped to a vault.
    typer.echo(token)


@token_app.command("list")
def list_(ctx: typer.Context, fmt: FormatOption = OutputFormat.TABLE) -> None:
    """List SCIM tokens (ids, sources, dates; never the token itself)."""
    rows = [{**asdict(t), "status": "active" if t.active else "revoked"}
            for t in list_tokens(state(ctx).app())]
    render(rows, ["id", "source", "status", "created_at", "created_by", "revoked_at"], fmt,
           title="SCIM tokens", empty="no SCIM tokens (see tenure scim token create)")


@token_app.command("revoke")
def revoke(
    ctx: typer.Context,
    token_id: Annotated[str, typer.Argument(help="The token id shown by `scim token list`.")],
) -> None:
    """Revoke a SCIM token: requests presenting it get 401 from then on."""
    info = revoke_token(state(ctx).app(), token_id)
    console().print(f"revoked SCIM token {info.id} (source {info.source!r})", markup=False)


@scim_app.command("bursts")
def bursts(ctx: typer.Context, fmt: FormatOption = OutputFormat.TABLE) -> None:
    """List deactivations held by the burst guard (people still active, no leaver trigger)."""
    rows = [asdict(h) for h in scim_burst.held(state(ctx).app())]
    render(rows, ["source", "email", "user_name", "user_id", "held_at"], fmt,
           title="Held SCIM deactivations", empty="no held deactivations")


@scim_app.command("confirm-burst")
def confirm_burst(ctx: typer.Context, source: Annotated[str, typer.Argument(
        help="The SCIM source whose held deactivations are real.")]) -> None:
    """Apply the held deactivations of SOURCE (admins only): each person becomes a leaver."""
    app = state(ctx).app()
    changes = scim_burst.confirm(app, acting_user(app), source)
    leavers = sum(1 for c in changes if c.field == "status")
    console().print(f"confirmed: {leavers} people of {source} are now leavers", markup=False)


@scim_app.command("dismiss-burst")
def dismiss_burst(ctx: typer.Context, source: Annotated[str, typer.Argument(
        help="The SCIM source whose held deactivations were a mistake.")]) -> None:
    """Drop the held deactivations of SOURCE (admins only): the people stay active."""
    app = state(ctx).app()
    count = scim_burst.dismiss(app, acting_user(app), source)
    console().print(f"dismissed {count} held deactivation(s) of {source}", markup=False)


def register(app: typer.Typer) -> None:
    """Add ``tenure scim …`` to the root app."""
    app.add_typer(scim_app, name="scim")
