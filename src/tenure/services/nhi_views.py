"""Non-human identity views for the CLI and the web app: the list, one chain, a person's."""

from __future__ import annotations

from typing import Any

from tenure.errors import NotFound
from tenure.nhi import sponsorship
from tenure.nhi.chain import Chain, answered_for, chain_for
from tenure.nhi.last_activity import last_activity
from tenure.services.context import App
from tenure.services.sponsors import find_nhi, list_sponsors, person_states, resolution_row


def list_nhis(app: App, *, kind: str | None = None, source: str | None = None,
              live_only: bool = False) -> list[dict[str, Any]]:
    """Every NHI with its sponsor, the basis and the sponsor's HR status."""
    rows = list_sponsors(app, kind=kind, source=source)
    return [r for r in rows if r["live"] or not live_only]


def show(app: App, subject: str) -> Chain:
    """The accountability chain of one NHI (by id, or by a unique name)."""
    with app.engine.connect() as conn:
        nhi = find_nhi(conn, app, subject)
        chain = chain_for(conn, app.settings.nhi, nhi.source, nhi.subject_id)
    if chain is None:
        raise NotFound(f"no identity {subject!r}")
    return chain


def chain_by_key(app: App, source: str, subject_id: str) -> Chain:
    """The chain of the NHI ``subject_id`` of ``source`` (web pages address NHIs this way)."""
    with app.engine.connect() as conn:
        chain = chain_for(conn, app.settings.nhi, source, subject_id)
    if chain is None:
        raise NotFound(f"no identity {subject_id!r} in {source!r}")
    return chain


def for_person(app: App, email: str) -> list[dict[str, Any]]:
    """Every NHI ``email`` answers for."""
    with app.engine.connect() as conn:
        people, last = person_states(conn), last_activity(conn)
        return [resolution_row(r, people, last)
                for r in answered_for(conn, app.settings.nhi, email)]


def history(app: App, source: str, subject_id: str) -> list[dict[str, Any]]:
    """Every sponsorship change of one NHI, newest first."""
    with app.engine.connect() as conn:
        return list(reversed(sponsorship.history(conn, source, subject_id)))
