"""Check an audit package offline: what an external auditor runs, needing only Tenure.

Order of checks: the zip is sane; the manifest's signature is valid for its key (and the key
is one the auditor trusts, when they say which); every file matches its manifest hash and
nothing unlisted was added; the checkpoint is signed by the same key; the ledger slice
re-chains; and the inclusion proofs lead from the slice's ends (and the export's own entry) to
the signed Merkle root. Every failure names the file and the reason.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tenure.evidence import merkle
from tenure.evidence.checkpoint import Checkpoint, signature_problem
from tenure.evidence.keys import PublicKey
from tenure.evidence.ledger import LedgerEntry, entry_hash, sha256_hex
from tenure.evidence.package import (
    CHECKPOINT,
    ENTRIES,
    MANIFEST,
    PROOFS,
    PUBLIC_KEY,
    SIGNATURE,
    listed_files,
    manifest_key,
)
from tenure.evidence.verify import Verifier

MAX_MEMBERS = 10_000
MAX_UNCOMPRESSED = 4 << 30  # refuse zip bombs before reading
PROOF_FORMAT = "tenure-inclusion-proofs-v1"


@dataclass(frozen=True, slots=True)
class PackageProblem:
    """One reason the package fails, and the file it concerns."""

    file: str
    reason: str

    def line(self) -> str:
        """One report line."""
        return f"FAILED: {self.file}: {self.reason}"


@dataclass
class PackageReport:
    """The outcome of verifying a package."""

    path: str
    problems: list[PackageProblem] = field(default_factory=list)
    info: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing failed."""
        return not self.problems

    def fail(self, file: str, reason: str) -> None:
        """Record a failure."""
        self.problems.append(PackageProblem(file, reason))

    def lines(self) -> list[str]:
        """The text report."""
        out = [f"Verifying package {self.path}", *self.info]
        out += [p.line() for p in self.problems]
        out.append("Result: " + ("VALID" if self.ok else "FAILED"))
        return out


def _entry(data: Any) -> LedgerEntry:
    if not isinstance(data, dict):
        raise ValueError("entry is not an object")
    ts = datetime.fromisoformat(str(data["ts"]))
    if ts.tzinfo is None:
        raise ValueError("entry ts has no time zone")
    return LedgerEntry(int(data["seq"]), ts.astimezone(UTC), str(data["actor"]),
                       str(data["kind"]), None if data.get("subject") in (None, "") else
                       str(data["subject"]), str(data["payload"]), str(data["payload_hash"]),
                       str(data["prev_hash"]), str(data["entry_hash"]))


def _json(archive: zipfile.ZipFile, name: str, report: PackageReport) -> Any:
    try:
        return json.loads(archive.read(name).decode("utf-8"))
    except KeyError:
        report.fail(name, "missing from the package")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        report.fail(name, f"not valid JSON: {exc}")
    return None


def verify_package(path: Path, trusted: dict[str, PublicKey] | None = None) -> PackageReport:
    """Verify the package at ``path``; ``trusted`` keys (by id) pin the signer when given."""
    report = PackageReport(str(path))
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        report.fail(path.name, f"not a readable zip file: {exc}")
        return report
    with archive:
        try:
            _verify(archive, report, trusted)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
            # A damaged member (bad CRC, broken deflate stream, truncated file) makes the
            # package invalid; it is a finding of the verification, not a crash.
            report.fail(path.name, f"corrupt zip file: {type(exc).__name__}: {exc}")
    return report


