"""Commands: people, accounts, changes, identity link."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

import typer

from tenure.cli.output import OutputFormat, console, render
from tenure.cli.state import state
from tenure.identity import link_identity
from tenure.model import ChangeKind, PersonStatus
from tenure.services.inventory import list_accounts, list_changes, list_people

FormatOption = Annotated[OutputFormat, typer.Option(
    "--format", "-f", help="Output format: table, json or csv.")]

identity_app = typer.Typer(help="Link platform accounts to people by hand.",
                           no_args_is_help=True)


def people(
    ctx: typer.Context,
    status: Annotated[PersonStatus | None, typer.Option(
        "--status", help="Only people with this status.")] = None,
    include_removed: Annotated[bool, typer.Option(
        "--include-removed", help="Include people no longer in the identity source.")] = False,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """List people from the identity sources, with the platform accounts each holds."""
    rows = [asdict(p) for p in list_people(state(ctx).app(),
                                           status=str(status) if status else None,
                                           include_removed=include_removed)]
    render(rows, ["email", "name", "status", "department", "title", "manager_email",
                  "end_date", "accounts"], fmt, title="People", empty="no people (sync an "
                  "identity source)")


def accounts(
    ctx: typer.Context,
    source: Annotated[str | None, typer.Option("--source", help="Only this source.")] = None,
    unmatched: Annotated[bool, typer.Option(
        "--unmatched", help="Only accounts that match no person.")] = False,
    include_removed: Annotated[bool, typer.Option(
        "--include-removed", help="Include accounts removed on the platform.")] = False,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """List platform accounts and the person each resolves to (or unmatched)."""
    rows = [asdict(a) for a in list_accounts(state(ctx).app(), source=source,
                                             include_removed=include_removed,
                                             unmatched_only=unmatched)]
    render(rows, ["source", "external_id", "kind", "email", "role", "status", "person_email",
                  "match", "person_status"], fmt, title="Accounts",
           empty="no accounts (sync a platform source)")


def changes(
    ctx: typer.Context,
    kind: Annotated[ChangeKind | None, typer.Option(
        "--kind", help="Only changes of this kind.")] = None,
    person: Annotated[str | None, typer.Option("--person", help="Only this email.")] = None,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Show the joiner / mover / leaver history recorded from identity imports."""
    rows = list_changes(state(ctx).app(), kind=str(kind) if kind else None, person=person)
    render(rows, ["observed_at", "person_email", "kind", "field", "old_value", "new_value",
                  "source"], fmt, title="Identity changes", empty="no changes recorded")


@identity_app.command("link")
def link(
    ctx: typer.Context,
    account_or_email: Annotated[str, typer.Argument(
        help="An account id (user_…) or an account's email.")],
    person_email: Annotated[str, typer.Argument(help="The person's email in the identity "
                                                     "source.")],
    reason: Annotated[str, typer.Option("--reason", help="Why this link is right.")] = "",
) -> None:
    """Link an account (by id or email) to a person, as the signed-in admin; recorded in the
    evidence ledger."""
    from tenure.services.principal import require_role
    from tenure.services.web_users import Role

    app = state(ctx).app()
    require_role(app, Role.ADMIN, doing="linking an account to a person")
    with app.engine.begin() as conn:
        result = link_identity(conn, account_or_email=account_or_email,
                               person_email=person_email, actor=app.actor, reason=reason,
                               now=app.wall())
    console().print(f"linked {result['match_kind']} {result['match_value']} → "
                    f"{result['person_email']}")


def register(app: typer.Typer) -> None:
    """Add these commands to the root app."""
    app.command()(people)
    app.command()(accounts)
    app.command()(changes)
    app.add_typer(identity_app, name="identity")
