"""Findings as OCSF Detection Finding events (class 2004, OCSF 1.1) for SIEM ingestion."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tenure import __version__
from tenure.checks.base import Severity
from tenure.services.findings import FindingView

OCSF_VERSION = "1.1.0"
DETECTION_FINDING = 2004
FINDINGS_CATEGORY = 2
_SEVERITY_NAMES = {1: "Informational", 2: "Low", 3: "Medium", 4: "High", 5: "Critical"}


def _ms(value: datetime) -> int:
    return int(value.timestamp() * 1000)


def _activity_and_status(view: FindingView) -> tuple[int, str, int, str]:
    """(activity_id, activity_name, status_id, status) per the OCSF enumerations."""
    if view.status == "pass":
        return 3, "Close", 4, "Resolved"
    activity = (1, "Create") if view.first_seen == view.last_seen else (2, "Update")
    if view.muted:
        return (*activity, 3, "Suppressed")
    return (*activity, 1, "New") if activity[0] == 1 else (*activity, 2, "In Progress")


def to_ocsf(view: FindingView) -> dict[str, Any]:
    """One finding as an OCSF Detection Finding."""
    activity_id, activity_name, status_id, status = _activity_and_status(view)
    severity_id = Severity(view.severity).rank
    resource: dict[str, Any] = {"uid": view.subject_id, "type": view.subject_type,
                                "data": dict(view.evidence)}
    if view.subject_email:
        resource["name"] = view.subject_email
    if view.person:
        resource["owner"] = {"email_addr": view.person}
    event: dict[str, Any] = {
        "class_uid": DETECTION_FINDING, "class_name": "Detection Finding",
        "category_uid": FINDINGS_CATEGORY, "category_name": "Findings",
        "activity_id": activity_id, "activity_name": activity_name,
        "type_uid": DETECTION_FINDING * 100 + activity_id,
        "type_name": f"Detection Finding: {activity_name}",
        "time": _ms(view.last_seen),
        "severity_id": severity_id, "severity": _SEVERITY_NAMES[severity_id],
        "status_id": status_id, "status": status, "status_detail": view.status,
        "message": f"{view.title}: {view.subject_email or view.subject_id}",
        "finding_info": {
            "uid": view.id, "title": view.title, "types": [view.check],
            "first_seen_time": _ms(view.first_seen), "last_seen_time": _ms(view.last_seen),
            "analytic": {"uid": view.check, "name": view.check, "type_id": 1,
                         "type": "Rule"},
        },
        "resources": [resource],
        "evidences": [{"data": dict(view.evidence)}],
        "remediation": {"desc": view.remediation},
        "metadata": {"version": OCSF_VERSION, "uid": view.id,
                     "product": {"name": "Tenure", "vendor_name": "Tenure",
                                 "version": __version__},
                     "labels": list(view.frameworks)},
        "unmapped": {"source": view.source, "frameworks": list(view.frameworks),
                     "muted_until": view.muted_until.isoformat() if view.muted_until else None,
                     "mute_reason": view.mute_reason},
    }
    if view.resolved_at:
        event["end_time"] = _ms(view.resolved_at)
    return event
