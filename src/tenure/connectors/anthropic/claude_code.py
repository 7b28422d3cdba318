"""Claude Code analytics (``usage_report/claude_code``, vendor-apis.md §2.3): pure transform.

One record per actor per UTC day becomes one ``usage`` activity, so a seat or key used through
Claude Code reaches the same activity rollups the dormancy checks read.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, time

from tenure.connectors.anthropic.transform import JSON, ts
from tenure.model import Activity


def claude_code_activity(record: JSON) -> Activity | None:
    """One Claude Code analytics record (one user, one day) as a ``usage`` activity.

    The id is synthesized from the day and the actor: the report has one record per actor per
    day, and re-reading a day (today's figures grow) must dedup onto the same event.
    """
    day_ts = ts(record.get("date"))
    actor = record.get("actor") if isinstance(record.get("actor"), Mapping) else {}
    if day_ts is None or not actor:
        return None
    day = datetime.combine(day_ts.date(), time(0), tzinfo=UTC)
    if actor.get("type") == "api_actor":
        name = str(actor.get("api_key_name") or "")
        return Activity(external_id=f"claude_code:{day.date()}:api:{name}", occurred_at=day,
                        actor_kind="api_key", actor_id=name or None, actor_email=None,
                        action="claude_code_usage", category="usage",
                        target_type="claude_code", target_id=record.get("terminal_type"))
    email = str(actor.get("email_address") or "").strip().lower()
    if not email:
        return None
    return Activity(external_id=f"claude_code:{day.date()}:user:{email}", occurred_at=day,
                    actor_kind="user", actor_id=None, actor_email=email,
                    action="claude_code_usage", category="usage", target_type="claude_code",
                    target_id=record.get("terminal_type"))
