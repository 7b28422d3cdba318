"""Evidence use cases: keygen, verify, checkpoint, export and verify a package."""

from __future__ import annotations

import contextlib
import json
import logging
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, timedelta
from pathlib import Path

import sqlalchemy as sa

from tenure.clock import parse_instant
from tenure.errors import ConfigError, TenureError
from tenure.evidence import campaign, consistency, keys, ledger, merkle, rawpages, sealing
from tenure.evidence import checkpoint as cpmod
from tenure.evidence.checkpoint import Checkpoint
from tenure.evidence.keys import PublicKey, SigningKey
from tenure.evidence.ledgerslice import LedgerSlice
from tenure.evidence.package import (
    CHECKPOINT,
    PROOFS,
    FileSection,
    PackageSpec,
    Section,
    write_package,
)
from tenure.evidence.period import Period, period_sections
from tenure.evidence.sealing import HeadRecord
from tenure.evidence.verify import Verifier, VerifyReport, leaf_of
from tenure.evidence.verify_package import (
    PROOF_FORMAT,
    PackageReport,
    consistent_with,
    verify_package,
)
from tenure.services.context import App
from tenure.store import schema


class EvidenceError(TenureError):
    """The ledger or a package cannot be used as asked (broken chain, missing feature…)."""


@dataclass(frozen=True, slots=True)
class ExportResult:
    """What an export wrote."""

    path: Path
    entries: int
    files: int
    checkpoint: Checkpoint
    export_seq: int


def parse_period(text: str) -> Period:
    """``FROM..TO``: dates or ISO times; a bare TO date includes that whole day."""
    if ".." not in text:
        raise ValueError("expected FROM..TO, e.g. 2026-07-01..2026-09-30")
    left, right = (p.strip() for p in text.split("..", 1))
    start = parse_instant(left)
    end = parse_instant(right)
    if len(right) == 10:
        end += timedelta(days=1)
    if end <= start:
        raise ValueError("the period ends before it starts")
    return Period(start, end, f"{left}..{right}")


def keygen(path: Path) -> PublicKey:
    """Create a signing key file (0600); refuses to overwrite an existing one."""
    if path.exists():
        raise EvidenceError(f"{path}: already exists; refusing to overwrite a signing key")
    key = keys.generate()
    keys.write_private_key(key, path)
    return key.public


def signing_key(app: App) -> SigningKey:
    """The configured signing key (a ConfigError saying how to configure one when absent)."""
    cfg = app.settings.evidence
    return keys.load_signing_key(key_file=cfg.signing_key_file, key_env=cfg.signing_key_env)


def read_public_key(path: Path) -> PublicKey:
    """A public key from a file: PEM, base64 raw, or a private key file (its public half)."""
    try:
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise EvidenceError(f"{path}: cannot read a public key: {exc}") from None
    if "PRIVATE KEY" in text:
        return keys.parse_private_key(text.encode("ascii"), str(path)).public
    try:
        return PublicKey.from_b64(text)
    except ValueError as exc:
        raise EvidenceError(f"{path}: not an Ed25519 public key: {exc}") from None


def trusted_keys(app: App, extra: Sequence[PublicKey] = ()) -> dict[str, PublicKey]:
    """Keys a checkpoint may be signed by: the signing key, configured ones, and ``extra``."""
    found: list[PublicKey] = list(extra)
    for i, text in enumerate(app.settings.evidence.trusted_public_keys):
        try:
            found.append(PublicKey.from_b64(text))
        except ValueError as exc:
            raise ConfigError(f"not an Ed25519 public key: {exc}",
                              field=f"evidence.trusted_public_keys[{i}]") from None
    cfg = app.settings.evidence
    if cfg.signing_key_file is not None or cfg.signing_key_env:
        # an auditor verifying without the private key passes --key instead
        with contextlib.suppress(ConfigError):
            found.append(signing_key(app).public)
    return keys.trusted_set(found)


def _verify_pass(conn: sa.Connection, trusted: dict[str, PublicKey],
                 checkpoints: Sequence[tuple[str, Checkpoint]],
                 recorded: rawpages.RecordedPages | None = None,
                 head: tuple[str, HeadRecord] | None = None) -> VerifyReport:
    verifier = Verifier(trusted=trusted, checkpoints=checkpoints, head=head)
    for entry in ledger.iter_entries(conn):
        verifier.add(entry)
        if recorded is not None:
            recorded.add(entry)
    return verifier.finish()


