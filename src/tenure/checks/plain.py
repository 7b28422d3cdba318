"""A finding's evidence in plain words, for reviewers and auditors (the raw values stay in the
evidence JSON). One sentence per built-in check; any other check (custom policies) reads as
"label: value" pairs."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

_Sentence = Callable[[Mapping[str, Any]], str]


def _g(ev: Mapping[str, Any], name: str, default: str = "?") -> str:
    value = ev.get(name)
    if value is None or value == "":
        return default
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        return f"{value:,}"
    text = str(value)
    # ISO timestamps read as their date: the finding page shows exact times.
    return text[:10] if len(text) >= 19 and text[4] == "-" and text[10] in "T " else text


def _key(ev: Mapping[str, Any]) -> str:
    return f"key {_g(ev, 'key_name', 'unnamed')}"


def _Key(ev: Mapping[str, Any]) -> str:
    return f"Key {_g(ev, 'key_name', 'unnamed')}"


def _since(ev: Mapping[str, Any]) -> str:
    return _g(ev, "last_analytics_day", "") or _g(ev, "last_activity_at", "ever")


def _scim(ev: Mapping[str, Any]) -> str:
    return " (SCIM-managed: the identity provider decides who is in it)" if ev.get(
        "scim_managed") else ""


SENTENCES: dict[str, _Sentence] = {
    "leaver-active-account": lambda ev: (
        f"Left the company on {_g(ev, 'end_date')} but still holds a {_g(ev, 'role')} seat."),
    "leaver-active-key": lambda ev: (
        f"The owner of {_key(ev)} left on {_g(ev, 'end_date')}; the key is still active."),
    "orphaned-key": lambda ev: (
        f"{_Key(ev)} belongs to {_g(ev, 'owner_id', 'nobody')}, who is no longer a "
        "member and matches no person."),
    "unmatched-account": lambda ev: (
        f"A {_g(ev, 'role')} account ({_g(ev, 'name', 'no name')}) that matches nobody in the "
        "identity source."),
    "overactive-admin": lambda ev: (
        f"{_g(ev, 'admin_actions')} admin actions in {_g(ev, 'window_days')} days, against a "
        f"median of {_g(ev, 'peer_median')} for {_g(ev, 'peers')} other admins."),
    "key-usage-spike": lambda ev: (
        f"{_Key(ev)} peaked at {_g(ev, 'peak_volume')} on {_g(ev, 'peak_day')}, "
        f"against a daily median of {_g(ev, 'baseline_median')} over "
        f"{_g(ev, 'baseline_days')} days."),
    "dormant-account": lambda ev: (
        f"No activity since {_since(ev)} (role {_g(ev, 'role')}; judged by "
        f"{_g(ev, 'signal', 'activity')})."),
    "privilege-via-group": lambda ev: f"{str(_g(ev, 'path')).capitalize()}{_scim(ev)}.",
    "custom-role-privileged": lambda ev: (
        f"Custom role {_g(ev, 'role')} is {_g(ev, 'tier')}-tier "
        f"({', '.join(ev.get('granting_permissions') or []) or '?'}); held by "
        f"{_g(ev, 'holder_count')}: {', '.join(ev.get('holders') or []) or 'nobody'}."),
    "disabled-seat-still-granted": lambda ev: (
        f"The seat is {_g(ev, 'status')} but still holds {_g(ev, 'role_assignments')} role "
        f"assignment(s), {_g(ev, 'group_memberships')} group membership(s) and "
        f"{_g(ev, 'active_keys')} active key(s)."),
    "idp-group-drift": lambda ev: (
        f"Group {_g(ev, 'group')}: on the platform only "
        f"{', '.join(ev.get('on_platform_not_in_idp') or []) or 'nobody'}; in the identity "
        f"provider only {', '.join(ev.get('in_idp_not_on_platform') or []) or 'nobody'}."),
    "dormant-key": lambda ev: (
        f"{_Key(ev)} has not been used since {_g(ev, 'last_usage_day', 'ever')}."),
    "never-used-key": lambda ev: (
        f"{_Key(ev)} was created {_g(ev, 'age_days')} days ago and never used."),
    "long-lived-key": lambda ev: (
        f"{_Key(ev)} was created on {_g(ev, 'created_at')}, over "
        f"{_g(ev, 'max_age_days')} days ago."),
    "key-in-archived-workspace": lambda ev: (
        f"{_Key(ev)} is in workspace "
        f"{_g(ev, 'workspace_name', _g(ev, 'workspace_id'))}, "
        f"archived on {_g(ev, 'archived_at')}."),
}


def label(name: str) -> str:
    """An evidence field name as a label ("key_name" → "Key name")."""
    return name.replace("_", " ").capitalize()


def describe(check_id: str, evidence: Mapping[str, Any], status: str = "fail") -> str:
    """The evidence of one finding in plain words (a ``manual`` or ``error`` result carries
    its reason, not the check's facts)."""
    sentence = SENTENCES.get(check_id) if status == "fail" else None
    if sentence is not None:
        return sentence(evidence)
    return "; ".join(f"{label(k)}: {_g(evidence, k, '—')}" for k in evidence)