def _verify(archive: zipfile.ZipFile, report: PackageReport,
            trusted: dict[str, PublicKey] | None) -> None:
    infos = archive.infolist()
    names = [i.filename for i in infos]
    if len(infos) > MAX_MEMBERS or sum(i.file_size for i in infos) > MAX_UNCOMPRESSED:
        report.fail("(zip)", "too many or too large members; refusing to unpack")
        return
    if len(set(names)) != len(names):
        report.fail("(zip)", "duplicate file names (an added file could shadow a signed one)")
        return
    manifest_bytes = archive.read(MANIFEST) if MANIFEST in names else None
    if manifest_bytes is None:
        report.fail(MANIFEST, "missing from the package")
        return
    try:
        manifest = json.loads(manifest_bytes.decode("utf-8"))
        key = manifest_key(manifest)
        files = listed_files(manifest)
    except (UnicodeDecodeError, json.JSONDecodeError, ValueError) as exc:
        report.fail(MANIFEST, f"unreadable: {exc}")
        return
    report.info.append(f"Scope: {manifest.get('kind')} {manifest.get('scope')}; "
                       f"created {manifest.get('created_at')}; signing key {key.key_id}")
    if trusted is not None and key.key_id not in trusted:
        report.fail(MANIFEST, f"signed by unknown key {key.key_id} (trusted: "
                    f"{', '.join(sorted(trusted)) or 'none'})")
    elif trusted is None:
        report.info.append(f"NOTE: no trusted key given; compare key id {key.key_id} with the "
                           "one your organisation published (--key FILE pins it)")
    if SIGNATURE not in names:
        report.fail(SIGNATURE, "missing from the package")
    else:
        try:
            signature = base64.b64decode(archive.read(SIGNATURE).strip(), validate=True)
        except ValueError:
            signature = b""
        if not key.verify(signature, manifest_bytes):
            report.fail(SIGNATURE, "the manifest signature is not valid for key "
                        f"{key.key_id} (manifest.json was changed or the signature forged)")
    _check_files(archive, report, names, files)
    if PUBLIC_KEY in names:
        try:
            if PublicKey.from_b64(archive.read(PUBLIC_KEY).decode("ascii")) != key:
                report.fail(PUBLIC_KEY, "differs from the key named in the manifest")
        except (ValueError, UnicodeDecodeError) as exc:
            report.fail(PUBLIC_KEY, f"unreadable: {exc}")
    entries = _check_ledger(archive, report, key, str(manifest.get("kind")))
    if manifest.get("kind") == "campaign" and entries is not None:
        _check_campaign(archive, report, entries)


def _check_campaign(archive: zipfile.ZipFile, report: PackageReport,
                    entries: list[LedgerEntry]) -> None:
    """Recompute the population, snapshot, decision and plan hashes from the data files."""
    from tenure.evidence.campaign import CAMPAIGN, DECISIONS, PLAN, POPULATION, check_population

    population = _json(archive, f"{POPULATION}.json", report)
    campaign = _json(archive, f"{CAMPAIGN}.json", report)
    plan = _json(archive, f"{PLAN}.json", report)
    decisions = _json(archive, f"{DECISIONS}.json", report)
    if not (isinstance(population, list) and isinstance(campaign, list) and campaign
            and isinstance(plan, list) and isinstance(decisions, list)):
        report.fail(f"{CAMPAIGN}.json", "campaign data files are missing or malformed")
        return
    created = next((e for e in entries if e.kind == "campaign.created"
                    and e.subject == campaign[0].get("id")), None)
    payload = json.loads(created.payload) if created is not None else None
    problems = check_population(population, campaign[0], plan, decisions, payload)
    for file, reason in problems:
        report.fail(file, reason)
    if not problems:
        report.info.append(f"Population: {len(population)} items; every snapshot hash, the "
                           "population hash (also in the campaign.created ledger entry), the "
                           f"plan hash and {len(decisions)} decisions' snapshot hashes "
                           "recompute")
    _check_revocations(archive, report, entries)


def _check_revocations(archive: zipfile.ZipFile, report: PackageReport,
                       entries: list[LedgerEntry]) -> None:
    """Every verification the revocations table claims is an ``action.verified`` ledger
    entry in the signed slice, with the same result."""
    name = "data/revocations.json"
    if name not in archive.namelist():
        return  # packages from before revocations were exported
    rows = _json(archive, name, report)
    if not isinstance(rows, list):
        report.fail(name, "not a list of rows")
        return
    on_ledger: dict[str, bool] = {}
    for e in entries:
        if e.kind == "action.verified" and e.subject:
            try:
                on_ledger[e.subject] = bool(json.loads(e.payload).get("verified"))
            except (json.JSONDecodeError, AttributeError):
                continue
    claimed = 0
    for row in rows:
        if not isinstance(row, dict) or row.get("verified") is None:
            continue
        claimed += 1
        step = f"{row.get('plan_id')}#{row.get('step_index')}"
        if step not in on_ledger:
            report.fail(name, f"step {step} claims verified={row.get('verified')} but no "
                        "action.verified ledger entry records it")
        elif on_ledger[step] != row.get("verified"):
            report.fail(name, f"step {step} claims verified={row.get('verified')} but the "
                        f"ledger recorded verified={on_ledger[step]}")
    if claimed:
        report.info.append(f"Revocations: {claimed} verification results match their "
                           "action.verified ledger entries")


