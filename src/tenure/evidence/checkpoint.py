"""Signed checkpoints: an Ed25519 signature over the ledger's size, head and Merkle root.

The signed message is UTF-8 text, one field per line, ending with a newline:

    tenure-checkpoint-v1
    <tree_size>
    <head_hash>          (entry_hash of seq == tree_size, or 64 zeros when empty)
    <merkle_root>        (hex, RFC 6962 over the first tree_size entry hashes)
    <ts>                 (ISO 8601 UTC, microseconds, +00:00)
    <key_id>
"""

from __future__ import annotations

import base64
import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from tenure.evidence.keys import PublicKey, SigningKey
from tenure.private_files import write_private
from tenure.store import schema

FORMAT = "tenure-checkpoint-v1"


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A signed statement of the ledger's state at one moment."""

    tree_size: int
    head_hash: str
    merkle_root: str
    ts: datetime
    key_id: str
    public_key: str
    signature: str

    def message(self) -> bytes:
        """The exact bytes that were signed."""
        return signed_message(self.tree_size, self.head_hash, self.merkle_root, self.ts,
                              self.key_id)

    def to_json(self) -> dict[str, Any]:
        """The exported (file and package) form."""
        data = asdict(self)
        data["ts"] = _stamp(self.ts)
        return {"format": FORMAT, **data}

    @classmethod
    def from_json(cls, data: Any) -> Checkpoint:
        """Parse the exported form; ValueError naming the bad field."""
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError(f"not a {FORMAT} checkpoint")
        try:
            return cls(tree_size=int(data["tree_size"]), head_hash=str(data["head_hash"]),
                       merkle_root=str(data["merkle_root"]),
                       ts=datetime.fromisoformat(str(data["ts"])).astimezone(UTC),
                       key_id=str(data["key_id"]), public_key=str(data["public_key"]),
                       signature=str(data["signature"]))
        except KeyError as exc:
            raise ValueError(f"checkpoint field {exc.args[0]!r} is missing") from None
        except (TypeError, ValueError) as exc:
            raise ValueError(f"checkpoint is malformed: {exc}") from None


def _stamp(ts: datetime) -> str:
    return ts.astimezone(UTC).isoformat(timespec="microseconds")


def signed_message(tree_size: int, head_hash: str, merkle_root: str, ts: datetime,
                   key_id: str) -> bytes:
    """The canonical text a checkpoint signature covers."""
    return (f"{FORMAT}\n{tree_size}\n{head_hash}\n{merkle_root}\n{_stamp(ts)}\n{key_id}\n"
            ).encode()


def sign(key: SigningKey, *, tree_size: int, head_hash: str, merkle_root: str,
         ts: datetime) -> Checkpoint:
    """A new checkpoint signed with ``key``."""
    public = key.public
    ts = ts.astimezone(UTC)
    signature = key.sign(signed_message(tree_size, head_hash, merkle_root, ts, public.key_id))
    return Checkpoint(tree_size, head_hash, merkle_root, ts, public.key_id, public.b64,
                      base64.b64encode(signature).decode("ascii"))


def signature_problem(cp: Checkpoint, trusted: dict[str, PublicKey]) -> str | None:
    """Why the checkpoint's signature is not acceptable, or None when it is.

    The public key embedded in the checkpoint is never trusted by itself: the key id must be
    one the verifier already knows, and the embedded key must be that key.
    """
    key = trusted.get(cp.key_id)
    if key is None:
        return f"unknown key {cp.key_id} (not the configured signing key nor a trusted key)"
    if key.b64 != cp.public_key:
        return f"embedded public key does not match trusted key {cp.key_id}"
    try:
        signature = base64.b64decode(cp.signature, validate=True)
    except ValueError:
        return "signature is not base64"
    if not key.verify(signature, cp.message()):
        return "bad signature"
    return None


def store(conn: sa.Connection, cp: Checkpoint) -> None:
    """Keep a checkpoint in the database (the same size and key is kept once)."""
    table = schema.ledger_checkpoints
    exists = conn.execute(sa.select(table.c.id).where(
        table.c.tree_size == cp.tree_size, table.c.key_id == cp.key_id)).first()
    if exists is None:
        conn.execute(table.insert().values(
            tree_size=cp.tree_size, head_hash=cp.head_hash, merkle_root=cp.merkle_root,
            ts=cp.ts, key_id=cp.key_id, public_key=cp.public_key, signature=cp.signature))


def load_all(conn: sa.Connection) -> list[Checkpoint]:
    """Every stored checkpoint, smallest tree first."""
    table = schema.ledger_checkpoints
    rows = conn.execute(sa.select(table).order_by(table.c.tree_size, table.c.id)).mappings()
    return [Checkpoint(int(r["tree_size"]), r["head_hash"], r["merkle_root"], r["ts"],
                       r["key_id"], r["public_key"], r["signature"]) for r in rows]


def write_file(cp: Checkpoint, path: Path) -> None:
    """Export a checkpoint to a JSON file (keep it somewhere the database's admins can't edit)."""
    write_private(path, json.dumps(cp.to_json(), indent=2) + "\n")


def read_file(path: Path) -> Checkpoint:
    """Read an exported checkpoint file; ValueError naming the file on failure."""
    try:
        return Checkpoint.from_json(json.loads(path.read_text(encoding="utf-8")))
    except OSError as exc:
        raise ValueError(f"{path}: cannot read: {exc.strerror}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: not JSON: {exc}") from None
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None
