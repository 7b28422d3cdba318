"""The on-disk event store of a scenario: activities, per-key daily usage, Claude Code days.

One SQLite file (``events.sqlite``) written once, in order, by the generator and read by the
server. Times are offsets from the scenario anchor (activities: whole seconds; usage and Claude
Code: whole days, -1 = the day before the anchor), so the same file serves any ``--as-of``.
Activities are numbered ``seq`` in chronological order; the feed pages by ``seq`` alone, and
``created_at`` filters become a ``seq`` range by binary search (``ts`` never decreases with
``seq``), so no secondary index is needed over millions of rows.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path

SCHEMA = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE types(code INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE events(seq INTEGER PRIMARY KEY, ts INTEGER NOT NULL, type INTEGER NOT NULL,
                    actor INTEGER NOT NULL, extra TEXT);
CREATE TABLE usage(day INTEGER NOT NULL, key INTEGER NOT NULL, model INTEGER NOT NULL,
                   uncached INTEGER NOT NULL, cache_5m INTEGER NOT NULL,
                   cache_1h INTEGER NOT NULL, cache_read INTEGER NOT NULL,
                   output INTEGER NOT NULL, web_search INTEGER NOT NULL);
CREATE TABLE claude_code(day INTEGER NOT NULL, actor INTEGER NOT NULL, terminal INTEGER NOT NULL,
                         sessions INTEGER NOT NULL, added INTEGER NOT NULL,
                         removed INTEGER NOT NULL, commits INTEGER NOT NULL, prs INTEGER NOT NULL,
                         edit_accepted INTEGER NOT NULL, edit_rejected INTEGER NOT NULL,
                         model INTEGER NOT NULL, tok_in INTEGER NOT NULL, tok_out INTEGER NOT NULL,
                         tok_cache_read INTEGER NOT NULL, tok_cache_creation INTEGER NOT NULL,
                         cost_cents INTEGER NOT NULL);
"""
INDEXES = """
CREATE INDEX usage_day ON usage(day, key);
CREATE INDEX claude_code_day ON claude_code(day, actor);
"""
USAGE_COLUMNS = ("day", "key", "model", "uncached", "cache_5m", "cache_1h", "cache_read",
                 "output", "web_search")
CLAUDE_CODE_COLUMNS = ("day", "actor", "terminal", "sessions", "added", "removed", "commits",
                       "prs", "edit_accepted", "edit_rejected", "model", "tok_in", "tok_out",
                       "tok_cache_read", "tok_cache_creation", "cost_cents")
_BATCH = 20_000
# Static statements only: filters travel as JSON arrays, never spliced into SQL.
_FILTERED = ("SELECT seq, ts, type, actor, extra FROM events WHERE seq BETWEEN ? AND ? "
             "AND (? IS NULL OR type IN (SELECT value FROM json_each(?))) "
             "AND (? IS NULL OR actor IN (SELECT value FROM json_each(?))) ")
_SELECT_DESC = _FILTERED + "ORDER BY seq DESC LIMIT ?"
_SELECT_ASC = _FILTERED + "ORDER BY seq ASC LIMIT ?"
_SELECT_USAGE = ("SELECT day, key, model, uncached, cache_5m, cache_1h, cache_read, output, "
                 "web_search FROM usage WHERE day BETWEEN ? AND ? ORDER BY day, key, model")
_SELECT_CLAUDE_CODE = (
    "SELECT day, actor, terminal, sessions, added, removed, commits, prs, edit_accepted, "
    "edit_rejected, model, tok_in, tok_out, tok_cache_read, tok_cache_creation, cost_cents "
    "FROM claude_code WHERE day = ? ORDER BY actor, terminal LIMIT ? OFFSET ?")