def _check_files(archive: zipfile.ZipFile, report: PackageReport, names: list[str],
                 files: list[Any]) -> None:
    listed = {f.path for f in files}
    for name in names:
        if name not in listed and name not in (MANIFEST, SIGNATURE):
            report.fail(name, "not listed in the manifest (added after export)")
    for item in files:
        if item.path not in names:
            report.fail(item.path, "listed in the manifest but missing from the package")
            continue
        digest = hashlib.sha256()
        size = 0
        with archive.open(item.path) as handle:
            for chunk in iter(lambda h=handle: h.read(1 << 20), b""):  # type: ignore[misc]
                digest.update(chunk)
                size += len(chunk)
        if digest.hexdigest() != item.sha256:
            report.fail(item.path, f"SHA-256 {digest.hexdigest()} does not match the manifest "
                        f"({item.sha256}): the file was changed after export")
        elif size != item.size:
            report.fail(item.path, f"size {size} does not match the manifest ({item.size})")
    report.info.append(f"Files: {len(files)} listed, "
                       f"{len(files) - sum(1 for p in report.problems if p.file in listed)} "
                       "match their manifest hash")


def _check_ledger(archive: zipfile.ZipFile, report: PackageReport, key: PublicKey,
                  kind: str) -> list[LedgerEntry] | None:
    """Stream the slice through the verifier; returns its two ends plus every
    ``campaign.created`` entry (all a later check needs), or None when unreadable."""
    raw_cp = _json(archive, CHECKPOINT, report)
    raw_proofs = _json(archive, PROOFS, report)
    if raw_cp is None or raw_proofs is None:
        return None
    try:
        cp = Checkpoint.from_json(raw_cp)
    except ValueError as exc:
        report.fail(CHECKPOINT, str(exc))
        return None
    problem = signature_problem(cp, {key.key_id: key})
    if problem is not None:
        report.fail(CHECKPOINT, problem)
    name = f"{ENTRIES}.jsonl"
    if name not in archive.namelist():
        report.fail(name, "missing from the package")
        return None
    verifier: Verifier | None = None
    first: LedgerEntry | None = None
    last: LedgerEntry | None = None
    created: list[LedgerEntry] = []
    with archive.open(name) as raw:
        for number, line in enumerate(io.TextIOWrapper(raw, encoding="utf-8"), start=1):
            if not line.strip():
                continue
            try:
                e = _entry(json.loads(line))
            except (KeyError, TypeError, ValueError) as exc:
                report.fail(name, f"line {number}: malformed entry: {exc}")
                return None
            if verifier is None:
                verifier, first = Verifier(start_seq=e.seq, start_prev=None), e
            verifier.add(e)
            last = e
            if e.kind in ("campaign.created", "action.verified"):
                created.append(e)  # small, campaign-bound: what the campaign check needs
    ends = [first, last] if first is not None and last is not None else []
    if verifier is not None and ends:
        chain = verifier.finish()
        for issue in chain.issues:
            report.fail(name, issue.line().removeprefix("INVALID: "))
        if chain.issue_count > len(chain.issues):
            report.fail(name, f"… and {chain.issue_count - len(chain.issues)} more invalid "
                        "entries")
        for gap in chain.gaps:
            report.fail(name, gap.line())
        report.info.append(f"Ledger slice: entries {ends[0].seq}..{ends[-1].seq}, "
                           f"{chain.valid}/{chain.total} valid")
    else:
        report.info.append("Ledger slice: no entries in this scope")
    if kind == "period" and isinstance(raw_proofs, dict) and "period" not in raw_proofs:
        report.fail(PROOFS, "a period package must state its period")
    _check_proofs(report, cp, raw_proofs, ends)
    return [*ends, *created]


