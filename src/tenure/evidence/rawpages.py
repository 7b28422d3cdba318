"""Raw vendor pages against the ledger: each stored page must still hash to the SHA-256 its
``sync.batch`` entry recorded, under the locator that entry recorded (a copy of a recorded page
stored under another locator is not recorded), once; and every recorded page must still be
stored."""

from __future__ import annotations

import hashlib
import json
import zlib
from dataclasses import dataclass, field

import sqlalchemy as sa

from tenure.evidence.ledger import LedgerEntry
from tenure.store import schema

MAX_LISTED = 200


@dataclass
class RawPagesResult:
    """How many stored pages were checked and what failed."""

    checked: int = 0
    valid: int = 0
    problems: list[str] = field(default_factory=list)
    problem_count: int = 0

    @property
    def ok(self) -> bool:
        """True when every page matched and none is missing."""
        return self.problem_count == 0

    def fail(self, text: str) -> None:
        """Record one failure (the count stays exact past the listing cap)."""
        self.problem_count += 1
        if len(self.problems) < MAX_LISTED:
            self.problems.append(text)

    def lines(self) -> list[str]:
        """Report lines."""
        out = [f"{self.valid}/{self.checked} raw vendor pages match their ledger hash"]
        out += [f"INVALID: {p}" for p in self.problems]
        if self.problem_count > len(self.problems):
            out.append(f"… and {self.problem_count - len(self.problems)} more raw page problems")
        return out


PageKey = tuple[str, str | None, str]  # (run id, locator, SHA-256); locator None: legacy entry


class RecordedPages:
    """Collects (run id, locator, page SHA-256) from ``sync.batch`` entries while the ledger
    streams."""

    def __init__(self) -> None:
        self.pages: dict[PageKey, int] = {}

    def add(self, entry: LedgerEntry) -> None:
        """Note the page an entry recorded, if any."""
        if entry.kind != "sync.batch":
            return
        try:
            payload = json.loads(entry.payload)
        except json.JSONDecodeError:
            return  # the chain check already reports a changed payload
        digest = payload.get("raw_page_sha256") if isinstance(payload, dict) else None
        if digest:
            locator = payload.get("locator")
            self.pages[(str(payload.get("run_id")),
                        None if locator is None else str(locator), str(digest))] = entry.seq


def check_raw_pages(conn: sa.Connection, recorded: RecordedPages,
                    batch_size: int = 500) -> RawPagesResult:
    """Decompress and hash every stored page (in batches) and match it to the ledger."""
    result = RawPagesResult()
    table = schema.raw_pages
    seen: set[PageKey] = set()
    last = 0
    while True:
        rows = conn.execute(sa.select(table.c.id, table.c.sync_run_id, table.c.locator,
                                      table.c.sha256, table.c.body)
                            .where(table.c.id > last).order_by(table.c.id)
                            .limit(batch_size)).all()
        for row in rows:
            result.checked += 1
            where = f"raw page {row.id} (run {row.sync_run_id}, {row.locator})"
            try:
                actual = hashlib.sha256(zlib.decompress(row.body)).hexdigest()
            except zlib.error:
                result.fail(f"{where}: body is not valid compressed data (changed)")
                continue
            key: PageKey = (row.sync_run_id, row.locator, row.sha256)
            if key not in recorded.pages:
                key = (row.sync_run_id, None, row.sha256)  # an entry from before locators
            if actual != row.sha256:
                result.fail(f"{where}: body hashes to {actual}, not its stored SHA-256 "
                            "(changed)")
            elif key not in recorded.pages:
                result.fail(f"{where}: no sync.batch ledger entry records this page under "
                            "this locator and hash (inserted, copied, or its entry was "
                            "removed)")
            elif key in seen:
                result.fail(f"{where}: a second stored copy of the page ledger entry "
                            f"{recorded.pages[key]} records (inserted)")
            else:
                result.valid += 1
            seen.add(key)
        if len(rows) < batch_size:
            break
        last = int(rows[-1].id)
    for (run_id, locator, digest), seq in sorted(recorded.pages.items(), key=lambda kv: kv[1]):
        if (run_id, locator, digest) not in seen:
            result.fail(f"ledger entry {seq} records page {digest} of run {run_id}, which is "
                        "no longer stored (deleted)")
    return result
