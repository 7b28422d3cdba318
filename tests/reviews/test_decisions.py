"""Decisions, delegation, stages, deadlines and closing into a revocation plan."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from tenure.config import NotificationsConfig, SmtpConfig, WebhookConfig
from tenure.errors import NotFound
from tenure.evidence.ledger import canonical_json, sha256_hex
from tenure.reviews.campaigns import NoResponse, OutcomeStrategy
from tenure.reviews.decisions import Decision, DecisionRefused
from tenure.services import reviews
from tenure.services.context import App
from tenure.store import schema

from ..conftest import signed_in
from .conftest import DUE
from .test_campaigns import by_subject, spec


def later(app: App, days: float) -> App:
    """The same store ``days`` later (both clocks: deadlines are judged on the wall clock)."""
    return replace(app, clock=replace(app.clock, as_of=app.now() + timedelta(days=days)),
                   wall_clock=replace(app.wall_clock, as_of=app.wall() + timedelta(days=days)))


def test_decide_records_who_what_they_saw_and_why(org: App) -> None:
    cid, _ = reviews.create(org, spec())
    items = by_subject(org, cid)
    alice = items["user_alice"]
    reviews.decide(signed_in(org, "BOSS@corp.io", "reviewer"),
                   [alice.id], reviewer="BOSS@corp.io", decision=Decision.KEEP,
                   justification="works on the API daily")
    after = by_subject(org, cid)["user_alice"]
    assert (after.status, after.decision, after.decided_by) == ("decided", "keep",
                                                                "boss@corp.io")
    with org.engine.connect() as conn:
        (row,) = conn.execute(sa.select(schema.review_decisions)).mappings().all()
        entry = conn.execute(sa.select(schema.ledger_entries.c.payload).where(
            schema.ledger_entries.c.kind == "review.decided")).scalar_one()
        item_hash = conn.execute(sa.select(schema.review_items.c.snapshot_hash).where(
            schema.review_items.c.id == alice.id)).scalar_one()
    assert row["snapshot_hash"] == item_hash
    assert item_hash == sha256_hex(canonical_json(alice.snapshot))
    payload = json.loads(entry)
    assert payload["snapshot_hash"] == row["snapshot_hash"]
    assert payload["justification"] == "works on the API daily"
    assert payload["reviewer"] == "boss@corp.io"


def test_someone_elses_item_reads_as_not_found(org: App) -> None:
    cid, _ = reviews.create(org, spec())
    alice = by_subject(org, cid)["user_alice"]
    with pytest.raises(NotFound):
        reviews.decide(signed_in(org, "mallory@corp.io", "reviewer"),
                       [alice.id], reviewer="mallory@corp.io", decision=Decision.REVOKE,
                       justification="")


def test_self_review_is_refused_unless_allowed(org: App) -> None:
    cid, _ = reviews.create(org, spec(reviewer_rule=__import__(
        "tenure.reviews.reviewers", fromlist=["parse_rule"]).parse_rule(
        "named:alice@corp.io", "secops@corp.io")))
    items = by_subject(org, cid)
    # the named rule skips alice for her own seat and key (fallback instead)…
    assert items["user_alice"].reviewer == "secops@corp.io"
    # …and delegating her own item to her is refused
    with pytest.raises(DecisionRefused, match="whose own access"):
        reviews.delegate(signed_in(org, "secops@corp.io", "reviewer"),
                         [items["user_alice"].id], reviewer="secops@corp.io",
                         to="alice@corp.io", reason="she knows best")
    cid2, _ = reviews.create(org, spec(allow_self_review=True, reviewer_rule=__import__(
        "tenure.reviews.reviewers", fromlist=["parse_rule"]).parse_rule(
        "named:alice@corp.io", "secops@corp.io")))
    mine = by_subject(org, cid2)["user_alice"]
    assert mine.reviewer == "alice@corp.io"
    reviews.decide(signed_in(org, "alice@corp.io", "reviewer"),
                   [mine.id], reviewer="alice@corp.io", decision=Decision.KEEP,
                   justification="")


def test_justification_rules_and_bulk_is_all_or_nothing(org: App) -> None:
    cid, _ = reviews.create(org, spec(require_justification=True))
    items = by_subject(org, cid)
    boss_items = [items["user_alice"].id, items["user_carol"].id]
    with pytest.raises(DecisionRefused, match="requires a justification"):
        reviews.decide(signed_in(org, "boss@corp.io", "reviewer"),
                       boss_items, reviewer="boss@corp.io", decision=Decision.REVOKE,
                       justification=" ")
    reviews.decide(signed_in(org, "boss@corp.io", "reviewer"),
                   boss_items, reviewer="boss@corp.io", decision=Decision.REVOKE,
                   justification="quarterly cleanup")
    assert {by_subject(org, cid)[s].decision for s in ("user_alice", "user_carol")} == {
        "revoke"}
    # overriding a revoke recommendation (keep or reduce) always needs a reason
    cid, _ = reviews.create(org, spec())
    bob = by_subject(org, cid)["user_bob"]
    assert bob.recommendation == "revoke"
    boss = signed_in(org, "boss@corp.io", "reviewer")
    with pytest.raises(DecisionRefused, match="overriding a revoke recommendation"):
        reviews.decide(boss, [bob.id], reviewer="boss@corp.io", decision=Decision.KEEP,
                       justification="")
    reviews.decide(boss, [bob.id], reviewer="boss@corp.io", decision=Decision.KEEP,
                   justification="back from leave next week")
    with pytest.raises(DecisionRefused, match="reduce applies to privileged"):
        reviews.decide(signed_in(org, "boss@corp.io", "reviewer"),
                       [by_subject(org, cid)["user_carol"].id], reviewer="boss@corp.io",
                       decision=Decision.REDUCE, justification="x")
    # a mix of a valid and an invalid item records nothing
    dave, alice = by_subject(org, cid)["user_dave"], by_subject(org, cid)["user_alice"]
    with pytest.raises(NotFound):
        reviews.decide(signed_in(org, "boss@corp.io", "reviewer"),
                       [alice.id, "itm_missing"], reviewer="boss@corp.io",
                       decision=Decision.KEEP, justification="")
    assert by_subject(org, cid)["user_alice"].status == "pending"
    reviews.decide(signed_in(org, "boss@corp.io", "reviewer"),
                   [dave.id], reviewer="boss@corp.io", decision=Decision.REDUCE,
                   justification="no admin work")


def test_delegation_is_recorded(org: App) -> None:
    cid, _ = reviews.create(org, spec())
    carol = by_subject(org, cid)["user_carol"]
    reviews.delegate(signed_in(org, "boss@corp.io", "reviewer"),
                     [carol.id], reviewer="boss@corp.io", to="ceo@corp.io",
                     reason="on leave")
    assert by_subject(org, cid)["user_carol"].reviewer == "ceo@corp.io"
    with org.engine.connect() as conn:
        (row,) = conn.execute(sa.select(schema.review_assignments)).mappings().all()
    assert (row["from_reviewer"], row["to_reviewer"], row["reason"]) == (
        "boss@corp.io", "ceo@corp.io", "on leave")
    with pytest.raises(DecisionRefused, match="needs a --reason"):
        reviews.delegate(signed_in(org, "ceo@corp.io", "reviewer"),
                         [carol.id], reviewer="ceo@corp.io", to="boss@corp.io",
                         reason="")


def test_two_stages_one_deny_denies(org: App) -> None:
    cid, _ = reviews.create(org, spec(stages=2, stage2_reviewer="ciso@corp.io"))
    frank = by_subject(org, cid)["user_frank"]
    moved = reviews.decide(signed_in(org, "alice@corp.io", "reviewer"),
                           [frank.id], reviewer="alice@corp.io", decision=Decision.KEEP,
                           justification="")
    assert moved == [frank.id]
    now = by_subject(org, cid)["user_frank"]
    assert (now.stage, now.reviewer, now.status) == (2, "ciso@corp.io", "pending")
    reviews.decide(signed_in(org, "ciso@corp.io", "reviewer"),
                   [frank.id], reviewer="ciso@corp.io", decision=Decision.REVOKE,
                   justification="no longer needs admin")
    closed = reviews.close(later(org, 20), cid)
    revoked = {p["subject_id"] for p in closed.plan if p["action"] == "revoke"}
    assert "user_frank" in revoked


def test_all_must_accept_with_a_silent_second_stage(org: App) -> None:
    cid, _ = reviews.create(org, spec(stages=2, outcome_strategy=OutcomeStrategy.ALL_MUST_ACCEPT,
                                      if_no_response=NoResponse.REVOKE))
    frank = by_subject(org, cid)["user_frank"]
    reviews.decide(signed_in(org, "alice@corp.io", "reviewer"),
                   [frank.id], reviewer="alice@corp.io", decision=Decision.KEEP,
                   justification="")
    closed = reviews.close(later(org, 20), cid)
    outcome = {p["subject_id"]: p for p in closed.plan}
    assert outcome["user_frank"]["action"] == "revoke"


def test_close_plan_is_exactly_revokes_plus_no_response_rule(org: App) -> None:
    cid, _ = reviews.create(org, spec(if_no_response=NoResponse.RECOMMENDATION))
    items = by_subject(org, cid)
    reviews.decide(signed_in(org, "boss@corp.io", "reviewer"),
                   [items["user_alice"].id], reviewer="boss@corp.io",
                   decision=Decision.REVOKE, justification="moved teams")
    reviews.decide(signed_in(org, "boss@corp.io", "reviewer"),
                   [items["user_bob"].id], reviewer="boss@corp.io",
                   decision=Decision.KEEP, justification="contractor extension")
    reviews.decide(signed_in(org, "boss@corp.io", "reviewer"),
                   [items["user_carol"].id], reviewer="boss@corp.io",
                   decision=Decision.DONT_KNOW, justification="")
    with pytest.raises(Exception, match="undecided; wait or use --force"):
        reviews.close(org, cid)
    closed = reviews.close(later(org, 20), cid)
    plan = {p["subject_id"]: (p["action"], p["decided_by"]) for p in closed.plan}
    assert plan == {
        "user_alice": ("revoke", "boss@corp.io"),
        "user_carol": ("revoke", "no-response rule"),   # don't know → recommendation
        "user_dave": ("reduce", "no-response rule"),
        "apikey_gone": ("revoke", "no-response rule"),
        "apikey_idle": ("revoke", "no-response rule"),
    }
    detail = reviews.show(org, cid)
    assert detail.summary.status == "closed"
    assert detail.summary.plan_hash == closed.plan_hash
    with pytest.raises(Exception, match="already closed"):
        reviews.close(later(org, 21), cid)
    with pytest.raises(DecisionRefused, match="closed"):
        reviews.decide(signed_in(org, "boss@corp.io", "reviewer"),
                       [items["user_erin"].id], reviewer="boss@corp.io",
                       decision=Decision.KEEP, justification="")


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp_server() -> Iterator[tuple[int, _Inbox]]:
    inbox = _Inbox()
    with socket.socket() as probe:  # aiosmtpd needs a concrete port to poll for readiness
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield port, inbox
    controller.stop()


@pytest.fixture
def webhook_server() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    received: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["content-length"]))
            received.append({"body": json.loads(body),
                             "signature": self.headers.get("x-tenure-signature")})
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", received
    server.shutdown()


def test_reminders_then_escalation_over_smtp_and_webhook(
    org: App, smtp_server: tuple[int, _Inbox], webhook_server: tuple[str, list[dict[str, Any]]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    port, inbox = smtp_server
    url, hooks = webhook_server
    monkeypatch.setenv("HOOK_SECRET", "s3cret-value")
    notifications = NotificationsConfig(
        smtp=SmtpConfig(host="127.0.0.1", port=port, sender="tenure@corp.io"),
        webhook=WebhookConfig(url=url, secret_env="HOOK_SECRET"), reminder_days=(3, 1))
    app = replace(org, settings=org.settings.model_copy(update={"notifications": notifications}))
    cid, _ = reviews.create(app, spec())
    early = reviews.remind(app, cid)  # 14 days left: not a reminder day
    assert early.sent == []
    assert "reminders go out at 3, 1" in early.skipped[0]
    report = reviews.remind(later(app, 11), cid)  # T-3
    reviewers = {s["reviewer"] for s in report.sent}
    assert reviewers == {"boss@corp.io", "alice@corp.io", "secops@corp.io"}
    assert all(s["status"] == "sent" for s in report.sent)
    assert len(inbox.messages) == 3
    assert {m.rcpt_tos[0] for m in inbox.messages} == reviewers
    assert len(hooks) == 3
    assert all(h["signature"].startswith("sha256=") for h in hooks)
    assert reviews.remind(later(app, 11), cid).sent == []  # not twice for the same mark
    overdue = reviews.remind(later(app, 15), cid)
    assert overdue.escalated == len([i for i in reviews.items(app, cid)
                                     if i.reviewer == "secops@corp.io"]) - 1
    assert {i.reviewer for i in reviews.items(app, cid)} == {"secops@corp.io"}
    assert {s["reviewer"] for s in overdue.sent} == {"secops@corp.io"}
    assert any("overdue" in h["body"]["text"] for h in hooks)


def test_a_failing_channel_is_recorded_not_swallowed(org: App) -> None:
    notifications = NotificationsConfig(
        webhook=WebhookConfig(url="http://127.0.0.1:9/nowhere", timeout_seconds=2),
        reminder_days=(14,))
    app = replace(org, settings=org.settings.model_copy(update={"notifications": notifications}))
    cid, _ = reviews.create(app, spec())
    report = reviews.remind(app, cid)
    assert report.sent
    assert all(s["status"] == "failed" for s in report.sent)
    assert "ConnectError" in report.sent[0]["detail"]
    assert app.now() < DUE
