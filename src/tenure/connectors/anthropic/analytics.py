"""Pure transform of Claude Enterprise Analytics user rows (vendor-apis-nhi.md §5.5).

``GET /v1/organizations/analytics/users`` rows carry ``user{id, email_address}``,
``last_activity_date`` (YYYY-MM-DD, omitted when the org lacks last-activity reporting) and one
``*_metrics`` object per product. Aggregated rows (``user`` null) are not seats and are skipped.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from tenure.connectors.base import UnusableRecord
from tenure.connectors.pages import first_text
from tenure.model import AnalyticsUser

JSON = Mapping[str, Any]

PRODUCT_FIELDS = ("chat_metrics", "claude_code_metrics", "cowork_metrics", "design_metrics",
                  "office_metrics", "science_metrics", "chat_cowork_unified_metrics",
                  "web_search_count")
"""Per-product activity kept as the vendor sent it (unknown ``*_metrics`` are kept too)."""


def analytics_user(obj: JSON) -> AnalyticsUser | None:
    """One seat's analytics row; None for an aggregated (grouped) row without a user."""
    user = obj.get("user")
    if user is None:
        return None
    if not isinstance(user, Mapping):
        raise UnusableRecord("analytics user", "user", f"{user!r:.120}")
    user_id = first_text(user, "id", "user_id")
    if user_id is None:
        raise UnusableRecord("analytics user", "user.id", f"{dict(user)!r:.200}")
    raw_day = obj.get("last_activity_date")
    try:
        last = date.fromisoformat(str(raw_day)[:10]) if raw_day else None
    except ValueError:
        raise UnusableRecord("analytics user", "last_activity_date", repr(raw_day)) from None
    activity = {k: v for k, v in obj.items()
                if k in PRODUCT_FIELDS or (k.endswith("_metrics") and isinstance(v, Mapping))}
    return AnalyticsUser(user_id=user_id, email=first_text(user, "email_address", "email"),
                         last_activity_date=last, activity=activity)
