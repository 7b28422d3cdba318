"""The ``tenure`` command line: a thin layer over ``tenure.services``."""

from __future__ import annotations

import logging
from enum import StrEnum
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from tenure import __version__
from tenure.cli.output import set_wide
from tenure.cli.state import CliState
from tenure.clock import parse_instant
from tenure.errors import TenureError
from tenure.redact import configure_logging, redact_text


class TenureGroup(TyperGroup):
    """Prints expected errors as one clear, redacted line instead of a traceback."""

    # Typed Any: typer vendors click privately; this is its click Context.
    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except TenureError as exc:
            typer.echo(f"error: {redact_text(str(exc))}", err=True)
            ctx.exit(2)
        except (typer.TyperException, typer.Exit, typer.Abort):
            raise
        except Exception as exc:  # last resort: a traceback could carry a secret
            logging.getLogger("tenure").debug("internal error", exc_info=True)
            typer.echo(f"internal error: {redact_text(f'{type(exc).__name__}: {exc}')}",
                       err=True)
            ctx.exit(70)


app = typer.Typer(
    name="tenure",
    cls=TenureGroup,
    help="Identity governance for AI platforms: who has access to Claude and OpenAI, what "
    "they did with it, and evidence an auditor can verify.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"tenure {__version__}")
        raise typer.Exit()


class LogLevel(StrEnum):
    """Logging levels for ``--log-level``."""

    DEBUG = "DEBUG"
    INFO = "INFO"
    WARNING = "WARNING"
    ERROR = "ERROR"


@app.callback()
def root(
    ctx: typer.Context,
    config: Annotated[str | None, typer.Option(
        "--config", "-c", help="Configuration file (default $TENURE_CONFIG or ./tenure.toml).",
        envvar="TENURE_CONFIG")] = None,
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="Evaluate as of this UTC date or time (ISO 8601); the clock every "
        "check uses.")] = None,
    log_level: Annotated[LogLevel, typer.Option(
        "--log-level", case_sensitive=False, help="How much to log.")] = LogLevel.WARNING,
    wide: Annotated[bool, typer.Option(
        "--wide", help="Tables show every column (default: the ones that fit 80 "
        "columns; JSON and CSV always carry everything).")] = False,
    version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True, help="Print the version.")] = False,
) -> None:
    """Global options shared by every command."""
    configure_logging(str(log_level))
    try:
        when = parse_instant(as_of) if as_of else None
    except ValueError as exc:
        raise typer.BadParameter(f"{as_of!r}: {exc}", param_hint="--as-of") from None
    ctx.obj = CliState(config=config, as_of=when, wide=wide)
    set_wide(wide)


def _register() -> None:
    from tenure.cli import identity, inventory, sources

    sources.register(app)
    identity.register(app)
    inventory.register(app)
    from tenure.cli import simulator
    simulator.register(app)
    from tenure.cli import findings
    findings.register(app)
    from tenure.cli import evidence
    evidence.register(app)
    from tenure.cli import reviews
    reviews.register(app)
    from tenure.cli import demo
    demo.register(app)
    from tenure.cli import lifecycle, revoke
    revoke.register(app)
    lifecycle.register(app)
    from tenure.cli import importer
    importer.register(app)
    from tenure.cli import scim, serve
    serve.register(app)
    scim.register(app)
    from tenure.cli import login, webusers
    login.register(app)
    webusers.register(app)
    from tenure.cli import retention
    retention.register(app)
    from tenure.cli import activity
    activity.register(app)
    from tenure.cli import nhi
    nhi.register(app)
    from tenure.cli import access
    access.register(app)


_register()


def main() -> None:
    """Console-script entry point."""
    app()