def verify_ledger(app: App, *, checkpoint_files: Sequence[Path] = (),
                  extra_keys: Sequence[PublicKey] = (),
                  raw_pages: bool = False) -> VerifyReport:
    """Recompute the whole chain, the Merkle roots and every checkpoint signature; with
    ``raw_pages`` also re-hash every stored vendor page against its ledger entry."""
    listed: list[tuple[str, Checkpoint]] = []
    for path in checkpoint_files:
        try:
            listed.append((str(path), cpmod.read_file(path)))
        except ValueError as exc:
            raise EvidenceError(str(exc)) from None
    trusted = trusted_keys(app, extra_keys)
    recorded = rawpages.RecordedPages() if raw_pages else None
    head = head_record(app)
    with app.engine.connect() as conn:
        stored = [(f"#{i + 1} (stored, {c.tree_size} entries)", c)
                  for i, c in enumerate(cpmod.load_all(conn))]
        report = _verify_pass(conn, trusted, stored + listed, recorded=recorded, head=head)
        report.table_problems = consistency.table_problems(conn)
        if recorded is not None:
            report.raw_pages = rawpages.check_raw_pages(conn, recorded)
    return report


def head_record(app: App) -> tuple[str, HeadRecord] | None:
    """The ledger's signed head record on this host, labelled by its path (None: none yet)."""
    path = app.settings.evidence.head_path
    if path is None:
        return None
    try:
        record = sealing.read_head(path)
    except ValueError as exc:
        raise EvidenceError(str(exc)) from None
    return None if record is None else (str(path), record)


class _HeadSigner:
    """Verifies the ledger incrementally, then signs its head.

    Most of the ledger is verified before the append lock is taken (``feed`` on a plain
    connection); inside the locked transaction only the entries added since are fed, so an
    export or checkpoint blocks other writers for the tail, not for the whole ledger.
    """

    def __init__(self, app: App, key: SigningKey, conn: sa.Connection) -> None:
        self.app, self.key = app, key
        stored = [(f"#{i + 1}", c) for i, c in enumerate(cpmod.load_all(conn))]
        self.verifier = Verifier(trusted=trusted_keys(app, [key.public]), checkpoints=stored)
        self.leaves: list[bytes] = []
        self.last_seq = 0

    def feed(self, conn: sa.Connection) -> None:
        """Verify the entries after the last one seen."""
        for entry in ledger.iter_entries(conn, after_seq=self.last_seq):
            self.verifier.add(entry)
            self.leaves.append(leaf_of(entry.entry_hash))
            self.last_seq = entry.seq

    def sign(self, conn: sa.Connection) -> Checkpoint:
        """Verify the rest, refuse a broken ledger, sign and store the checkpoint."""
        self.feed(conn)
        report = self.verifier.finish()
        if not report.ok:
            first = report.first_broken
            why = f": first broken {first.line()}" if first else ""
            raise EvidenceError("the ledger does not verify; refusing to sign a checkpoint "
                                f"over it (run `tenure evidence verify`){why}")
        cp = cpmod.sign(self.key, tree_size=report.total, head_hash=report.head_hash,
                        merkle_root=report.merkle_root, ts=self.app.wall())
        cpmod.store(conn, cp)
        return cp


def _prepare(app: App, key: SigningKey) -> _HeadSigner:
    with app.engine.connect() as conn:
        signer = _HeadSigner(app, key, conn)
        signer.feed(conn)
    return signer


def create_checkpoint(app: App, *, out: Path | None = None) -> Checkpoint:
    """Verify the ledger, sign its head and Merkle root, store it and optionally export it."""
    key = signing_key(app)
    signer = _prepare(app, key)
    with app.engine.begin() as conn:
        if conn.dialect.name == "postgresql":  # no append may slip between verify and sign
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:id)"),
                         {"id": ledger._ADVISORY_LOCK_ID})
        cp = signer.sign(conn)
    if out is not None:
        cpmod.write_file(cp, out)
    return cp


def auto_checkpoint(app: App) -> Checkpoint | None:
    """Cut a checkpoint when a signing key is configured and the ledger grew since the newest
    one (after a sync, an apply, a campaign close, and on a timer in ``tenure serve``).

    The work that triggered it is already committed: a ledger that does not verify is logged
    as an error (``tenure evidence verify`` says why) rather than undoing that work.
    """
    if not app.settings.evidence.signing:
        return None
    with app.engine.connect() as conn:
        size, _ = ledger.head(conn)
        signed = max((c.tree_size for c in cpmod.load_all(conn)), default=0)
    if size <= signed:
        return None
    try:
        return create_checkpoint(app)
    except (EvidenceError, ConfigError) as exc:
        logging.getLogger("tenure.evidence").error("automatic checkpoint not cut: %s", exc)
        return None


