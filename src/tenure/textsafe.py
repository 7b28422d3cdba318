"""Text that is safe to store: no lone surrogates (valid JSON, ``"\\ud800"``, yet not
encodable as UTF-8, so SQLite and PostgreSQL refuse it), no control characters (terminal
escapes, NUL, which PostgreSQL refuses) and no configured secret.

Vendor and SCIM records pass through ``clean_record`` before they are written: a string that
needed it is stored with each offending character replaced by U+FFFD (a secret by
``[REDACTED]``) and the field is reported so the run can record a problem.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import Any, TypeVar

from tenure.redact import known_secrets, redact_known

REPLACEMENT = "\ufffd"
# Lone surrogates; C0 controls except tab, newline and carriage return; DEL; C1 controls.
_UNSAFE = re.compile("[\ud800-\udfff\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

T = TypeVar("T")


def clean_text(value: str) -> tuple[str, str | None]:
    """``value`` made safe, and why it changed (None: unchanged)."""
    why: list[str] = []
    if _UNSAFE.search(value):
        found = set(_UNSAFE.findall(value))
        if any("\ud800" <= c <= "\udfff" for c in found):
            why.append("lone surrogate")
        if any(not "\ud800" <= c <= "\udfff" for c in found):
            why.append("control character")
        value = _UNSAFE.sub(REPLACEMENT, value)
    if any(secret in value for secret in known_secrets()):
        value = redact_known(value)
        why.append("configured secret")
    return value, (" and ".join(why) + " replaced") if why else None


def _clean(value: Any, path: str, found: list[tuple[str, str]]) -> Any:
    if isinstance(value, str):
        cleaned, why = clean_text(value)
        if why is not None:
            found.append((path, why))
        return cleaned
    if isinstance(value, Mapping):
        return {_clean(k, path, found): _clean(v, f"{path}.{k}" if path else str(k), found)
                for k, v in value.items()}
    if isinstance(value, list | tuple):
        items = [_clean(v, path, found) for v in value]
        return type(value)(items) if isinstance(value, tuple) else items
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {}
        for f in dataclasses.fields(value):
            old = getattr(value, f.name)
            new = _clean(old, f"{path}.{f.name}" if path else f.name, found)
            if new is not old and new != old:
                changes[f.name] = new
        return dataclasses.replace(value, **changes) if changes else value
    return value


def clean_record(record: T) -> tuple[T, list[tuple[str, str]]]:
    """``record`` (a dataclass, possibly nested) with every string made safe, and the
    (field, reason) pairs that changed."""
    found: list[tuple[str, str]] = []
    return _clean(record, "", found), found


def needs_cleaning(value: str) -> bool:
    """A cheap test for the hot path: would ``clean_text`` change ``value``?"""
    return bool(_UNSAFE.search(value)) or any(s in value for s in known_secrets())
