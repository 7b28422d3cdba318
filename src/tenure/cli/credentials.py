"""The CLI's stored personal API tokens: one per store, in an owner-only file.

``$XDG_CONFIG_HOME/tenure/credentials.json`` (default ``~/.config/tenure/``), directory 0700
and file 0600, maps a store (its database URL without any password) to the token ``tenure
login`` minted or was given. ``$TENURE_TOKEN`` wins over the file.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import sqlalchemy as sa

from tenure.errors import TenureError

TOKEN_ENV = "TENURE_TOKEN"  # noqa: S105  (an environment variable's name, not a secret)


def credentials_path(env: dict[str, str] | None = None) -> Path:
    """Where the CLI keeps its tokens."""
    env = env if env is not None else dict(os.environ)
    base = env.get("XDG_CONFIG_HOME") or str(Path(env.get("HOME") or Path.home()) / ".config")
    return Path(base) / "tenure" / "credentials.json"


def store_key(database_url: str) -> str:
    """The store a token belongs to: its URL with any password removed."""
    try:
        return sa.make_url(database_url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return database_url


def _read(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise TenureError(f"{path}: unreadable credentials file ({exc}); remove it and run "
                          "`tenure login` again") from None
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise TenureError(f"{path}: not a Tenure credentials file; remove it and run "
                          "`tenure login` again")
    return {str(k): v for k, v in data.items()}


def stored_token(database_url: str, path: Path | None = None) -> str | None:
    """The token stored for this store, if any."""
    return _read(path or credentials_path()).get(store_key(database_url))


def save_token(database_url: str, token: str, path: Path | None = None) -> Path:
    """Remember ``token`` for this store (the file is rewritten owner-only)."""
    path = path or credentials_path()
    data = _read(path)
    data[store_key(database_url)] = token
    _write(path, data)
    return path


def forget_token(database_url: str, path: Path | None = None) -> str | None:
    """Forget this store's token; returns it (so it can be revoked) or None."""
    path = path or credentials_path()
    data = _read(path)
    token = data.pop(store_key(database_url), None)
    if token is not None:
        _write(path, data)
    return token


def _write(path: Path, data: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path.parent, 0o700)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2, sort_keys=True)
        handle.write("\n")
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
