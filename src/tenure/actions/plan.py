"""The revocation plan: an explicit list of vendor calls, hashed so apply runs exactly it.

A plan is a JSON document; its ``sha256`` is the SHA-256 of the canonical JSON of everything
else in it. Apply refuses any plan whose recomputed hash differs from ``--approve-hash``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from tenure.errors import TenureError
from tenure.evidence.ledger import canonical_json, sha256_hex
from tenure.model import plain

PLAN_VERSION = 1


class PlanError(TenureError):
    """A plan file is unreadable, altered or not the one approved."""


@dataclass(frozen=True, slots=True)
class Target:
    """What is being revoked and why."""

    source: str
    tenant: str
    kind: str
    subject_id: str
    label: str
    operation: str
    """revoke | reduce | review (a person decides: planned as a manual task)"""
    reason: str
    requires_confirmation: bool = False
    target_role: str | None = None
    """For ``reduce``: the role to set, when the reviewer or the policy chose one; otherwise
    the platform's least privileged role that keeps the seat."""


@dataclass(frozen=True, slots=True)
class Call:
    """One exact vendor call."""

    method: str
    path: str
    body: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class ManualTask:
    """Revocation the platform's API cannot do: a person must, by a date."""

    owner: str
    due: str
    why: str


@dataclass(frozen=True, slots=True)
class Step:
    """One action of a plan on one target."""

    index: int
    target: Target
    action: str
    """The action kind (``anthropic.remove_org_user``) or ``manual``."""
    args: dict[str, Any]
    """What rebuilds the action at apply time (ids, target role or status)."""
    call: Call | None
    manual: ManualTask | None
    state: dict[str, Any]
    """The target's stored state when planned; apply refuses when it has changed."""


@dataclass(frozen=True, slots=True)
class Plan:
    """A revocation plan."""

    id: str
    created_at: datetime
    created_by: str
    origin: str
    steps: list[Step] = field(default_factory=list)

    def document(self) -> dict[str, Any]:
        """The plan as JSON-ready data, without its hash."""
        return {"version": PLAN_VERSION, "id": self.id,
                "created_at": self.created_at.isoformat(), "created_by": self.created_by,
                "origin": self.origin, "steps": [plain(s) for s in self.steps]}

    @property
    def sha256(self) -> str:
        """SHA-256 of the canonical JSON document."""
        return sha256_hex(canonical_json(self.document()))

    def to_json(self) -> str:
        """The plan file's text (document plus its hash)."""
        return json.dumps({**self.document(), "sha256": self.sha256}, indent=2,
                          sort_keys=True) + "\n"


def state_hash(state: dict[str, Any]) -> str:
    """Hash of a target's stored state (for staleness checks)."""
    return sha256_hex(canonical_json(state))


def _step(data: dict[str, Any]) -> Step:
    call = data.get("call")
    manual = data.get("manual")
    return Step(
        index=int(data["index"]), target=Target(**data["target"]), action=str(data["action"]),
        args=dict(data["args"]), call=Call(**call) if call else None,
        manual=ManualTask(**manual) if manual else None, state=dict(data["state"]))


def parse_plan(text: str, *, label: str = "plan") -> tuple[Plan, str]:
    """Parse a plan file; returns the plan and the hash the file claims."""
    try:
        data = json.loads(text)
        if data.get("version") != PLAN_VERSION:
            raise PlanError(f"{label}: unsupported plan version {data.get('version')!r}")
        plan = Plan(id=str(data["id"]), created_at=datetime.fromisoformat(data["created_at"]),
                    created_by=str(data["created_by"]), origin=str(data["origin"]),
                    steps=[_step(s) for s in data["steps"]])
        claimed = str(data["sha256"])
    except PlanError:
        raise
    except (ValueError, KeyError, TypeError) as exc:
        raise PlanError(f"{label}: not a valid plan file ({type(exc).__name__}: {exc})") from None
    return plan, claimed


def read_plan(path: Path) -> tuple[Plan, str]:
    """Read a plan file from disk."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PlanError(f"{path}: cannot read plan: {exc.strerror}") from None
    return parse_plan(text, label=str(path))