def _check_proofs(report: PackageReport, cp: Checkpoint, raw: Any,
                  entries: list[LedgerEntry]) -> None:
    if not isinstance(raw, dict) or raw.get("format") != PROOF_FORMAT:
        report.fail(PROOFS, f"not a {PROOF_FORMAT} document")
        return
    if raw.get("tree_size") != cp.tree_size or raw.get("merkle_root") != cp.merkle_root:
        report.fail(PROOFS, "proofs are for a different tree than ledger/checkpoint.json")
        return
    root = bytes.fromhex(cp.merkle_root)
    by_role: dict[str, str] = {}
    for i, proof in enumerate(raw.get("proofs") or []):
        try:
            seq, ehash = int(proof["seq"]), str(proof["entry_hash"])
            path = [bytes.fromhex(p) for p in proof["path"]]
            ok = merkle.verify_inclusion(seq - 1, cp.tree_size, merkle.leaf_hash(ehash), path,
                                         root)
        except (KeyError, TypeError, ValueError) as exc:
            report.fail(PROOFS, f"proofs[{i}] is malformed: {exc}")
            continue
        if not ok:
            report.fail(PROOFS, f"inclusion proof for entry {seq} does not lead to the signed "
                        "Merkle root")
        by_role[str(proof.get("role"))] = ehash
    if entries:
        for role, entry in (("slice-first", entries[0]), ("slice-last", entries[-1])):
            if by_role.get(role) != entry.entry_hash:
                report.fail(PROOFS, f"no valid inclusion proof for the slice's {role[6:]} entry "
                            f"{entry.seq}")
        if entries[-1].seq > cp.tree_size:
            report.fail(f"{ENTRIES}.jsonl", f"entry {entries[-1].seq} is beyond the signed tree "
                        f"size {cp.tree_size}")
    _check_consistency(report, cp, raw.get("consistency"))
    export = _proven(report, raw.get("export_entry"), "export-entry", "the export's own "
                     "ledger entry", by_role)
    if export is not None:
        report.info.append(f"Export recorded as ledger entry {export.seq}, included in the "
                           f"checkpoint of {cp.tree_size} entries (key {cp.key_id}, "
                           f"{cp.ts.isoformat()})")
    if entries and "period" in raw:
        _check_complete(report, raw, entries, by_role)


def _check_consistency(report: PackageReport, cp: Checkpoint, raw: Any) -> None:
    """Each earlier checkpoint (signed by the same key) is a prefix of the package's tree."""
    if raw is None:
        return
    if not isinstance(raw, list):
        report.fail(PROOFS, "consistency is not a list")
        return
    key = {cp.key_id: PublicKey.from_b64(cp.public_key)}
    sizes: list[int] = []
    for i, item in enumerate(raw):
        try:
            old = Checkpoint.from_json(item["old_checkpoint"])
            path = [bytes.fromhex(h) for h in item["path"]]
        except (KeyError, TypeError, ValueError) as exc:
            report.fail(PROOFS, f"consistency[{i}] is malformed: {exc}")
            continue
        problem = signature_problem(old, key)
        if problem is not None:
            report.fail(PROOFS, f"earlier checkpoint of {old.tree_size} entries: {problem}")
        elif not merkle.verify_consistency(old.tree_size, cp.tree_size,
                                           bytes.fromhex(old.merkle_root),
                                           bytes.fromhex(cp.merkle_root), path):
            report.fail(PROOFS, f"the earlier checkpoint of {old.tree_size} entries is not a "
                        f"prefix of this package's tree of {cp.tree_size}: history was "
                        "rewritten")
        else:
            sizes.append(old.tree_size)
    if sizes:
        report.info.append(f"Consistency: earlier checkpoints of {', '.join(map(str, sizes))} "
                           f"entries are prefixes of this tree of {cp.tree_size}")


