"""Decisions are append-only: a change of mind is a new ledgered record, the history is kept and
the latest of the stage counts; only the authenticated reviewer decides (issue 19)."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from tenure.errors import NotAllowed, NotAuthenticated
from tenure.reviews.decisions import Decision, DecisionRefused
from tenure.services import reviews
from tenure.services.context import App
from tenure.store import schema

from ..conftest import signed_in
from .test_campaigns import by_subject, spec


def test_a_changed_decision_is_a_new_record_and_the_latest_counts(org: App) -> None:
    cid, _ = reviews.create(org, spec())
    carol = by_subject(org, cid)["user_carol"]
    boss = signed_in(org, "boss@corp.io", "reviewer")
    reviews.record_decision(boss, carol.id, decision=Decision.KEEP, justification="on leave")
    reviews.record_decision(boss, carol.id, decision=Decision.REVOKE,
                            justification="she left the team after all")
    history = reviews.decision_history(boss, carol.id, reviewer="boss@corp.io")
    assert [(h.decision, h.current) for h in history] == [(Decision.KEEP, False),
                                                         (Decision.REVOKE, True)]
    assert by_subject(org, cid)["user_carol"].decision == "revoke"
    with org.engine.connect() as conn:
        payloads = [json.loads(p) for p in conn.execute(
            sa.select(schema.ledger_entries.c.payload).where(
                schema.ledger_entries.c.kind == "review.decided")
            .order_by(schema.ledger_entries.c.seq)).scalars()]
        rows = conn.execute(sa.select(schema.review_decisions.c.id)
                            .order_by(schema.review_decisions.c.id)).scalars().all()
    assert [p["decision_id"] for p in payloads] == rows
    assert payloads[0]["supersedes"] is None
    assert payloads[1]["supersedes"] == {"decision_id": rows[0], "decision": "keep"}
    closed = reviews.close(org, cid, force=True)
    assert any(a["subject_id"] == "user_carol" and a["action"] == "revoke"
               for a in closed.plan)
    with pytest.raises(DecisionRefused, match="closed"):
        reviews.record_decision(boss, carol.id, decision=Decision.KEEP, justification="x")


def test_only_the_authenticated_reviewer_decides(org: App) -> None:
    cid, _ = reviews.create(org, spec())
    carol = by_subject(org, cid)["user_carol"]
    with pytest.raises(NotAuthenticated):
        reviews.decide(org, [carol.id], reviewer="boss@corp.io", decision=Decision.KEEP,
                       justification="")
    insider = signed_in(org, "insider@corp.io", "reviewer")
    with pytest.raises(NotAllowed, match=r"not boss@corp\.io"):
        reviews.decide(insider, [carol.id], reviewer="boss@corp.io", decision=Decision.KEEP,
                       justification="")
    with pytest.raises(NotAllowed, match=r"not boss@corp\.io"):
        reviews.delegate(insider, [carol.id], reviewer="boss@corp.io", to="insider@corp.io",
                         reason="mine now")
    auditor = signed_in(org, "audit@corp.io", "auditor")
    with pytest.raises(NotAllowed, match="auditor"):
        reviews.record_decision(auditor, carol.id, decision=Decision.KEEP, justification="")
    assert reviews.decision_history(org, carol.id) == []
    assert by_subject(org, cid)["user_carol"].status == "pending"
