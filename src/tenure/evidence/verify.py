"""Recompute the ledger chain, the Merkle roots and the checkpoint signatures.

The verifier is fed entries one at a time in ``seq`` order and keeps bounded state (the
previous hash, a window of recent hashes to explain reorderings, an O(log n) Merkle stack), so
it verifies a ledger of any size in constant memory. Every entry is judged on its own and the
chain re-synchronises after a break, so one edit does not hide later ones.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from tenure.evidence import merkle
from tenure.evidence.checkpoint import Checkpoint
from tenure.evidence.checkpoint import signature_problem as checkpoint_problem
from tenure.evidence.keys import PublicKey
from tenure.evidence.ledger import GENESIS_HASH, LedgerEntry, entry_hash, sha256_hex
from tenure.evidence.rawpages import RawPagesResult
from tenure.evidence.sealing import (
    HeadRecord,
    append_message,
    head_message,
    parse_signature,
    signature_problem,
)

_RECENT_WINDOW = 65_536  # hashes remembered to tell "reordered" from "inserted"
MAX_LISTED = 200  # issues kept for the report; the count stays exact


class Problem(StrEnum):
    """Why an entry or a checkpoint failed."""

    CHANGED = "changed"
    DELETED = "deleted"
    REORDERED = "reordered"
    INSERTED = "inserted"
    TRUNCATED = "truncated"
    BAD_SIGNATURE = "bad signature"
    UNKNOWN_KEY = "unknown key"
    CHECKPOINT_MISMATCH = "checkpoint mismatch"
    BACKDATED = "dated before its predecessor"
    UNSIGNED = "not written through the ledger API"


@dataclass(frozen=True, slots=True)
class Issue:
    """One failure, naming the entry (``seq``) or checkpoint it concerns."""

    problem: Problem
    detail: str
    seq: int | None = None
    checkpoint: str | None = None

    def line(self) -> str:
        """One report line."""
        where = f"entry {self.seq}" if self.seq is not None else f"checkpoint {self.checkpoint}"
        return f"INVALID: {where}: {self.problem}: {self.detail}"


@dataclass(frozen=True, slots=True)
class Gap:
    """A run of sequence numbers that should exist and do not."""

    first: int
    last: int
    reason: str

    def line(self) -> str:
        """One report line (CloudTrail style)."""
        span = f"entry {self.first}" if self.first == self.last else (
            f"entries {self.first}..{self.last}")
        return f"GAP: {span} missing ({self.reason})"


@dataclass(frozen=True, slots=True)
class CheckpointResult:
    """The outcome for one checkpoint."""

    label: str
    tree_size: int
    key_id: str
    ts: datetime
    problem: str | None


@dataclass
class VerifyReport:
    """Everything the verifier found."""

    first_seq: int | None = None
    last_seq: int | None = None
    first_ts: datetime | None = None
    last_ts: datetime | None = None
    total: int = 0
    valid: int = 0
    issues: list[Issue] = field(default_factory=list)
    issue_count: int = 0
    gaps: list[Gap] = field(default_factory=list)
    checkpoints: list[CheckpointResult] = field(default_factory=list)
    merkle_root: str = merkle.EMPTY_ROOT.hex()
    head_hash: str = GENESIS_HASH
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    unsigned_tail: int = 0  # entries after the newest valid checkpoint
    table_problems: list[str] = field(default_factory=list)  # tables vs the ledger
    raw_pages: RawPagesResult | None = None

    @property
    def ok(self) -> bool:
        """True when every entry and checkpoint verified and nothing is missing."""
        return self.issue_count == 0 and not self.gaps and not self.table_problems and all(
            c.problem is None for c in self.checkpoints) and (
            self.raw_pages is None or self.raw_pages.ok)

    @property
    def first_broken(self) -> Issue | None:
        """The failure with the lowest entry seq (checkpoint-only failures last)."""
        with_seq = [i for i in self.issues if i.seq is not None]
        if with_seq:
            return min(with_seq, key=lambda i: i.seq or 0)
        return self.issues[0] if self.issues else None

    def lines(self) -> list[str]:
        """The CloudTrail-style text report."""
        out: list[str] = []
        if self.total:
            out.append(f"Validating ledger entries {self.first_seq}..{self.last_seq} "
                       f"({_iso(self.first_ts)} to {_iso(self.last_ts)})")
        else:
            out.append("Validating ledger: no entries")
        out.append(f"{self.valid}/{self.total} entries valid")
        good = sum(1 for c in self.checkpoints if c.problem is None)
        out.append(f"{good}/{len(self.checkpoints)} checkpoints valid")
        for cp in self.checkpoints:
            state = "valid" if cp.problem is None else f"INVALID: {cp.problem}"
            out.append(f"  checkpoint {cp.label}: {cp.tree_size} entries, key {cp.key_id}, "
                       f"{_iso(cp.ts)}: {state}")
        out.extend(g.line() for g in self.gaps)
        out.extend(i.line() for i in self.issues)
        if self.issue_count > len(self.issues):
            out.append(f"… and {self.issue_count - len(self.issues)} more invalid entries")
        out.extend(f"INVALID: table disagrees with the ledger: {p}"
                   for p in self.table_problems)
        if self.raw_pages is not None:
            out.extend(self.raw_pages.lines())
        out.extend(f"WARNING: {w}" for w in self.warnings)
        out.extend(f"NOTE: {n}" for n in self.notes)
        first = self.first_broken
        if first is not None:
            where = f"seq {first.seq}" if first.seq is not None else (
                f"checkpoint {first.checkpoint}")
            out.append(f"First broken entry: {where} ({first.problem}): {first.detail}")
        out.append("Result: " + ("VALID" if self.ok else "FAILED")
                   + (f" with {len(self.warnings)} warning(s)" if self.ok and self.warnings
                      else ""))
        return out


def _iso(ts: datetime | None) -> str:
    return ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if ts else "?"


def _iso_us(ts: datetime) -> str:
    return ts.astimezone(UTC).isoformat(timespec="microseconds")


def leaf_of(hash_hex: str) -> bytes:
    """The Merkle leaf of a stored entry hash (even a corrupted one, so sizes line up)."""
    try:
        return merkle.leaf_hash(hash_hex)
    except ValueError:
        return hashlib.sha256(b"\x00" + hash_hex.encode("utf-8", "replace")).digest()


class Verifier:
    """Feed entries in seq order with :meth:`add`, then call :meth:`finish`.

    ``start_seq``/``start_prev`` let a slice (an exported period) be checked on its own:
    ``start_prev=None`` skips the first entry's back-link, which lies outside the slice.
    ``checkpoints`` are (label, checkpoint) pairs checked against the recomputed Merkle root
    when the stream reaches their size; only for full ledgers (``start_seq == 1``).
    """

    def __init__(
        self, *, trusted: dict[str, PublicKey] | None = None,
        checkpoints: Sequence[tuple[str, Checkpoint]] = (), start_seq: int = 1,
        start_prev: str | None = GENESIS_HASH, head: tuple[str, HeadRecord] | None = None,
    ) -> None:
        self.report = VerifyReport()
        self._trusted = trusted or {}
        self._signed_seen = False  # a validly signed append was seen (signatures are in use)
        self._before_signed = 0  # the last unsigned entry before the first signed append
        self._open_run: list[int] | None = None  # entries [first, last] no append signed yet
        self._unsigned_runs: list[tuple[int, int]] = []  # in no signed append, after that
        self._head = head
        self._head_seen = False
        if head is not None:
            label, record = head
            problem = signature_problem(record.signature, head_message(
                record.seq, record.entry_hash, record.ts), self._trusted)
            if problem is not None:
                self._issue(Issue(Problem.BAD_SIGNATURE, f"ledger head record {label}: "
                                  f"{problem}", checkpoint=label))
                self._head = None
        self._expected = start_seq
        self._prev: str | None = start_prev
        self._recent: OrderedDict[str, int] = OrderedDict()
        self._prev_ts: datetime | None = None
        self._tree = merkle.CompactTree() if start_seq == 1 else None
        self._pending = sorted(checkpoints, key=lambda c: c[1].tree_size)
        for label, cp in self._pending:
            problem = checkpoint_problem(cp, self._trusted)
            if problem is not None:
                kind = Problem.UNKNOWN_KEY if problem.startswith("unknown key") else (
                    Problem.BAD_SIGNATURE)
                self._checkpoint_failed(label, cp, kind, problem)
        self._results: dict[str, str | None] = {}

    def _issue(self, issue: Issue) -> None:
        self.report.issue_count += 1
        if len(self.report.issues) < MAX_LISTED:
            self.report.issues.append(issue)

    def _checkpoint_failed(self, label: str, cp: Checkpoint, kind: Problem, why: str) -> None:
        self._issue(Issue(kind, why, checkpoint=label))
        self.report.checkpoints.append(
            CheckpointResult(label, cp.tree_size, cp.key_id, cp.ts, f"{kind}: {why}"))

    def add(self, e: LedgerEntry) -> None:
        """Judge one entry."""
        rep = self.report
        if rep.total == 0:
            rep.first_seq, rep.first_ts = e.seq, e.ts
        rep.total += 1
        rep.last_seq, rep.last_ts = e.seq, e.ts
        reasons: list[tuple[Problem, str]] = []
        if e.seq > self._expected:
            rep.gaps.append(Gap(self._expected, e.seq - 1,
                                f"seq jumps from {self._expected - 1} to {e.seq}"))
            reasons.append((Problem.DELETED, f"entries {self._expected}..{e.seq - 1} before "
                            "it are missing" if e.seq - 1 > self._expected else
                            f"entry {self._expected} before it is missing"))
        elif e.seq < self._expected:
            reasons.append((Problem.REORDERED, f"seq {e.seq} appears after seq "
                            f"{self._expected - 1}"))
        payload_ok = sha256_hex(e.payload) == e.payload_hash
        if not payload_ok:
            reasons.append((Problem.CHANGED, "payload does not match its payload_hash"))
        recomputed = entry_hash(seq=e.seq, ts=e.ts, actor=e.actor, kind=e.kind,
                                subject=e.subject, payload_hash=e.payload_hash,
                                prev_hash=e.prev_hash)
        self_ok = recomputed == e.entry_hash
        if not self_ok:
            reasons.append((Problem.CHANGED, "seq/ts/actor/kind/subject/payload_hash/prev_hash "
                            "do not match its entry_hash"))
        deleted = any(p is Problem.DELETED for p, _ in reasons)
        if self._prev is not None and e.prev_hash != self._prev and not deleted:
            earlier = self._recent.get(e.prev_hash)
            if earlier is not None:
                reasons.append((Problem.REORDERED, f"it chains to entry {earlier}, not to "
                                "the entry before it (moved, or an entry was inserted "
                                "before it)"))
            elif self_ok:
                reasons.append((Problem.INSERTED, "prev_hash matches no earlier entry: an "
                                "entry before it was inserted, replaced or deleted"))
            else:
                reasons.append((Problem.CHANGED, "prev_hash does not link to the entry "
                                "before it"))
        self._track_signature(e, reasons)
        if self._head is not None and e.seq == self._head[1].seq:
            self._head_seen = True
            if e.entry_hash != self._head[1].entry_hash:
                reasons.append((Problem.CHANGED, f"its hash differs from the one the signed "
                                f"ledger head record {self._head[0]} names"))
        if self._prev_ts is not None and e.ts < self._prev_ts:
            # the ledger stamps the wall clock and never goes back: a time travel here is an
            # entry written with a chosen date (or a chain rebuilt around one)
            reasons.append((Problem.BACKDATED, f"dated {_iso_us(e.ts)}, before the entry "
                            f"before it ({_iso_us(self._prev_ts)})"))
        if reasons:
            problem = reasons[0][0]
            self._issue(Issue(problem, "; ".join(r for _, r in reasons), seq=e.seq))
        else:
            rep.valid += 1
        self._prev = e.entry_hash
        self._prev_ts = e.ts if self._prev_ts is None else max(self._prev_ts, e.ts)
        self._expected = max(self._expected, e.seq) + 1
        self._recent[e.entry_hash] = e.seq
        if len(self._recent) > _RECENT_WINDOW:
            self._recent.popitem(last=False)
        rep.head_hash = e.entry_hash
        if self._tree is not None:
            self._tree.add(leaf_of(e.entry_hash))
            while self._pending and self._pending[0][1].tree_size <= self._tree.size:
                label, cp = self._pending.pop(0)
                self._check_at_size(label, cp, e)

    def _track_signature(self, e: LedgerEntry, reasons: list[tuple[Problem, str]]) -> None:
        """Which entries a valid append signature covers (the rest end up unsigned)."""
        run = self._open_run
        self._open_run = [run[0] if run else e.seq, e.seq]
        if e.signature is None:
            return
        parsed = parse_signature(e.signature)
        if parsed is None or parsed[0] > e.seq:
            reasons.append((Problem.BAD_SIGNATURE, "entry signature is malformed"))
            return
        first, text = parsed
        if self._trusted:
            problem = signature_problem(text, append_message(first, e.seq, e.entry_hash),
                                        self._trusted)
            if problem is not None:
                reasons.append((Problem.BAD_SIGNATURE, f"append signature: {problem}"))
                return
        # entries first..e.seq are this append's; anything before first in the open run is not
        start = self._open_run[0]
        if start < first:
            if self._signed_seen:
                self._unsigned_runs.append((start, first - 1))
            else:
                self._before_signed = first - 1
        self._open_run = None
        self._signed_seen = True

    def _check_at_size(self, label: str, cp: Checkpoint, last: LedgerEntry | None) -> None:
        if any(c.label == label for c in self.report.checkpoints):
            return  # already failed on its signature
        assert self._tree is not None
        root = self._tree.root().hex()
        head = last.entry_hash if last is not None else GENESIS_HASH
        if root != cp.merkle_root or head != cp.head_hash:
            what = "Merkle root" if root != cp.merkle_root else "head hash"
            seq = last.seq if last is not None else None
            self._checkpoint_failed(label, cp, Problem.CHECKPOINT_MISMATCH,
                                    f"recomputed {what} of the first {cp.tree_size} entries "
                                    f"(through seq {seq}) differs from the signed one")
            return
        self.report.checkpoints.append(
            CheckpointResult(label, cp.tree_size, cp.key_id, cp.ts, None))

    def finish(self) -> VerifyReport:
        """Close the stream: checkpoints larger than the ledger mean it was truncated."""
        rep = self.report
        if self._tree is not None:
            while self._pending and self._pending[0][1].tree_size == 0:
                label, cp = self._pending.pop(0)
                self._check_at_size(label, cp, None)
            for label, cp in self._pending:
                if any(c.label == label for c in rep.checkpoints):
                    continue
                have = self._tree.size
                first_missing = (rep.last_seq or 0) + 1
                rep.gaps.append(Gap(first_missing, first_missing + cp.tree_size - have - 1,
                                    f"checkpoint {label} signed {cp.tree_size} entries; the "
                                    f"ledger has {have}"))
                self._checkpoint_failed(
                    label, cp, Problem.TRUNCATED,
                    f"signed {cp.tree_size} entries but the ledger has only {have}: entries "
                    f"after seq {rep.last_seq or 0} were deleted")
                self._issue(Issue(Problem.TRUNCATED, f"missing: checkpoint {label} signed "
                                  f"{cp.tree_size} entries, the ledger ends at {have}",
                                  seq=first_missing))
            self._pending = []
            rep.merkle_root = self._tree.root().hex()
            self._finish_coverage(rep, self._tree.size)
        return rep

    def _finish_coverage(self, rep: VerifyReport, size: int) -> None:
        """The unsigned tail, unsigned appends and the head record (full ledgers only)."""
        checkpointed = max((c.tree_size for c in rep.checkpoints if c.problem is None),
                           default=0)
        rep.unsigned_tail = max(size - checkpointed, 0)
        if rep.unsigned_tail:
            rep.warnings.append(
                f"unsigned tail: {rep.unsigned_tail} entr{'y' if rep.unsigned_tail == 1 else 'ies'}"
                f" after seq {checkpointed} {'is' if rep.unsigned_tail == 1 else 'are'} not yet "
                "covered by a signed checkpoint (`tenure evidence checkpoint`)")
        if self._open_run is not None:
            if self._signed_seen:
                self._unsigned_runs.append((self._open_run[0], self._open_run[1]))
            else:
                self._before_signed = self._open_run[1]
            self._open_run = None
        for first, last in self._unsigned_runs:
            if last <= checkpointed:
                continue  # a valid checkpoint signed over them
            first = max(first, checkpointed + 1)
            span = f"entry {first}" if first == last else f"entries {first}..{last}"
            self._issue(Issue(Problem.UNSIGNED, f"{span} carr{'ies' if first == last else 'y'}"
                              " no valid signature while the entries around are signed: not "
                              "appended through the ledger (written straight into the "
                              "database?)", seq=first))
        if self._signed_seen and not self._trusted:
            rep.warnings.append("entry signatures were not checked: no trusted key (configure "
                                "the signing key or pass --key)")
        if self._before_signed > checkpointed:
            rep.warnings.append(
                f"entries {checkpointed + 1}..{self._before_signed} are not signed (written "
                "before entry signatures, or without a configured signing key) and no signed "
                "checkpoint covers them")
        if self._head is not None and not self._head_seen:
            label, record = self._head
            missing = f"{size + 1}..{record.seq}" if record.seq > size + 1 else str(record.seq)
            rep.gaps.append(Gap(size + 1, record.seq, f"the signed ledger head record {label} "
                                f"names entry {record.seq}"))
            self._issue(Issue(Problem.TRUNCATED, f"the signed ledger head record {label} says "
                              f"the ledger reached entry {record.seq} at "
                              f"{_iso_us(record.ts)}; it ends at {size}: entries {missing} "
                              "were deleted (or the process died while committing them)",
                              seq=size + 1))


def verify_entries(
    entries: Iterable[LedgerEntry], *, trusted: dict[str, PublicKey] | None = None,
    checkpoints: Sequence[tuple[str, Checkpoint]] = (),
) -> VerifyReport:
    """Verify a whole ledger from its first entry."""
    verifier = Verifier(trusted=trusted, checkpoints=checkpoints)
    for entry in entries:
        verifier.add(entry)
    return verifier.finish()
