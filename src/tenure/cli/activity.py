"""Command: tenure activity — who granted, removed or changed what, to whom."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import typer

from tenure.cli.output import OutputFormat, render
from tenure.cli.state import state
from tenure.model import ActivityCategory, ActorKind
from tenure.services.activity_views import IdentityChange, identity_changes

COLUMNS = ("when", "source", "event", "by", "affected", "role")


def _as_dict(c: IdentityChange) -> dict[str, object]:
    event = c.action + (" (vendor staff access)"
                        if c.category is ActivityCategory.VENDOR_ACCESS else "")
    by = c.actor + (" [Tenure]" if c.by_tenure and c.actor_kind is not ActorKind.TENURE
                    else "")
    affected = (f"{c.relation.value.replace('_', ' ')}: {c.target_type} "
                f"{c.target_email or c.target_id or ''}").strip()
    return {"when": c.occurred_at.strftime("%Y-%m-%d %H:%M"), "event": event, "by": by,
            "affected": affected,
            "occurred_at": c.occurred_at.isoformat(), "source": c.source, "action": c.action,
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
    admin: Annotated[bool, typer.Option(
        "--admin", help="Every admin action instead (who changed what, when, on which "
        "platform), as the web app's Admin activity page.")] = False,
    days: Annotated[int, typer.Option(
        "--days", min=1, max=3650, help="How many days back.")] = 90,
    limit: Annotated[int, typer.Option("--limit", min=1, max=10_000,
                                       help="At most this many rows.")] = 200,
    fmt: Annotated[OutputFormat, typer.Option(
        "--format", "-f", help="Output format: table, json or csv.")] = OutputFormat.TABLE,
) -> None:
    """Identity changes from the activity feeds: who acted (and who answers for the key that
    acted), what was granted, removed or changed, and to whom; Tenure's own changes marked."""
    app = state(ctx).app()
    if admin:
        from tenure.services import catalog

        if source:
            app.settings.source(source)  # an unknown source is an error, not an empty list
        rows = catalog.admin_activity(app, source=source, days=days, limit=limit).rows
        render(rows, ["occurred_at", "actor_email", "action", "target_id", "source"], fmt,
               title="Admin activity", wide=("target_id", "source"), limit=50,
               empty=f"no admin activity in {days} days")
        return
    wanted = [t.strip() for t in target or [] if t.strip()]
    ids = [t for t in wanted if "@" not in t]
    emails = [t.lower() for t in wanted if "@" in t]
    with app.engine.connect() as conn:
        changes = identity_changes(
            conn, source=source, target_ids=ids, emails=emails,
            category=ActivityCategory.VENDOR_ACCESS if vendor_access else None,
            since=app.now() - timedelta(days=days), limit=limit)
    render([_as_dict(c) for c in changes], COLUMNS, fmt, title="Identity changes",
           empty="no identity changes recorded for that selection")


def register(app: typer.Typer) -> None:
    """Add ``activity`` to the root app."""
    app.command("activity")(activity)
