"""Generate docs/cli.md from the CLI itself: every command, argument and option with its help,
allowed values and default (``make cli-docs``; tests/meta/test_cli_docs.py checks that the
file is complete)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from enum import Enum
from typing import Any

import typer.main
from typer.core import TyperArgument, TyperGroup, TyperOption

INTRO = """# Command reference

Generated from the CLI itself by `make cli-docs` (`python -m tenure.cli.docgen`); do not edit
by hand — change the command's help and regenerate. Every command is a thin layer over
`tenure.services`; the same use cases serve the API and the web app.

Global options come before the command (`tenure --as-of 2026-11-25 findings`). Commands that
print records take `--format table|json|csv` (`-f`): tables fit 80 columns (ids are never
truncated or wrapped; columns that do not fit move to `tenure --wide`), long lists show their
first rows and say how many more `--format json|csv` would list, JSON and CSV carry every
column (structured values as JSON). CSV cells that a spreadsheet would evaluate (starting with
`= + - @`, tab, CR or NUL) are prefixed with `'`. Every option with a fixed set of values
refuses anything else and names the allowed values.

`--as-of` sets what checks, reports, populations and triggers are evaluated as of; it is never
a recorded time or a guard: the ledger, approvals, plans, decisions and deadlines use the wall
clock.

**Who acts.** Commands that decide, approve, apply, delegate, mute, record a purpose, link an
identity or change users act as the Tenure user whose personal API token the CLI holds:
`tenure login EMAIL` (asks the password, stores a token owner-only under
`$XDG_CONFIG_HOME/tenure/`), `tenure login --token-stdin`, or `TENURE_TOKEN`. `tenure whoami`
shows who that is, `tenure logout` revokes and forgets the token. There is no `--as`, and
`TENURE_ACTOR` is not read. Without a token the CLI acts as the host (`host:<os user>`), which
may sync, run checks and scheduled jobs and cut checkpoints, but not decide, approve or apply.
See [security.md](security.md).

Exit codes: `0` success, `1` a sync source failed (or `findings --fail-on` matched), `2`
invalid configuration, input or arguments (the message names the file, line, source and
field), `70` internal error (the message is redacted; `--log-level DEBUG` logs the traceback).
"""


def walk(command: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Every command under ``command`` with its full path ("review create"), depth first."""
    if path:
        yield path, command
    if isinstance(command, TyperGroup):
        for name in sorted(command.commands):
            yield from walk(command.commands[name], f"{path} {name}".strip())


def _values(param: Any) -> str:
    annotation = getattr(getattr(param, "type_descriptor", None), "annotation", None)
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return " \\| ".join(f"`{m.value}`" for m in annotation)
    if getattr(param, "is_flag", False) or annotation is bool:
        return "flag"
    names = {str: "text", int: "integer", float: "number"}
    if annotation in names:
        return names[annotation]
    return getattr(annotation, "__name__", "").lower() or "text"


def _default(param: Any) -> str:
    value = param.default
    if value is None or (getattr(param, "is_flag", False) and value is False):
        return ""
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, list | tuple):
        return ", ".join(map(str, value))
    return f"`{value}`" if str(value) != "" else ""


def _cell(text: str | None) -> str:
    return " ".join((text or "").split()).replace("|", "\\|")


def _section(path: str, command: Any) -> list[str]:
    lines = [f"### `tenure {path}`", ""]
    help_text = (command.help or command.short_help or "").strip()
    if help_text:
        lines += [help_text.split("\b")[0].strip(), ""]
    args = [p for p in command.params if isinstance(p, TyperArgument)]
    if not isinstance(command, TyperGroup) or args:
        usage = " ".join([f"tenure {path}", "[OPTIONS]"] +
                         [p.display_name_raw.upper() + ("..." if p.nargs == -1 else "")
                          for p in args])
        lines += [f"`{usage}`", ""]
    rows = []
    for param in command.params:
        if isinstance(param, TyperArgument):
            rows.append((f"`{param.display_name_raw.upper()}`", _values(param), "",
                         _cell(getattr(param, "help", "")) or "argument"))
        elif isinstance(param, TyperOption) and param.name != "help":
            names = ", ".join(f"`{o}`" for o in (*param.opts, *param.secondary_opts))
            rows.append((names, _values(param), _default(param), _cell(param.help)))
    if rows:
        lines += ["| name | values | default | meaning |", "|---|---|---|---|"]
        lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
        lines.append("")
    return lines


def markdown() -> str:
    """The whole command reference."""
    from tenure.cli import app

    root = typer.main.get_command(app)
    lines = [INTRO, "## Global options", ""]
    globals_ = [p for p in root.params if isinstance(p, TyperOption) and p.name != "help"]
    lines += ["| name | values | default | meaning |", "|---|---|---|---|"]
    for param in globals_:
        names = ", ".join(f"`{o}`" for o in param.opts)
        lines.append(f"| {names} | {_values(param)} | {_default(param)} | "
                     f"{_cell(param.help)} |")
    lines += ["", "## Commands", ""]
    for path, command in walk(root):
        lines += _section(path, command)
    return "\n".join(lines).rstrip() + "\n"


def main() -> None:
    """Print the reference (redirect to docs/cli.md)."""
    sys.stdout.write(markdown())


if __name__ == "__main__":
    main()
