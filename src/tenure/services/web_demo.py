"""Demo sign-ins for ``tenure demo`` and ``tenure serve`` on the demo data: two admins (the
planner and the approver of the demo's revocation plan), an auditor and the reviewer with the
most pending items. Local demo only: the passwords are fixed and printed."""

from __future__ import annotations

from tenure.errors import NotAuthenticated
from tenure.services import reviews, web_users
from tenure.services.context import App
from tenure.services.principal import as_user
from tenure.services.web_users import Role

DEMO_PASSWORD = "tenure-demo-password"  # noqa: S105  (a documented local demo login)
DEMO_PLANNER = "planner@example.com"
DEMO_APPROVER = "ciso@example.com"


def sign_in(app: App, email: str, password: str = DEMO_PASSWORD) -> App:
    """``app`` acting as ``email``, authenticated by password as the web sign-in does."""
    user = web_users.check_password(app, email, password)
    if user is None:
        raise NotAuthenticated(f"{email}: wrong password or not an enabled user")
    return as_user(app, user, via="cli")


def demo_admins(app: App) -> tuple[App, App]:
    """The demo's planner and approver, two real admins: the first is created as the store's
    bootstrap admin, the second by the first. Returns both, signed in by password."""
    if web_users.get_user(app, DEMO_PLANNER) is None:
        web_users.add_user(app, DEMO_PLANNER, Role.ADMIN, DEMO_PASSWORD)
    planner = sign_in(app, DEMO_PLANNER)
    if web_users.get_user(app, DEMO_APPROVER) is None:
        web_users.add_user(planner, DEMO_APPROVER, Role.ADMIN, DEMO_PASSWORD)
    return planner, sign_in(app, DEMO_APPROVER)


def demo_logins(app: App, campaign_id: str) -> list[tuple[str, Role]]:
    """Create the demo users (added by the demo approver, an admin); all share
    ``DEMO_PASSWORD``."""
    _, admin = demo_admins(app)
    detail = reviews.show(app, campaign_id)
    busiest = max(detail.by_reviewer, key=lambda r: (r["pending"], r["reviewer"]),
                  default=None)
    users = [("admin@demo.tenure", Role.ADMIN), ("auditor@demo.tenure", Role.AUDITOR)]
    if busiest is not None:
        users.insert(1, (str(busiest["reviewer"]), Role.REVIEWER))
    for email, role in users:
        if web_users.get_user(app, email) is None:
            web_users.add_user(admin, email, role, DEMO_PASSWORD)
    return [(DEMO_PLANNER, Role.ADMIN), (DEMO_APPROVER, Role.ADMIN), *users]