class EventWriter:
    """Appends rows in chronological order with bounded buffers; call :meth:`close` once."""

    def __init__(self, path: Path | str) -> None:
        self.conn = sqlite3.connect(str(path), check_same_thread=False)
        # Written once and rebuilt from the seed on loss: durability buys nothing here.
        self.conn.execute("PRAGMA journal_mode=OFF")
        self.conn.execute("PRAGMA synchronous=OFF")
        self.conn.executescript(SCHEMA)
        self.seq = 0
        self.last_ts: int | None = None
        self._types: dict[str, int] = {}
        self._events: list[tuple[int, int, int, int, str | None]] = []
        self._usage: list[Sequence[int]] = []
        self._claude_code: list[Sequence[int]] = []

    def type_code(self, name: str) -> int:
        """The integer code of an activity type, assigned on first use."""
        code = self._types.get(name)
        if code is None:
            code = self._types[name] = len(self._types) + 1
            self.conn.execute("INSERT INTO types VALUES (?, ?)", (code, name))
        return code

    def event(self, ts: int, type_name: str, actor: int, extra: str | None) -> int:
        """Append one activity; ``ts`` (seconds from the anchor) must not go backwards."""
        if self.last_ts is not None and ts < self.last_ts:
            raise ValueError(f"activity out of order: {ts} after {self.last_ts}")
        self.last_ts = ts
        self.seq += 1
        self._events.append((self.seq, ts, self.type_code(type_name), actor, extra))
        if len(self._events) >= _BATCH:
            self._flush_events()
        return self.seq

    def usage(self, row: Sequence[int]) -> None:
        """Append one usage row (see ``USAGE_COLUMNS``)."""
        self._usage.append(row)
        if len(self._usage) >= _BATCH:
            self._flush_usage()

    def claude_code(self, row: Sequence[int]) -> None:
        """Append one Claude Code day row (see ``CLAUDE_CODE_COLUMNS``)."""
        self._claude_code.append(row)
        if len(self._claude_code) >= _BATCH:
            self._flush_claude_code()

    def meta(self, key: str, value: str) -> None:
        """Record one metadata value."""
        self.conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def _flush_events(self) -> None:
        self.conn.executemany("INSERT INTO events VALUES (?, ?, ?, ?, ?)", self._events)
        self._events.clear()

    def _flush_usage(self) -> None:
        self.conn.executemany("INSERT INTO usage VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", self._usage)
        self._usage.clear()

    def _flush_claude_code(self) -> None:
        self.conn.executemany("INSERT INTO claude_code VALUES "
                              "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                              self._claude_code)
        self._claude_code.clear()

    def finish(self) -> sqlite3.Connection:
        """Flush and index; return the still-open connection (for in-memory scenarios)."""
        self._flush_events()
        self._flush_usage()
        self._flush_claude_code()
        self.meta("events", str(self.seq))
        self.conn.executescript(INDEXES)
        self.conn.commit()
        return self.conn

    def close(self) -> None:
        """Flush, index and close."""
        self.finish().close()


class EventReader:
    """Read-side queries over an events file (or an in-memory copy); thread-safe by caller."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.type_names: dict[int, str] = dict(conn.execute("SELECT code, name FROM types"))
        self.type_codes = {v: k for k, v in self.type_names.items()}
        row = conn.execute("SELECT max(seq) FROM events").fetchone()
        self.max_seq: int = row[0] or 0

    @classmethod
    def open(cls, path: Path) -> EventReader:
        """Open a generated file read-only."""
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        return cls(conn)

    def ts_of(self, seq: int) -> int:
        """The offset of activity ``seq``."""
        row = self.conn.execute("SELECT ts FROM events WHERE seq = ?", (seq,)).fetchone()
        return int(row[0])

    def first_seq_at_or_after(self, ts: int) -> int:
        """The smallest seq whose ts >= ``ts`` (``max_seq + 1`` when none)."""
        lo, hi = 1, self.max_seq + 1
        while lo < hi:
            mid = (lo + hi) // 2
            if self.ts_of(mid) >= ts:
                hi = mid
            else:
                lo = mid + 1
        return lo

    def select(self, lo: int, hi: int, types: Iterable[int] | None,
               actors: Iterable[int] | None, descending: bool,
               limit: int) -> list[tuple[int, int, int, int, str | None]]:
        """Rows with lo <= seq <= hi matching the filters, in seq order, at most ``limit``."""
        type_list = None if types is None else json.dumps(list(types))
        actor_list = None if actors is None else json.dumps(list(actors))
        return list(self.conn.execute(
            _SELECT_DESC if descending else _SELECT_ASC,
            (lo, hi, type_list, type_list, actor_list, actor_list, limit)))

    def usage_rows(self, first_day: int, last_day: int) -> list[tuple[int, ...]]:
        """Usage rows with first_day <= day <= last_day."""
        return list(self.conn.execute(
            _SELECT_USAGE, (first_day, last_day)))

    def claude_code_rows(self, day: int, offset: int, limit: int) -> list[tuple[int, ...]]:
        """Claude Code rows of one day, in a stable order."""
        return list(self.conn.execute(
            _SELECT_CLAUDE_CODE, (day, limit, offset)))