def consistent_with(path: Path, previous: Checkpoint, report: PackageReport) -> None:
    """Require a verified consistency proof from ``previous`` (an auditor's earlier package or
    checkpoint file) to the package at ``path``."""
    try:
        with zipfile.ZipFile(path) as archive:
            raw = json.loads(archive.read(PROOFS).decode("utf-8"))
    except (OSError, KeyError, zipfile.BadZipFile, UnicodeDecodeError,
            json.JSONDecodeError) as exc:
        report.fail(PROOFS, f"cannot read the consistency proofs: {exc}")
        return
    for item in raw.get("consistency") or [] if isinstance(raw, dict) else []:
        old = item.get("old_checkpoint") if isinstance(item, dict) else None
        if isinstance(old, dict) and old.get("tree_size") == previous.tree_size and old.get(
                "merkle_root") == previous.merkle_root:
            if not any(p.file == PROOFS for p in report.problems):
                report.info.append(f"Previous checkpoint of {previous.tree_size} entries "
                                   f"({previous.ts.isoformat()}) is a prefix of this package's "
                                   "tree")
            return
    report.fail(PROOFS, f"no consistency proof from the previous checkpoint of "
                f"{previous.tree_size} entries (root {previous.merkle_root[:16]}…): it was not "
                "kept by this ledger, or the ledger was rewritten since")


def _proven(report: PackageReport, raw: Any, role: str, what: str,
            by_role: dict[str, str]) -> LedgerEntry | None:
    """A full entry from proofs.json whose hash recomputes and whose proof verified."""
    if raw is None:
        return None
    try:
        e = _entry(raw)
    except (KeyError, TypeError, ValueError) as exc:
        report.fail(PROOFS, f"{what} is malformed: {exc}")
        return None
    recomputed = entry_hash(seq=e.seq, ts=e.ts, actor=e.actor, kind=e.kind, subject=e.subject,
                            payload_hash=sha256_hex(e.payload), prev_hash=e.prev_hash)
    if recomputed != e.entry_hash or by_role.get(role) != e.entry_hash:
        report.fail(PROOFS, f"{what} (entry {e.seq}) does not verify")
        return None
    return e


def _check_complete(report: PackageReport, raw: dict[str, Any], entries: list[LedgerEntry],
                    by_role: dict[str, str]) -> None:
    """The slice's neighbours lie outside the period, so no entry of it was left out."""
    try:
        period = raw["period"]
        start = datetime.fromisoformat(str(period["from"]))
        end = datetime.fromisoformat(str(period["to"]))
        boundary = raw.get("boundary") or {}
    except (KeyError, TypeError, ValueError) as exc:
        report.fail(PROOFS, f"period or boundary is malformed: {exc}")
        return
    first, last = entries[0], entries[-1]
    before = _proven(report, boundary.get("before"), "before-slice", "the entry before the "
                     "slice", by_role)
    after = _proven(report, boundary.get("after"), "after-slice", "the entry after the slice",
                    by_role)
    complete = True
    if before is None:
        complete &= first.seq == 1
    elif before.seq != first.seq - 1 or before.entry_hash != first.prev_hash or (
            before.ts >= start):
        report.fail(PROOFS, f"entry {before.seq} before the slice does not close it: it must "
                    f"chain to entry {first.seq} and precede the period")
        complete = False
    if after is None:
        complete &= by_role.get("slice-last") is not None and last.seq == _tree_size(raw)
    elif after.seq != last.seq + 1 or after.prev_hash != last.entry_hash or after.ts < end:
        report.fail(PROOFS, f"entry {after.seq} after the slice does not close it: it must "
                    f"follow entry {last.seq} and fall after the period")
        complete = False
    if complete:
        start_note = (f"entry {before.seq} before it precedes the period" if before else
                      "it starts at entry 1")
        end_note = (f"entry {after.seq} after it follows the period" if after else
                    "it ends at the checkpoint's last entry")
        report.info.append(f"Slice is complete for the period: {start_note}; {end_note}")
    else:
        report.fail(PROOFS, "the slice's completeness for the period cannot be shown")


def _tree_size(raw: dict[str, Any]) -> int:
    value = raw.get("tree_size")
    return value if isinstance(value, int) else -1
