"""Owner-only files and folders, whatever the umask: the store (SQLite file, and through it
SQLite's WAL and SHM files, which SQLite creates with the database file's mode), plan files,
checkpoint files and evidence packages hold who has access to what and how to revoke it.
Files are 0600, folders Tenure creates are 0700.
"""

from __future__ import annotations

import os
from pathlib import Path

FILE_MODE = 0o600
DIR_MODE = 0o700


def private_dir(path: Path) -> Path:
    """Create ``path`` (and missing parents) as 0700; an existing folder is left as it is
    (it may be shared on purpose, e.g. the current directory)."""
    missing = []
    for parent in [path, *path.parents]:
        if parent.exists():
            break
        missing.append(parent)
    path.mkdir(parents=True, exist_ok=True)
    for created in missing:
        os.chmod(created, DIR_MODE)
    return path


def touch_private(path: Path) -> Path:
    """Make sure ``path`` exists as an owner-only file (created 0600, or narrowed to it)."""
    private_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)  # the umask cannot widen it, and an old file is narrowed
    finally:
        os.close(fd)
    return path


def write_private(path: Path, data: bytes | str) -> Path:
    """Write ``data`` to ``path`` as an owner-only file (replacing its content)."""
    private_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    with os.fdopen(fd, "wb") as handle:
        os.fchmod(handle.fileno(), FILE_MODE)
        handle.write(data.encode("utf-8") if isinstance(data, str) else data)
    return path
