"""Demo sign-ins for ``tenure serve`` on the demo data: an admin, an auditor and the reviewer
with the most pending items. Local demo only: the passwords are fixed and printed."""

from __future__ import annotations

from tenure.services import reviews, web_users
from tenure.services.context import App
from tenure.services.web_users import Role

DEMO_PASSWORD = "tenure-demo-password"  # noqa: S105  (a documented local demo login)


def demo_logins(app: App, campaign_id: str) -> list[tuple[str, Role]]:
    """Create (or reset) the demo users; all share ``DEMO_PASSWORD``."""
    detail = reviews.show(app, campaign_id)
    busiest = max(detail.by_reviewer, key=lambda r: (r["pending"], r["reviewer"]),
                  default=None)
    users = [("admin@demo.tenure", Role.ADMIN), ("auditor@demo.tenure", Role.AUDITOR)]
    if busiest is not None:
        users.insert(1, (str(busiest["reviewer"]), Role.REVIEWER))
    for email, role in users:
        web_users.add_user(app, email, role, DEMO_PASSWORD)
    return users