def _period_bounds(conn: sa.Connection, period: Period) -> tuple[int, int] | None:
    """The seq range from the first entry with ts >= start to the last with ts < end."""
    table = schema.ledger_entries
    bounds = conn.execute(sa.select(sa.func.min(table.c.seq), sa.func.max(table.c.seq)).where(
        table.c.ts >= period.start, table.c.ts < period.end)).first()
    if bounds is None or bounds[0] is None:
        return None
    return int(bounds[0]), int(bounds[1])


def entry_json(e: ledger.LedgerEntry) -> dict[str, object]:
    """Every field of an entry, with ``ts`` exactly as hashed."""
    return {"seq": e.seq, "ts": e.ts.isoformat(timespec="microseconds"), "actor": e.actor,
            "kind": e.kind, "subject": e.subject, "payload": e.payload,
            "payload_hash": e.payload_hash, "prev_hash": e.prev_hash, "entry_hash": e.entry_hash}


MAX_CONSISTENCY = 16


def _consistency(conn: sa.Connection, cp: Checkpoint,
                 leaves: list[bytes]) -> list[dict[str, object]]:
    """RFC 6962 consistency proofs from the newest earlier checkpoints to ``cp``: whoever kept
    an earlier package can check the ledger only grew since (nothing rewritten)."""
    earlier: dict[int, Checkpoint] = {}
    for old in cpmod.load_all(conn):
        if 0 < old.tree_size < cp.tree_size:
            earlier[old.tree_size] = old
    out: list[dict[str, object]] = []
    for size in sorted(earlier)[-MAX_CONSISTENCY:]:
        old = earlier[size]
        out.append({"old_checkpoint": old.to_json(), "path": [
            h.hex() for h in merkle.consistency_proof(leaves, size)]})
    return out


def _proof(role: str, entry_seq: int, entry_hash: str, leaves: list[bytes]) -> dict[str, object]:
    return {"role": role, "seq": entry_seq, "leaf_index": entry_seq - 1,
            "entry_hash": entry_hash,
            "path": [h.hex() for h in merkle.inclusion_proof(leaves, entry_seq - 1)]}


@dataclass(frozen=True, slots=True)
class _Scope:
    """What one export covers: how to name it, slice the ledger and build its sections."""

    kind: str
    label: str
    title: str
    scope: dict[str, str]
    payload: dict[str, object]
    bounds: Callable[[sa.Connection], tuple[int, int] | None]
    sections: Callable[[sa.Connection, LedgerSlice], list[Section]]
    period: Period | None = None


