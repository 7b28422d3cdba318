"""Small readers shared by the managed-agent transforms (vendor-apis-nhi.md §4).

Pure: decoded vendor JSON in, plain values out. A shape Tenure does not know is never guessed:
the reader returns what it can and a note naming the shape, which the sync puts on the run.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from tenure.clock import parse_instant
from tenure.connectors.base import UnusableRecord
from tenure.model import EgressKind

JSON = Mapping[str, Any]


class Notes(list[str]):
    """What a transform could not read as documented (kept, never guessed)."""

    def unknown(self, what: str, record_id: str, value: Any) -> None:
        """Say that ``what`` of ``record_id`` had a shape Tenure does not know."""
        self.append(f"{record_id}: unknown {what} {value!r:.120}")


def require_id(obj: Any, what: str) -> str:
    """The object's ``id`` or :class:`UnusableRecord` (the sync quarantines it)."""
    if not isinstance(obj, Mapping):
        raise UnusableRecord(what, "id", f"not an object: {obj!r:.100}")
    value = obj.get("id")
    if not isinstance(value, str) or not value:
        raise UnusableRecord(what, "id", f"{dict(obj)!r:.200}")
    return value


def mapping(value: Any) -> JSON:
    """``value`` when it is an object, else an empty one."""
    return value if isinstance(value, Mapping) else {}


def text(obj: JSON, key: str) -> str | None:
    """A string field, None when absent, null or not a string."""
    value = obj.get(key)
    return value if isinstance(value, str) else None


def when(obj: JSON | None, key: str) -> datetime | None:
    """An RFC 3339 field as aware UTC (None when absent or empty)."""
    if obj is None:
        return None
    value = obj.get(key)
    if value is None or value == "":
        return None
    return parse_instant(str(value))


def metadata(obj: JSON) -> dict[str, str]:
    """The ``metadata`` map as strings (the vendor allows string values only)."""
    raw = obj.get("metadata")
    if not isinstance(raw, Mapping):
        return {}
    return {str(k): str(v) for k, v in raw.items() if v is not None}


def strings(value: Any) -> tuple[str, ...]:
    """A list of strings (other items dropped: none are documented)."""
    if not isinstance(value, list):
        return ()
    return tuple(v for v in value if isinstance(v, str))


def egress(value: Any, record_id: str, notes: Notes
           ) -> tuple[EgressKind, tuple[str, ...], bool | None, bool | None]:
    """``networking`` as (kind, allowed hosts, allow MCP servers, allow package managers).

    Documented shapes: ``{type: "unrestricted"}``, ``{type: "limited", allowed_hosts, ...}``;
    a bare string ``"unrestricted"`` (CART's sample) is read as the same."""
    kind_text = value if isinstance(value, str) else (
        value.get("type") if isinstance(value, Mapping) else None)
    if kind_text == "unrestricted":
        return EgressKind.UNRESTRICTED, (), None, None
    if kind_text == "limited":
        body: JSON = value if isinstance(value, Mapping) else {}
        mcp, pkg = body.get("allow_mcp_servers"), body.get("allow_package_managers")
        return (EgressKind.LIMITED, strings(body.get("allowed_hosts")),
                mcp if isinstance(mcp, bool) else None, pkg if isinstance(pkg, bool) else None)
    notes.unknown("networking", record_id, value)
    return EgressKind.UNKNOWN, (), None, None
