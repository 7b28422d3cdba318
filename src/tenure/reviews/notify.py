"""Reminder and escalation notifications: a pluggable channel registry.

Two channels ship: email over SMTP (stdlib ``smtplib``) and a generic JSON webhook (httpx).
A channel failure is recorded against the campaign, never swallowed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage

import httpx

from tenure.config import NotificationsConfig
from tenure.registry import Registry


@dataclass(frozen=True, slots=True)
class Message:
    """One notification to one reviewer."""

    kind: str
    campaign_id: str
    campaign_name: str
    reviewer: str
    items: int
    due: str
    text: str


Sender = Callable[[NotificationsConfig, Message], str]
"""Delivers a message; returns a detail line; raises on failure."""

channels: Registry[Sender] = Registry("notification channel")


def _send_smtp(config: NotificationsConfig, message: Message) -> str:
    smtp = config.smtp
    if smtp is None:
        raise ValueError("smtp channel not configured")
    email = EmailMessage()
    email["From"] = smtp.sender
    email["To"] = message.reviewer
    email["Subject"] = (f"[Tenure] {message.kind}: {message.items} access review item(s) in "
                        f"{message.campaign_name!r} due {message.due}")
    email.set_content(message.text)
    with smtplib.SMTP(smtp.host, smtp.port, timeout=30) as client:
        if smtp.starttls:
            client.starttls()
        if smtp.username and smtp.password_env:
            client.login(smtp.username, os.environ.get(smtp.password_env, ""))
        client.send_message(email)
    return f"mailed {message.reviewer} via {smtp.host}:{smtp.port}"


def _send_webhook(config: NotificationsConfig, message: Message) -> str:
    hook = config.webhook
    if hook is None:
        raise ValueError("webhook channel not configured")
    body = json.dumps({"kind": message.kind, "campaign_id": message.campaign_id,
                       "campaign": message.campaign_name, "reviewer": message.reviewer,
                       "items": message.items, "due": message.due, "text": message.text},
                      sort_keys=True).encode()
    headers = {"content-type": "application/json"}
    if hook.secret_env and os.environ.get(hook.secret_env):
        digest = hmac.new(os.environ[hook.secret_env].encode(), body, hashlib.sha256)
        headers["x-tenure-signature"] = f"sha256={digest.hexdigest()}"
    response = httpx.post(hook.url, content=body, headers=headers,
                          timeout=hook.timeout_seconds)
    response.raise_for_status()
    return f"POST {hook.url} -> {response.status_code}"


channels.add("smtp", _send_smtp)
channels.add("webhook", _send_webhook)


def configured_channels(config: NotificationsConfig) -> list[str]:
    """Names of the channels this configuration enables."""
    return [name for name in ("smtp", "webhook") if getattr(config, name) is not None]
