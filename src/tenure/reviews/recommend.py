"""Recommendations shown to the reviewer, each with its reason (pure functions).

Revoke: a leaver, dormant 30+ days, an orphaned key, an expired purpose. Reduce: a privileged
holder whose activity shows no admin action in 90 days. Keep: active and purpose valid. New
subjects younger than the window are never recommended for revocation (the noise every new
hire would otherwise add). When the source could not read activity, no dormancy verdict is
made: the recommendation says the data is missing.

Open high or critical findings on the subject make the recommendation at least what
``FINDING_FLOOR`` says for their check (docs/reviews.md has the table), raise the risk score
and are named in the reason. A muted finding (an accepted risk) is shown but does not escalate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from tenure.reviews.context import ItemSnapshot


class Recommendation(StrEnum):
    """What Tenure suggests for an item."""

    KEEP = "keep"
    REVOKE = "revoke"
    REDUCE = "reduce"
    INVESTIGATE = "investigate"
    NONE = "none"


STRENGTH = {Recommendation.KEEP: 0, Recommendation.NONE: 1, Recommendation.INVESTIGATE: 2,
            Recommendation.REDUCE: 3, Recommendation.REVOKE: 4}
"""How strongly a recommendation asks for change: a finding can only raise it."""

FINDING_FLOOR: dict[str, Recommendation] = {
    "leaver-active-account": Recommendation.REVOKE,
    "leaver-active-key": Recommendation.REVOKE,
    "orphaned-key": Recommendation.REVOKE,
    "key-in-archived-workspace": Recommendation.REVOKE,
    "access-past-purpose": Recommendation.REVOKE,
    "dormant-account": Recommendation.REVOKE,
    "dormant-key": Recommendation.REVOKE,
    "never-used-key": Recommendation.REVOKE,
    "overactive-admin": Recommendation.REDUCE,
    "mover-stale-access": Recommendation.REDUCE,
    "unmatched-account": Recommendation.INVESTIGATE,
    "key-usage-spike": Recommendation.INVESTIGATE,
}
"""The least an open high/critical finding of a check makes the recommendation; any other
check's high/critical finding means investigate. Reduce applies to privileged accounts and
grants only; elsewhere it reads investigate."""

ESCALATING = frozenset({"high", "critical"})
SEVERITY_RISK = {"critical": 25, "high": 15, "medium": 5, "low": 2, "info": 0}


@dataclass(frozen=True, slots=True)
class Advice:
    """A recommendation and the reason shown with it."""

    recommendation: Recommendation
    reason: str


DORMANT_DAYS = 30
ADMIN_IDLE_DAYS = 90


def _days(a: datetime, b: datetime) -> int:
    return int((a - b).total_seconds() // 86400)


def recommend(snap: ItemSnapshot, now: datetime) -> Advice:
    """The recommendation for one item as of ``now``: from its state, then raised by its
    open high/critical findings."""
    return _with_findings(snap, _from_state(snap, now))


def _floor(snap: ItemSnapshot, check: str) -> Recommendation:
    floor = FINDING_FLOOR.get(check, Recommendation.INVESTIGATE)
    reducible = snap.privileged and snap.kind in ("account", "grant")
    return Recommendation.INVESTIGATE if floor is Recommendation.REDUCE and not reducible \
        else floor


def _with_findings(snap: ItemSnapshot, advice: Advice) -> Advice:
    serious = [f for f in snap.findings if f.severity in ESCALATING and not f.muted]
    if not serious:
        return advice
    named = ", ".join(f"{f.check} ({f.severity})" for f in serious)
    strongest = max((_floor(snap, f.check) for f in serious), key=STRENGTH.__getitem__)
    if STRENGTH[strongest] > STRENGTH[advice.recommendation]:
        return Advice(strongest, f"open finding {named}; otherwise {advice.recommendation}: "
                                 f"{advice.reason}")
    return Advice(advice.recommendation, f"{advice.reason}; open finding {named}")


def _from_state(snap: ItemSnapshot, now: datetime) -> Advice:
    """The recommendation from the subject's state and usage alone."""
    person = snap.person or (snap.owner.person if snap.owner else None)
    if person is not None and person.status == "terminated":
        when = f" on {person.end_date.isoformat()}" if person.end_date else ""
        return Advice(Recommendation.REVOKE, f"leaver: {person.email} left{when}")
    if snap.kind == "api_key" and snap.owner is not None and not snap.owner.present \
            and snap.owner.person is None:
        who = snap.owner.account_id or "unknown"
        return Advice(Recommendation.REVOKE,
                      f"orphaned key: owner {who} is no longer a member and matches no person")
    if snap.purpose is not None and snap.purpose.expired:
        until = (f" on {snap.purpose.expires_at.date().isoformat()}"
                 if snap.purpose.expires_at else " (its project was archived)")
        return Advice(Recommendation.REVOKE, f"purpose expired{until}: {snap.purpose.reason}")
    if snap.workspace_status == "archived":
        return Advice(Recommendation.REVOKE, f"workspace {snap.workspace} is archived")
    age = _days(now, snap.created_at) if snap.created_at else None
    new = age is not None and age < DORMANT_DAYS
    if not snap.usage.known:
        return Advice(Recommendation.NONE,
                      "activity could not be read for this source (see tenure sources); "
                      "decide from other evidence")
    last = snap.usage.last_activity_at
    idle = _days(now, last) if last is not None else None
    if not new and (idle is None or idle >= DORMANT_DAYS):
        since = f"no activity for {idle} days" if idle is not None else "no activity ever seen"
        return Advice(Recommendation.REVOKE, f"dormant: {since}")
    if snap.privileged and snap.kind in ("account", "grant") and not new \
            and snap.usage.admin_actions_90d == 0 and (age is None or age >= ADMIN_IDLE_DAYS):
        return Advice(Recommendation.REDUCE,
                      f"privileged role {snap.role!r} but no admin action in "
                      f"{ADMIN_IDLE_DAYS} days")
    if new:
        return Advice(Recommendation.KEEP, f"new: created {age} days ago, inside the "
                                           f"{DORMANT_DAYS}-day window")
    purpose = f"; purpose valid: {snap.purpose.reason}" if snap.purpose else ""
    ago = "today" if idle == 0 else f"{idle} day{'s' if idle != 1 else ''} ago"
    return Advice(Recommendation.KEEP, f"active: last activity {ago}{purpose}")


def risk_score(snap: ItemSnapshot, advice: Advice) -> int:
    """Sort key for reviewer queues: revoke and privileged first, then open findings by
    severity (a critical finding weighs five medium ones)."""
    score = {Recommendation.REVOKE: 60, Recommendation.REDUCE: 40,
             Recommendation.INVESTIGATE: 45, Recommendation.NONE: 30,
             Recommendation.KEEP: 0}[advice.recommendation]
    score += 20 if snap.privileged else 0
    score += min(40, sum(SEVERITY_RISK.get(f.severity, 5) for f in snap.findings
                         if not f.muted))
    return score


def idle_days(snap: ItemSnapshot, now: datetime) -> int | None:
    """Days since the last activity (None when never seen)."""
    last = snap.usage.last_activity_at
    return None if last is None else (now - last) // timedelta(days=1)
