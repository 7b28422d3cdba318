"""Secret redaction for logs, errors, raw payloads and output.

Anything that looks like a vendor secret is replaced before it can be written anywhere.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any

REDACTED = "[REDACTED]"

# Vendor key shapes (Anthropic sk-ant-*, OpenAI sk-*, sk-proj-*, sk-admin-*, sk-svcacct-*) and
# bearer tokens. Partial hints such as "sk-ant-api03-R2D...igAA" are vendor-redacted already, but
# we still mask them: an ellipsis hint is harmless yet shorter than 12 secret chars either way.
_SECRET_PATTERNS = [
    re.compile(r"sk-ant-[A-Za-z0-9_\-]{8,}"),
    re.compile(r"sk-(?:proj|admin|svcacct|None)-[A-Za-z0-9_\-]{8,}"),
    re.compile(r"\bsk-[A-Za-z0-9_\-]{16,}"),
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=\-]{8,}"),
    re.compile(r"(?i)\b(x-api-key|authorization|api[_-]?key|secret|token)(\"?\s*[:=]\s*\"?)"
               r"(?!\[REDACTED\])[^\s\"',;}]{8,}"),
]

_SENSITIVE_KEYS = {"x-api-key", "authorization", "api_key", "apikey", "secret", "token",
                   "password", "value", "client_secret", "access_token"}


# Secret values this process has read from the environment (``remember_secret``): a vendor
# that echoes one back inside a record, a page or an error must not get it stored or shown,
# whatever its shape. Process-wide on purpose: the environment the secrets come from is.
_known: set[str] = set()
_MIN_SECRET = 8  # shorter values would redact ordinary words


def remember_secret(value: str) -> None:
    """Redact this exact value (a configured secret) from everything from now on."""
    value = value.strip()
    if len(value) >= _MIN_SECRET:
        _known.add(value)


def known_secrets() -> tuple[str, ...]:
    """The remembered secrets, longest first (a secret containing another goes whole)."""
    return tuple(sorted(_known, key=len, reverse=True))


def redact_known(text: str) -> str:
    """Replace every remembered secret in ``text`` (exact values only, no patterns)."""
    for secret in known_secrets():
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


def redact_known_bytes(body: bytes) -> bytes:
    """``redact_known`` for a raw page body."""
    for secret in known_secrets():
        raw = secret.encode("utf-8")
        if raw in body:
            body = body.replace(raw, REDACTED.encode())
    return body


def redact_known_value(value: Any) -> Any:
    """``redact_known`` through a JSON-like value (dict keys and values, lists)."""
    if not _known:
        return value
    if isinstance(value, str):
        return redact_known(value)
    if isinstance(value, Mapping):
        return {redact_known_value(k): redact_known_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_known_value(v) for v in value]
    return value


def redact_text(text: str) -> str:
    """Replace every remembered secret and every secret-looking substring of ``text``."""
    if not text:
        return text
    out = redact_known(text)
    out = _SECRET_PATTERNS[0].sub(REDACTED, out)
    out = _SECRET_PATTERNS[1].sub(REDACTED, out)
    out = _SECRET_PATTERNS[2].sub(REDACTED, out)
    out = _SECRET_PATTERNS[3].sub(lambda m: m.group(1) + REDACTED, out)
    return _SECRET_PATTERNS[4].sub(lambda m: m.group(1) + m.group(2) + REDACTED, out)


def redact_value(value: Any, *, key: str | None = None) -> Any:
    """Redact secrets anywhere inside a JSON-like value (dicts, lists, strings)."""
    if isinstance(value, str):
        if key is not None and key.lower() in _SENSITIVE_KEYS and value.startswith("sk-"):
            return REDACTED
        return redact_text(value)
    if isinstance(value, Mapping):
        return {k: redact_value(v, key=str(k)) for k, v in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, bytes | bytearray):
        return [redact_value(v) for v in value]
    return value


class RedactingFilter(logging.Filter):
    """A logging filter that redacts the rendered message and any exception text."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        record.msg = redact_text(message)
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            record.exc_text = redact_text(
                logging.Formatter().formatException(record.exc_info)
            )
            record.exc_info = None
            del exc
        return True


_base_factory = logging.getLogRecordFactory()


def _redacting_record_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
    record = _base_factory(*args, **kwargs)
    try:
        message = record.getMessage()
    except (TypeError, ValueError):
        message = str(record.msg)
    record.msg, record.args = redact_text(message), None
    return record


def configure_logging(level: str = "WARNING") -> None:
    """Redact every log record at creation (whatever handler later sees it) and install the
    redacting filter on the root handlers for exception text (idempotent)."""
    logging.setLogRecordFactory(_redacting_record_factory)
    root = logging.getLogger()
    if not root.handlers:
        stream = logging.StreamHandler()
        stream.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(stream)
    for handler in root.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
    root.setLevel(level.upper())
