"""Errors Tenure raises on purpose; each names what is wrong and where."""

from __future__ import annotations


class TenureError(Exception):
    """Base class for errors shown to the user as a message, not a traceback."""


class ConfigError(TenureError):
    """The configuration file or environment is invalid.

    The message names the file, the source (when one is involved) and the field.
    """

    def __init__(
        self, message: str, *, path: str | None = None, source: str | None = None,
        field: str | None = None,
    ) -> None:
        self.path = path
        self.source = source
        self.field = field
        where = [p for p in (path, f"source {source!r}" if source else None,
                             f"field {field!r}" if field else None) if p]
        super().__init__(f"{': '.join(where)}: {message}" if where else message)


class InputRejected(TenureError):
    """An input file was rejected whole; ``problems`` lists every bad line."""

    def __init__(self, path: str, problems: list[InputProblem]) -> None:
        self.path = path
        self.problems = problems
        shown = "\n".join(f"  {p}" for p in problems[:50])
        more = f"\n  … and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(
            f"{path}: {len(problems)} invalid row(s); nothing was written\n{shown}{more}"
        )


class InputProblem:
    """One bad row or field in an input file."""

    __slots__ = ("field", "line", "path", "reason")

    def __init__(self, path: str, line: int, reason: str, field: str | None = None) -> None:
        self.path = path
        self.line = line
        self.reason = reason
        self.field = field

    def __str__(self) -> str:
        field = f" field {self.field!r}:" if self.field else ""
        return f"{self.path}:{self.line}:{field} {self.reason}"

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready form for machine output."""
        return {"path": self.path, "line": self.line, "field": self.field, "reason": self.reason}


class SourceError(TenureError):
    """A source could not be read (after retries); the sync run for it is failed."""


class NotFound(TenureError):
    """A named object (person, account, finding, ...) does not exist."""


class Forbidden(TenureError):
    """The acting user is not allowed to do this (e.g. not an enabled admin)."""


class MassChangeRefused(TenureError):
    """An identity source would retire too many people at once (a broken export or a
    deprovisioning storm): nothing was written; ``--allow-mass-change`` accepts it."""


class NotAuthenticated(TenureError):
    """The action records who did it, and nobody authenticated (see ``tenure login``)."""


class NotAllowed(Forbidden):
    """The authenticated user's role, or their relation to the object, forbids the action."""


class Conflict(TenureError):
    """The object is no longer in a state that allows the action (e.g. an approved plan)."""
