"""Command: tenure activity — who granted, removed or changed what, to whom."""

from __future__ import annotations

import json
from datetime import timedelta
from enum import StrEnum
from typing import Annotated

import typer
from rich.table import Table

from tenure.cli.output import console
from tenure.cli.state import state
from tenure.model import ActivityCategory
from tenure.services.activity_views import IdentityChange, identity_changes


class ReportFormat(StrEnum):
    """How ``activity`` reports."""

    TEXT = "text"
    JSON = "json"


def _as_dict(c: IdentityChange) -> dict[str, object]:
    return {"occurred_at": c.occurred_at.isoformat(), "source": c.source, "action": c.action,
            "category": c.category.value, "actor_kind": c.actor_kind.value,
            "actor_id": c.actor_id, "actor_email": c.actor_email,
            "credential_id": c.credential_id, "accountable": c.accountable,
            "by_tenure": c.by_tenure, "relation": c.relation.value,
            "target_type": c.target_type, "target_id": c.target_id,
            "target_email": c.target_email, "role": c.role}


def activity(
    ctx: typer.Context,
    target: Annotated[list[str] | None, typer.Option(
        "--target", "-t", help="An account or key id, or an email, that was affected "
        "(repeatable). Without it: every affected identity of the source(s).")] = None,
    source: Annotated[str | None, typer.Option(
        "--source", "-s", help="Only this source.")] = None,
    vendor_access: Annotated[bool, typer.Option(
        "--vendor-access", help="Only the vendor's staff accessing the organization.")] = False,
    days: Annotated[int, typer.Option(
        "--days", min=1, max=3650, help="How many days back.")] = 90,
    limit: Annotated[int, typer.Option("--limit", min=1, max=10_000,
                                       help="At most this many rows.")] = 200,
    fmt: Annotated[ReportFormat, typer.Option(
        "--format", "-f", help="Output format: text or json.")] = ReportFormat.TEXT,
) -> None:
    """Identity changes from the activity feeds: who acted (and who answers for the key that
    acted), what was granted, removed or changed, and to whom; Tenure's own changes marked."""
    app = state(ctx).app()
    wanted = [t.strip() for t in target or [] if t.strip()]
    ids = [t for t in wanted if "@" not in t]
    emails = [t.lower() for t in wanted if "@" in t]
    with app.engine.connect() as conn:
        changes = identity_changes(
            conn, source=source, target_ids=ids, emails=emails,
            category=ActivityCategory.VENDOR_ACCESS if vendor_access else None,
            since=app.now() - timedelta(days=days), limit=limit)
    if fmt is ReportFormat.JSON:
        typer.echo(json.dumps([_as_dict(c) for c in changes], indent=2))
        return
    out = console()
    if not changes:
        out.print("no identity changes recorded for that selection")
        return
    table = Table("When (UTC)", "Source", "Event", "By", "Affected", "Role")
    for c in changes:
        by = c.actor + (" [Tenure]" if c.by_tenure and "Tenure" not in c.actor else "")
        affected = f"{c.relation.value.replace('_', ' ')}: {c.target_type} " \
                   f"{c.target_email or c.target_id or ''}"
        event = c.action + (" (vendor staff access)" if c.category is
                            ActivityCategory.VENDOR_ACCESS else "")
        table.add_row(c.occurred_at.strftime("%Y-%m-%d %H:%M"), c.source, event, by,
                      affected, c.role or "")
    out.print(table)


def register(app: typer.Typer) -> None:
    """Add ``activity`` to the root app."""
    app.command("activity")(activity)
