"""HR export (CSV) as the identity source.

Header: ``email,name,employee_id,status,department,title,manager_email,start_date,end_date``.
The whole file is validated before anything is yielded: a file with errors is rejected whole
unless ``--skip-invalid`` is given, in which case bad rows are listed and the rest imported.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from tenure.config import SourceConfig
from tenure.connectors.base import (
    Batch,
    Note,
    Population,
    SourceType,
    StreamComplete,
    SyncContext,
    SyncItem,
    TenantInfo,
    source_types,
)
from tenure.errors import InputProblem, InputRejected, SourceError
from tenure.model import Person, PersonStatus

COLUMNS = ("email", "name", "employee_id", "status", "department", "title", "manager_email",
           "start_date", "end_date")
REQUIRED = ("email", "name", "employee_id", "status")

# Limits enforced before or while parsing (ASVS 5.1.1): an HR export bigger than this is not
# an HR export.
MAX_FILE_BYTES = 200 * 1024 * 1024
MAX_ROWS = 1_000_000
MAX_FIELD_CHARS = 1024
BATCH_SIZE = 5000

_EMAIL = re.compile(r"^[^@\s,;<>\"]+@[^@\s,;<>\"]+\.[^@\s,;<>\"]+$")


class HrCsvConfig(SourceConfig):
    """``type = "hr-csv"``: a CSV export from the HR system."""

    path: Path


@dataclass(frozen=True, slots=True)
class ParsedFile:
    """The valid people of a file and the problems of its invalid rows."""

    people: list[Person]
    problems: list[InputProblem]
    rows: int


def normalize_email(value: str) -> str:
    """Emails match case-insensitively: stored lower-cased and trimmed."""
    return value.strip().lower()


def _parse_date(value: str, field: str, path: str, line: int,
                problems: list[InputProblem]) -> date | None:
    value = value.strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        problems.append(InputProblem(path, line, f"not an ISO date (YYYY-MM-DD): {value!r}",
                                     field))
        return None


def parse_row(row: dict[str, str], path: str, line: int) -> tuple[Person | None,
                                                                    list[InputProblem]]:
    """Validate one data row (pure); returns the person or the problems found."""
    problems: list[InputProblem] = []
    for column in COLUMNS:
        value = row.get(column) or ""
        if len(value) > MAX_FIELD_CHARS:
            problems.append(InputProblem(path, line, f"longer than {MAX_FIELD_CHARS} characters",
                                         column))
        if "\x00" in value:
            problems.append(InputProblem(path, line, "contains a NUL byte", column))
    for column in REQUIRED:
        if not (row.get(column) or "").strip():
            problems.append(InputProblem(path, line, "is required", column))
    email = normalize_email(row.get("email") or "")
    if email and not _EMAIL.match(email):
        problems.append(InputProblem(path, line, f"not an email address: {email!r}", "email"))
    manager = normalize_email(row.get("manager_email") or "")
    if manager and not _EMAIL.match(manager):
        problems.append(InputProblem(path, line, f"not an email address: {manager!r}",
                                     "manager_email"))
    if manager and manager == email:
        problems.append(InputProblem(path, line, "a person cannot be their own manager",
                                     "manager_email"))
    status_text = (row.get("status") or "").strip().lower()
    status: PersonStatus | None = None
    if status_text:
        try:
            status = PersonStatus(status_text)
        except ValueError:
            problems.append(InputProblem(
                path, line, f"must be 'active' or 'terminated', not {status_text!r}", "status"))
    start = _parse_date(row.get("start_date") or "", "start_date", path, line, problems)
    end = _parse_date(row.get("end_date") or "", "end_date", path, line, problems)
    if start and end and end < start:
        problems.append(InputProblem(path, line, "end_date is before start_date", "end_date"))
    if status is PersonStatus.TERMINATED and end is None and not any(
        p.field == "end_date" for p in problems
    ):
        problems.append(InputProblem(path, line, "a terminated person needs an end_date",
                                     "end_date"))
    if problems or status is None:
        return None, problems
    return Person(
        email=email, name=(row.get("name") or "").strip(),
        employee_id=(row.get("employee_id") or "").strip(), status=status,
        department=(row.get("department") or "").strip(),
        title=(row.get("title") or "").strip(), manager_email=manager,
        start_date=start, end_date=end,
    ), []


def parse_text(text: str, path: str) -> ParsedFile:
    """Parse a whole CSV document (pure). Header problems reject the file at line 1."""
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [h.strip().lower() for h in (reader.fieldnames or [])]
    except csv.Error as exc:
        return ParsedFile([], [InputProblem(path, 1, f"unreadable header: {exc}")], 0)
    missing = [c for c in COLUMNS if c not in header]
    if not header:
        return ParsedFile([], [InputProblem(path, 1, "the file is empty (no header row)")], 0)
    if missing:
        return ParsedFile([], [InputProblem(
            path, 1, f"header is missing column(s) {', '.join(missing)}; expected "
            f"{','.join(COLUMNS)}")], 0)
    if len(set(header)) != len(header):
        return ParsedFile([], [InputProblem(path, 1, "header repeats a column")], 0)
    reader.fieldnames = header
    people: list[Person] = []
    problems: list[InputProblem] = []
    first_line: dict[str, int] = {}
    rows = 0
    try:
        for row in reader:
            line = reader.line_num
            rows += 1
            if rows > MAX_ROWS:
                problems.append(InputProblem(path, line, f"more than {MAX_ROWS} rows"))
                break
            if None in row:
                problems.append(InputProblem(path, line, "more fields than the header has"))
                continue
            if all(not (v or "").strip() for v in row.values()):
                continue  # blank line
            person, row_problems = parse_row(row, path, line)
            if person is None:
                problems.extend(row_problems)
                continue
            if person.email in first_line:
                problems.append(InputProblem(
                    path, line, f"duplicate email {person.email!r} (first on line "
                    f"{first_line[person.email]})", "email"))
                continue
            first_line[person.email] = line
            people.append(person)
    except csv.Error as exc:
        problems.append(InputProblem(path, reader.line_num, f"malformed CSV: {exc}"))
    return ParsedFile(people, problems, rows)


def read_file(path: Path) -> ParsedFile:
    """Read and parse an HR export, enforcing the size limit before parsing."""
    label = str(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise SourceError(f"{label}: cannot read HR file: {exc.strerror}") from None
    if size > MAX_FILE_BYTES:
        raise InputRejected(label, [InputProblem(label, 0, f"file is larger than "
                                                           f"{MAX_FILE_BYTES} bytes")])
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputRejected(label, [InputProblem(label, line, "not valid UTF-8 text")]) from None
    return parse_text(text, label)


class HrCsvConnector:
    """Yields every person of the HR export, or rejects the file whole."""

    def __init__(self, config: HrCsvConfig) -> None:
        self.config = config

    def sync(self, ctx: SyncContext) -> Iterator[SyncItem]:
        """Validate the whole file, then yield it in batches and mark the listing complete."""
        path = self.config.resolve_path(self.config.path)
        parsed = read_file(path)
        if parsed.problems and not ctx.options.skip_invalid:
            raise InputRejected(str(path), parsed.problems)
        yield TenantInfo("hr", f"HR export {path.name}")
        yield Population(
            "person", frozenset(p.email for p in parsed.people),
            frozenset(p.email for p in parsed.people if p.status is PersonStatus.TERMINATED),
            complete=not parsed.problems, label=str(path))
        if parsed.problems:
            yield Note("rejected_rows", [p.as_dict() for p in parsed.problems])
        for start in range(0, len(parsed.people), BATCH_SIZE):
            yield Batch("people", parsed.people[start:start + BATCH_SIZE])
        # Skipped rows still mean the file listed those people: retiring them would turn a typo
        # into a leaver, so an import with skipped rows never retires anyone.
        if not parsed.problems:
            yield StreamComplete("person")


source_types.add("hr-csv", SourceType(
    name="hr-csv", config_model=HrCsvConfig, factory=HrCsvConnector, record_types=("person",),
    description="HR export (CSV): people, departments, managers, start and end dates",
))