def _export(app: App, what: _Scope, out_dir: Path) -> ExportResult:
    """One transaction: the export's own ledger entry, a checkpoint over it, and the package
    (written to a temporary name, renamed once complete). A failure leaves none of them."""
    key = signing_key(app)
    now = app.wall()
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in what.label)
    name = f"tenure-evidence-{what.kind}-{safe}-{stamp}.zip"
    signer = _prepare(app, key)
    with app.engine.begin() as conn:
        # the package is built from the tables only where they say what the ledger says
        cid = what.payload.get("campaign_id") if what.kind == "campaign" else None
        problems = consistency.table_problems(conn, campaign_id=None if cid is None
                                              else str(cid))
        if problems:
            raise EvidenceError("refusing to export: the store's tables disagree with the "
                                "signed ledger (run `tenure evidence verify`): "
                                + "; ".join(problems[:5]))
        export_entry = ledger.append(conn, kind="evidence.export", actor=app.actor, now=now,
                                     subject=name, payload={
                                         "kind": what.kind, **what.payload, "package": name,
                                         "key_id": key.public.key_id})
        cp = signer.sign(conn)
        leaves = signer.leaves
        entries = LedgerSlice.between(conn, what.bounds(conn))
        first, last = entries.first, entries.last
        proofs = [_proof("export-entry", export_entry.seq, export_entry.entry_hash, leaves)]
        boundary: dict[str, dict[str, object] | None] = {"before": None, "after": None}
        if first is not None and last is not None:
            proofs.insert(0, _proof("slice-first", first.seq, first.entry_hash, leaves))
            proofs.insert(1, _proof("slice-last", last.seq, last.entry_hash, leaves))
        if first is not None and last is not None and what.period is not None:
            # the neighbours outside the period prove the slice is complete: nothing in the
            # period was left out before its first or after its last entry
            for side, seq in (("before", first.seq - 1), ("after", last.seq + 1)):
                if 1 <= seq <= cp.tree_size:
                    (neighbour,) = ledger.iter_entries(conn, after_seq=seq - 1, through_seq=seq)
                    boundary[side] = entry_json(neighbour)
                    proofs.append(_proof(f"{side}-slice", seq, neighbour.entry_hash, leaves))
        proof_doc: dict[str, object] = {
            "format": PROOF_FORMAT, "tree_size": cp.tree_size, "merkle_root": cp.merkle_root,
            "proofs": proofs, "export_entry": entry_json(export_entry),
            "consistency": _consistency(conn, cp, leaves)}
        if what.period is not None:
            proof_doc["period"] = {"from": what.period.start.isoformat(),
                                   "to": what.period.end.isoformat()}
            proof_doc["boundary"] = boundary
        sections = [
            *what.sections(conn, entries),
            FileSection(CHECKPOINT, "Signed checkpoint",
                        (json.dumps(cp.to_json(), indent=2) + "\n").encode("utf-8")),
            FileSection(PROOFS, "Inclusion proofs",
                        (json.dumps(proof_doc, indent=1) + "\n").encode("utf-8")),
        ]
        spec = PackageSpec(
            kind=what.kind, title=what.title, scope=what.scope, created_at=now,
            sections=tuple(sections),
            checkpoint_summary={
                "Checkpoint tree size": str(cp.tree_size), "Merkle root": cp.merkle_root,
                "Head hash": cp.head_hash, "Signed at": cp.ts.isoformat(),
                "Key id": cp.key_id, "Export ledger entry": str(export_entry.seq)})
        path = write_package(spec, key=key, out_dir=out_dir, name=name)
    return ExportResult(path, entries.count, len(spec.sections), cp, export_entry.seq)


def export_period(app: App, period: Period, out_dir: Path) -> ExportResult:
    """Write a period package: everything the ledger and the store say about FROM..TO."""
    return _export(app, _Scope(
        kind="period", label=period.label.replace("..", "_to_").replace(":", ""),
        title=f"Tenure evidence package: {period.label}",
        scope={"from": period.start.isoformat(), "to (exclusive)": period.end.isoformat()},
        payload={"from": period.start, "to": period.end},
        bounds=lambda conn: _period_bounds(conn, period),
        sections=lambda conn, entries: period_sections(conn, period, entries),
        period=period), out_dir)


def export_campaign(app: App, campaign_id: str, out_dir: Path) -> ExportResult:
    """Write a review campaign package: population at start, items with usage context,
    decisions, outcomes, the revocation plan and what was executed of it."""
    with app.engine.connect() as conn:
        ref = campaign.load_campaign(conn, campaign_id)

    return _export(app, _Scope(
        kind="campaign", label=ref.id, title=f"Tenure access review: {ref.name}",
        scope={"campaign": ref.id, "name": ref.name, "status": ref.status,
               "population as of": ref.as_of.isoformat()},
        payload={"campaign_id": ref.id},
        bounds=lambda conn: campaign.slice_bounds(conn, ref),
        sections=lambda conn, slice_: campaign.campaign_sections(conn, ref, slice_)), out_dir)


def check_package(path: Path, key_files: Sequence[Path] = (),
                  previous: Path | None = None) -> PackageReport:
    """Verify a package offline; ``key_files`` pin the signer when given; ``previous`` (an
    earlier package or checkpoint file) must be proven a prefix of this package's ledger."""
    trusted = keys.trusted_set(read_public_key(p) for p in key_files) if key_files else None
    report = verify_package(path, trusted)
    if previous is not None:
        consistent_with(path, read_checkpoint(previous), report)
    return report


def read_checkpoint(path: Path) -> Checkpoint:
    """A checkpoint from an exported checkpoint file or from a package's ledger/checkpoint.json."""
    if zipfile.is_zipfile(path):
        try:
            with zipfile.ZipFile(path) as archive:
                return Checkpoint.from_json(json.loads(archive.read(CHECKPOINT)))
        except (KeyError, ValueError) as exc:
            raise EvidenceError(f"{path}: no readable {CHECKPOINT}: {exc}") from None
    try:
        return cpmod.read_file(path)
    except ValueError as exc:
        raise EvidenceError(str(exc)) from None
