"""Every CLI command has help text and is documented in README.md or docs/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import typer.main

from tenure.cli import app

ROOT = Path(__file__).resolve().parents[2]


def commands() -> Iterator[tuple[str, object]]:
    root = typer.main.get_command(app)

    def walk(command: object, path: str) -> Iterator[tuple[str, object]]:
        subcommands = getattr(command, "commands", None)
        if path:
            yield path, command
        if subcommands:
            for name, sub in subcommands.items():
                yield from walk(sub, f"{path} {name}".strip())

    yield from walk(root, "")


def docs_text() -> str:
    parts = [(ROOT / "README.md").read_text(encoding="utf-8")]
    parts += [p.read_text(encoding="utf-8") for p in sorted((ROOT / "docs").glob("*.md"))]
    return "\n".join(parts)


def test_every_command_has_help() -> None:
    missing = [path for path, cmd in commands()
               if not (getattr(cmd, "help", None) or getattr(cmd, "short_help", None))]
    assert missing == []


def test_every_command_is_documented() -> None:
    text = docs_text()
    missing = [path for path, _ in commands() if f"tenure {path}" not in text]
    assert missing == [], f"undocumented commands: {missing}"


def test_every_option_has_help() -> None:
    missing = []
    for path, cmd in commands():
        for param in getattr(cmd, "params", []):
            if getattr(param, "param_type_name", "") == "option" and not getattr(
                param, "help", None
            ):
                missing.append(f"{path} {param.opts[0]}")
    assert missing == []
