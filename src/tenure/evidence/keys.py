"""Ed25519 signing keys: generation, loading (file or environment), key ids.

The private key lives outside the database: a PEM file (written 0600) or an environment
variable holding the PEM text. Public keys travel as base64 of the 32 raw bytes; the key id is
the first 16 hex digits of SHA-256 over those bytes.
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from tenure.errors import ConfigError


def public_key_bytes(key: Ed25519PublicKey) -> bytes:
    """The 32 raw bytes of a public key."""
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id_of(raw_public: bytes) -> str:
    """The key id: 16 hex digits of SHA-256 over the raw public key."""
    return hashlib.sha256(raw_public).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class PublicKey:
    """A verification key and its id."""

    raw: bytes

    @property
    def key_id(self) -> str:
        """16 hex digits identifying the key."""
        return key_id_of(self.raw)

    @property
    def b64(self) -> str:
        """Base64 of the raw key (the form stored in checkpoints and packages)."""
        return base64.b64encode(self.raw).decode("ascii")

    def pem(self) -> str:
        """SubjectPublicKeyInfo PEM, for tools other than Tenure."""
        key = Ed25519PublicKey.from_public_bytes(self.raw)
        return key.public_bytes(serialization.Encoding.PEM,
                                serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")

    def verify(self, signature: bytes, message: bytes) -> bool:
        """True when ``signature`` is this key's signature of ``message``."""
        try:
            Ed25519PublicKey.from_public_bytes(self.raw).verify(signature, message)
        except InvalidSignature:
            return False
        return True

    @classmethod
    def from_b64(cls, text: str) -> PublicKey:
        """Parse base64 raw bytes (or a PEM block) into a key; ValueError when malformed."""
        text = text.strip()
        if text.startswith("-----BEGIN"):
            loaded = serialization.load_pem_public_key(text.encode("ascii"))
            if not isinstance(loaded, Ed25519PublicKey):
                raise ValueError("not an Ed25519 public key")
            return cls(public_key_bytes(loaded))
        raw = base64.b64decode(text, validate=True)
        if len(raw) != 32:
            raise ValueError("an Ed25519 public key is 32 bytes")
        return cls(raw)


@dataclass(frozen=True, slots=True)
class SigningKey:
    """A private key able to sign checkpoints and manifests."""

    private: Ed25519PrivateKey

    @property
    def public(self) -> PublicKey:
        """The matching public key."""
        return PublicKey(public_key_bytes(self.private.public_key()))

    def sign(self, message: bytes) -> bytes:
        """An Ed25519 signature of ``message``."""
        return self.private.sign(message)


def generate() -> SigningKey:
    """A fresh random key."""
    return SigningKey(Ed25519PrivateKey.generate())


def private_pem(key: SigningKey) -> bytes:
    """The private key as unencrypted PKCS#8 PEM (protected by file permissions)."""
    return key.private.private_bytes(serialization.Encoding.PEM,
                                     serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption())


def write_private_key(key: SigningKey, path: Path) -> None:
    """Write the key to a new file readable only by its owner; never overwrite one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(private_pem(key))
    os.chmod(path, 0o600)  # the umask may have narrowed it further; never widen


def parse_private_key(pem: bytes, where: str) -> SigningKey:
    """Load a PEM private key; a ConfigError naming ``where`` (never the key) on failure."""
    try:
        loaded = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError):
        raise ConfigError("not a readable unencrypted PEM private key", field=where) from None
    if not isinstance(loaded, Ed25519PrivateKey):
        raise ConfigError("the signing key must be an Ed25519 key", field=where)
    return SigningKey(loaded)


def load_signing_key(
    *, key_file: Path | None, key_env: str | None, env: Mapping[str, str] | None = None,
) -> SigningKey:
    """The configured signing key: the environment variable wins over the file."""
    env = env if env is not None else os.environ
    if key_env and env.get(key_env):
        return parse_private_key(env[key_env].encode("utf-8"), f"${key_env}")
    if key_file is not None:
        try:
            data = key_file.read_bytes()
        except OSError as exc:
            raise ConfigError(f"cannot read the signing key: {exc.strerror}",
                              path=str(key_file)) from None
        return parse_private_key(data, str(key_file))
    hint = f" (environment variable {key_env} is empty)" if key_env else ""
    raise ConfigError(
        "no evidence signing key configured" + hint + ": run `tenure evidence keygen` and set "
        "[evidence] signing_key_file (or signing_key_env) in tenure.toml",
        field="evidence")


def trusted_set(keys: Iterable[PublicKey]) -> dict[str, PublicKey]:
    """Keys by id."""
    return {k.key_id: k for k in keys}
