"""Command: tenure access — what a person or account really holds, and why (effective access)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from tenure.cli.output import OutputFormat, render
from tenure.cli.state import state
from tenure.errors import NotFound
from tenure.model import PrivilegeTier
from tenure.privilege import tiers_at_least
from tenure.services import effective_access

COLUMNS = ("account", "tier", "entitlement", "why", "source")


def _as_dict(row: dict[str, Any]) -> dict[str, object]:
    return {"account": row["account_email"] or row["account_id"],
            "tier": str(row["tier"] or "unknown"), "entitlement": row["entitlement_name"],
            "why": row["explanation"], "source": row["source"],
            "account_id": row["account_id"], "person_email": row["person_email"],
            "scope_type": str(row["scope_type"]), "scope_id": row["scope_id"],
            "entitlement_id": row["entitlement"], "path_kind": str(row["path_kind"]),
            "via_group_id": row["via_group_id"],
            "origin": str(row["origin"]) if row["origin"] else None,
            "path": row["path"], "sync_run_id": row["sync_run_id"]}


def access(
    ctx: typer.Context,
    who: Annotated[str, typer.Argument(
        help="A person's email (every account matched to them) or an account id.")],
    source: Annotated[str | None, typer.Option(
        "--source", "-s", help="Only this source.")] = None,
    tier: Annotated[PrivilegeTier, typer.Option(
        "--tier", case_sensitive=False, help="Only entitlements of this tier or higher "
        "(admin, elevated, none).")] = PrivilegeTier.NONE,
    fmt: Annotated[OutputFormat, typer.Option(
        "--format", "-f", help="Output format: table, json or csv.")] = OutputFormat.TABLE,
) -> None:
    """Effective access: every entitlement held and the path that gives it (direct, via a
    group, via a role, inherited from the org role), as computed after the last sync."""
    app = state(ctx).app()
    if source:
        app.settings.source(source)  # an unknown source is an error, not an empty list
    wanted = who.strip()
    with app.engine.connect() as conn:
        if "@" in wanted:
            rows = effective_access.access_of(conn, person_email=wanted, source=source)
        else:
            rows = effective_access.access_of(conn, account_ids=[wanted], source=source)
    if not rows and "@" not in wanted:
        raise NotFound(f"no effective access recorded for account {wanted!r} (sync first?)")
    keep = {str(t) for t in tiers_at_least(tier)}
    shown = [_as_dict(r) for r in rows if str(r["tier"] or "none") in keep or
             (r["tier"] is None and tier is PrivilegeTier.NONE)]
    render(shown, COLUMNS, fmt, title=f"Effective access of {wanted}",
           wide=("source",), empty=f"no effective access recorded for {wanted}")


def register(app: typer.Typer) -> None:
    """Add ``access`` to the root app."""
    app.command("access")(access)
