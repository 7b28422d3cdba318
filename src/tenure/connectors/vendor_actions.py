"""What every platform's revocation actions share: the call they describe, their result, and
the re-read-then-act primitives that make them idempotent (a 404 means "already gone")."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from tenure.connectors.http import ApiError, HttpClient


class Outcome(StrEnum):
    """What executing an action did."""

    APPLIED = "applied"
    ALREADY_DONE = "already_done"


@dataclass(frozen=True, slots=True)
class VendorCall:
    """The exact HTTP call an action makes."""

    method: str
    path: str
    body: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class ActionResult:
    """The outcome of one action, with the call that was (or would have been) made."""

    outcome: Outcome
    call: VendorCall
    detail: str = ""


class Action(Protocol):
    """A revocation step on one target."""

    kind: str

    def call(self) -> VendorCall:
        """The vendor call this action makes."""
        ...

    def execute(self, client: HttpClient) -> ActionResult:
        """Re-read the target and perform the call if still needed."""
        ...

    def verify(self, client: HttpClient) -> bool:
        """Re-read the target: True when the intended post-state holds."""
        ...


def read_object(client: HttpClient, path: str) -> dict[str, Any] | None:
    """GET a single object; None when it does not exist (404)."""
    try:
        data = client.get_json(path).data
    except ApiError as exc:
        if exc.status == 404:
            return None
        raise
    return data if isinstance(data, dict) else None


def send(client: HttpClient, call: VendorCall) -> bool:
    """Perform ``call``; False when the target was already gone (404)."""
    try:
        client.request(call.method, call.path, json_body=call.body,
                       headers={"content-type": "application/json"} if call.body else None)
    except ApiError as exc:
        if exc.status == 404:
            return False
        raise
    return True


def remove(client: HttpClient, call: VendorCall, what: str) -> ActionResult:
    """Re-read, then perform a removal unless the target is already gone."""
    if read_object(client, call.path) is None or not send(client, call):
        return ActionResult(Outcome.ALREADY_DONE, call, f"{what} not found")
    return ActionResult(Outcome.APPLIED, call)
