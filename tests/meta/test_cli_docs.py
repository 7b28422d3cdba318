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


def test_cli_reference_is_generated_and_complete() -> None:
    """docs/cli.md is what `make cli-docs` writes: every command, argument and option with
    its help and allowed values (regenerate with `make cli-docs` after changing the CLI)."""
    from tenure.cli.docgen import markdown, walk

    doc = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    root = typer.main.get_command(app)
    missing = []
    for path, command in walk(root):
        if f"### `tenure {path}`" not in doc:
            missing.append(f"tenure {path}")
            continue
        section = doc.split(f"### `tenure {path}`", 1)[1].split("\n### ", 1)[0]
        for param in command.params:
            for opt in getattr(param, "opts", []):
                if opt.startswith("-") and opt != "--help" and f"`{opt}`" not in section:
                    missing.append(f"tenure {path} {opt}")
    assert missing == [], f"docs/cli.md is stale (run `make cli-docs`): {missing}"
    assert doc.startswith(markdown().split("## Global options")[0])


def test_no_doc_link_leaves_the_repo() -> None:
    """Relative links and path mentions in the docs resolve inside the repository."""
    import re

    bad = []
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = page.read_text(encoding="utf-8")
        for target in re.findall(r"\]\(([^)#\s]+)", text):
            if target.startswith(("http://", "https://", "mailto:")):
                continue
            resolved = (page.parent / target).resolve()
            if not resolved.is_relative_to(ROOT) or not resolved.exists():
                bad.append(f"{page.name}: {target}")
        bad += [f"{page.name}: {m}" for m in re.findall(r"`(\.\./[^`]+|/work/[^`]+)`", text)]
    assert bad == []
