"""Helpers for CLI-driven integration tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

HR_HEADER = "email,name,employee_id,status,department,title,manager_email,start_date,end_date"


class CliResult:
    """Exit code and captured output of one in-process CLI call."""

    def __init__(self, exit_code: int, stdout: str, stderr: str) -> None:
        self.exit_code = exit_code
        self.stdout = stdout
        self.stderr = stderr

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


Invoke = Callable[..., CliResult]


def write_hr(workdir: Path, *rows: str, name: str = "hr.csv") -> Path:
    """Write an HR export with the standard header."""
    path = workdir / name
    path.write_text("\n".join([HR_HEADER, *rows]) + "\n", encoding="utf-8")
    return path
