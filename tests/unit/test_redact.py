"""Secret redaction for text, nested payloads and log records."""

from __future__ import annotations

import logging

import pytest

from tenure.redact import REDACTED, RedactingFilter, redact_text, redact_value


@pytest.mark.parametrize("secret", [
    "sk-ant-admin01-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789",
    "sk-ant-api03-R2D2C3POabcdefghijklmnop_-xyz",
    "sk-proj-abcdefghijklmnopqrstuvwxyz123456",
    "sk-admin-0123456789abcdefghij",
    "sk-svcacct-zyxwvutsrqponmlkjihgf",
    "sk-abcdefghijklmnopqrstuvwxyz012345",
])
def test_vendor_key_shapes_are_redacted(secret: str) -> None:
    text = f"request failed with key {secret} at /v1/users"
    assert secret not in redact_text(text)
    assert REDACTED in redact_text(text)


def test_bearer_and_header_values_are_redacted() -> None:
    out = redact_text("Authorization: Bearer abc.def.ghi-jkl and x-api-key: 12345678abcdef")
    assert "abc.def.ghi-jkl" not in out
    assert "12345678abcdef" not in out


def test_ordinary_text_is_left_alone() -> None:
    text = "user_01WCz1FkmYMm4gnmykNKUu3Q removed from wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ"
    assert redact_text(text) == text


def test_nested_payloads_are_redacted() -> None:
    payload = {"api_key": {"value": "sk-proj-abcdefghijklmnopqrstuvwxyz", "name": "ci"},
               "notes": ["uses sk-ant-api03-abcdefghijklmnopqrstuv"]}
    out = redact_value(payload)
    assert out["api_key"]["value"] == REDACTED
    assert out["api_key"]["name"] == "ci"
    assert "sk-ant" not in out["notes"][0]


def test_log_filter_redacts_messages_and_exceptions() -> None:
    record = logging.LogRecord("t", logging.ERROR, __file__, 1, "key=%s",
                               ("sk-ant-admin01-SECRETSECRETSECRET",), None)
    try:
        raise RuntimeError("boom sk-ant-admin01-SECRETSECRETSECRET")
    except RuntimeError:
        import sys
        record.exc_info = sys.exc_info()
    RedactingFilter().filter(record)
    rendered = logging.Formatter().format(record)
    assert "SECRETSECRET" not in rendered
