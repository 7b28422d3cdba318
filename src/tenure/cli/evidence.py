"""Commands: evidence keygen, checkpoint, verify, export, verify-package."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tenure.cli.state import state
from tenure.services import evidence as svc

evidence_app = typer.Typer(help="The evidence ledger: verify it, sign checkpoints, export and "
                           "verify audit packages.", no_args_is_help=True)

KeyOption = Annotated[list[Path] | None, typer.Option(
    "--key", help="A trusted public key (PEM or base64; repeatable). Checkpoints and packages "
    "signed by any other key are rejected.", exists=True, dir_okay=False)]


@evidence_app.command("keygen")
def keygen(
    out: Annotated[Path, typer.Option(
        "--out", help="Where to write the private key (created 0600, never overwritten).")] = (
        Path("tenure-signing-key.pem")),
) -> None:
    """Create an Ed25519 signing key and print its public key and key id."""
    public = svc.keygen(out)
    typer.echo(f"wrote private key {out} (mode 0600)")
    typer.echo(f"key id: {public.key_id}")
    typer.echo(f"public key (base64): {public.b64}")
    typer.echo(public.pem().rstrip())
    typer.echo("\nAdd to tenure.toml:\n  [evidence]\n  signing_key_file = "
               f'"{out}"\nand publish the key id so auditors can pin it.')


@evidence_app.command("checkpoint")
def checkpoint(
    ctx: typer.Context,
    out: Annotated[Path | None, typer.Option(
        "--out", help="Also write the checkpoint to this JSON file (keep it outside the "
        "database's reach; `verify --from-checkpoint` detects truncation below it).")] = None,
) -> None:
    """Verify the ledger, then sign and store a checkpoint over its head and Merkle root."""
    cp = svc.create_checkpoint(state(ctx).app(), out=out)
    typer.echo(f"checkpoint: {cp.tree_size} entries, head {cp.head_hash}, Merkle root "
               f"{cp.merkle_root}, key {cp.key_id}, {cp.ts.isoformat()}")
    if out is not None:
        typer.echo(f"wrote {out}")


@evidence_app.command("verify")
def verify(
    ctx: typer.Context,
    from_checkpoint: Annotated[list[Path] | None, typer.Option(
        "--from-checkpoint", help="An exported checkpoint file to check the ledger against "
        "(repeatable).", exists=True, dir_okay=False)] = None,
    key: KeyOption = None,
    raw_pages: Annotated[bool, typer.Option(
        "--raw-pages", help="Also re-hash every stored raw vendor page against the SHA-256 "
        "and locator its sync.batch ledger entry recorded.")] = False,
    strict: Annotated[bool, typer.Option(
        "--strict", help="Exit 1 on warnings too (an unsigned tail: entries after the last "
        "signed checkpoint).")] = False,
) -> None:
    """Recompute the chain, entry and checkpoint signatures, Merkle roots, the head record
    and the tables the ledger records; exit 1 on any failure (and with --strict on any
    warning, such as an unsigned tail)."""
    extra = [svc.read_public_key(p) for p in key or []]
    report = svc.verify_ledger(state(ctx).app(), checkpoint_files=from_checkpoint or [],
                               extra_keys=extra, raw_pages=raw_pages)
    for line in report.lines():
        typer.echo(line)
    if not report.ok or (strict and report.warnings):
        raise typer.Exit(1)


@evidence_app.command("export")
def export(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", help="Directory to write the zip into.")],
    period: Annotated[str | None, typer.Option(
        "--period", help="FROM..TO (dates or ISO times; a bare TO date includes that day).")
    ] = None,
    campaign: Annotated[str | None, typer.Option(
        "--campaign", help="A review campaign id (population at start, items with usage "
        "context, decisions, revocation plan).")] = None,
) -> None:
    """Write a signed audit package (zip) for a period or a review campaign."""
    if (period is None) == (campaign is None):
        raise typer.BadParameter("give exactly one of --period or --campaign")
    app = state(ctx).app()
    if campaign is not None:
        result = svc.export_campaign(app, campaign, out)
    else:
        try:
            chosen = svc.parse_period(period or "")
        except ValueError as exc:
            raise typer.BadParameter(f"{period!r}: {exc}", param_hint="--period") from None
        result = svc.export_period(app, chosen, out)
    typer.echo(f"wrote {result.path}")
    typer.echo(f"ledger slice: {result.entries} entries; export recorded as entry "
               f"{result.export_seq}; checkpoint {result.checkpoint.tree_size} entries, key "
               f"{result.checkpoint.key_id}")


@evidence_app.command("verify-package")
def verify_package(
    package: Annotated[Path, typer.Argument(help="The package zip.", exists=True,
                                            dir_okay=False)],
    key: KeyOption = None,
    previous: Annotated[Path | None, typer.Option(
        "--previous", help="An earlier package (or checkpoint file) you kept: require proof "
        "that its ledger is a prefix of this one's.", exists=True, dir_okay=False)] = None,
) -> None:
    """Check a package offline (hashes, signatures, ledger slice, proofs); exit 1 on failure."""
    report = svc.check_package(package, key or [], previous)
    for line in report.lines():
        typer.echo(line)
    if not report.ok:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add the evidence commands to the root app."""
    app.add_typer(evidence_app, name="evidence")
