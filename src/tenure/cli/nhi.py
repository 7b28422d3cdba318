"""Commands: tenure nhi list|show|person, tenure sponsor set|list."""

from __future__ import annotations

import textwrap
from enum import StrEnum
from typing import Annotated

import typer
from rich.text import Text

from tenure.cli.output import OutputFormat, console, render
from tenure.cli.state import state
from tenure.model import NhiKind
from tenure.nhi.chain import Chain, Node, PersonNode
from tenure.services import nhi_views, sponsors

nhi_app = typer.Typer(help="Non-human identities (service accounts, federation rules, agents, "
                      "deployments) and who answers for each.", no_args_is_help=True)
sponsor_app = typer.Typer(help="Sponsors: the person accountable for a non-human identity.",
                          no_args_is_help=True)

FormatOption = Annotated[OutputFormat, typer.Option(
    "--format", "-f", help="Output format: table, json or csv.")]
SourceOption = Annotated[str | None, typer.Option("--source", help="Only this source.")]


class Kind(StrEnum):
    """Kinds ``--kind`` accepts (the NHIs that have sponsors)."""

    SERVICE_ACCOUNT = str(NhiKind.SERVICE_ACCOUNT)
    WORKLOAD_IDENTITY = str(NhiKind.WORKLOAD_IDENTITY)
    AGENT = str(NhiKind.AGENT)
    DEPLOYMENT = str(NhiKind.DEPLOYMENT)


KindOption = Annotated[Kind | None, typer.Option("--kind", help="Only this kind.")]
COLUMNS = ["name", "sponsor", "id", "basis", "sponsor_status", "kind", "last_active", "live",
           "source", "last_signal", "reason"]
WIDE = ("live", "source", "last_signal", "reason")


def _source(ctx: typer.Context, source: str | None) -> str | None:
    if source:
        state(ctx).app().settings.source(source)  # an unknown source is an error, not empty
    return source


@nhi_app.command("list")
def list_(ctx: typer.Context, kind: KindOption = None, source: SourceOption = None,
          live: Annotated[bool, typer.Option("--live", help="Only identities that can still "
                                             "act (not archived).")] = False,
          fmt: FormatOption = OutputFormat.TABLE) -> None:
    """List non-human identities with their sponsor, why, and the sponsor's HR status."""
    rows = nhi_views.list_nhis(state(ctx).app(), kind=str(kind) if kind else None,
                               source=_source(ctx, source), live_only=live)
    render(rows, COLUMNS, fmt, title="Non-human identities", wide=WIDE, limit=50,
           empty="no non-human identities (sync a platform source)")


WIDTH = 80


def _lines(head: str, detail: str, indent: str) -> list[str]:
    """``head`` then ``detail`` wrapped under it, each line at most 80 columns."""
    out = textwrap.wrap(head, WIDTH, subsequent_indent=indent, break_on_hyphens=False)
    if detail:
        out += textwrap.wrap(detail, WIDTH, initial_indent=indent, subsequent_indent=indent,
                             break_on_hyphens=False)
    return out


def _node(n: Node, indent: str = "    ") -> list[str]:
    mark = "!" if n.warn else " "
    parts = [n.detail] if n.detail else []
    if n.when is not None:
        parts.append(f"{n.when_label} {n.when.date().isoformat()}")
    parts.append(n.id)
    return _lines(f"{indent}{mark} {n.kind.replace('_', ' ')} {n.name} [{n.status}]",
                  "; ".join(parts), indent + "    ")


def _person(label: str, p: PersonNode | None) -> list[str]:
    if p is None:
        return [f"  {label}: none"]
    if not p.known:
        return _lines(f"! {label}: {p.email}", "matches no person in the identity source",
                      "    ")
    left = f", left {p.end_date}" if p.end_date and p.status == "terminated" else ""
    mark = "!" if p.status != "active" else " "
    return _lines(f"{mark} {label}: {p.name} <{p.email}> [{p.status}{left}]", "", "    ")


def chain_lines(chain: Chain) -> list[str]:
    """The chain as indented lines with arrows, 80 columns."""
    lines = _lines(f"{chain.subject.kind.replace('_', ' ')} {chain.subject.name} "
                   f"[{chain.subject.status}]", f"{chain.subject.id}, {chain.source}", "    ")
    for title, nodes in (("acts through", chain.upstream), ("runs", chain.runs),
                         ("holds", chain.holds)):
        if nodes:
            lines.append(f"  ↳ {title}:")
            for n in nodes:
                lines += _node(n)
    if chain.via is not None:
        lines.append("  ↳ answers through:")
        lines += _node(chain.via)
    prov = " (provisional: awaiting acceptance)" if chain.provisional else ""
    lines += _lines(f"  ↳ sponsor by {chain.basis}{prov}:", chain.reason, "      ")
    lines += _person("sponsor", chain.sponsor)
    if chain.sponsor is not None and chain.sponsor.known:
        lines += _person("manager", chain.manager)
    return lines


def print_chain(chain: Chain) -> None:
    """Print the chain (plain text: brackets are statuses, not markup)."""
    out = console()
    for line in chain_lines(chain):
        out.print(Text(line))


@nhi_app.command("show")
def show(ctx: typer.Context,
         subject: Annotated[str, typer.Argument(help="The identity's id (svac_…, fdrl_…, "
                                                "agent_…, depl_…) or unique name.")],
         fmt: FormatOption = OutputFormat.TABLE) -> None:
    """Show one identity's accountability chain: what it runs and holds → sponsor → HR
    status → manager."""
    chain = nhi_views.show(state(ctx).app(), subject)
    if fmt is OutputFormat.TABLE:
        print_chain(chain)
        return
    data = chain.as_dict()
    if fmt is OutputFormat.JSON:
        render([data], list(data), fmt)
        return
    rows = [{"layer": layer, **n} for layer in ("upstream", "runs", "holds")
            for n in data[layer]]
    sponsor = data["sponsor"] or {}
    rows.append({"layer": "sponsor", "kind": "person", "id": sponsor.get("email", ""),
                 "name": sponsor.get("name", ""), "status": sponsor.get("status", ""),
                 "detail": f"{chain.basis}: {chain.reason}", "warn": False})
    render(rows, ["layer", "kind", "id", "name", "status", "detail"], fmt)


@nhi_app.command("person")
def person(ctx: typer.Context,
           email: Annotated[str, typer.Argument(help="The person's email.")],
           fmt: FormatOption = OutputFormat.TABLE) -> None:
    """Every non-human identity a person answers for."""
    if "@" not in email:
        raise typer.BadParameter(f"{email!r} is not an email address", param_hint="EMAIL")
    rows = nhi_views.for_person(state(ctx).app(), email)
    render(rows, COLUMNS, fmt, title=f"Identities {email} answers for", wide=WIDE,
           empty=f"{email} answers for no non-human identity")


@sponsor_app.command("set")
def set_(ctx: typer.Context,
         subject: Annotated[str, typer.Argument(help="The identity's id or unique name.")],
         owner: Annotated[str, typer.Option("--owner", help="The sponsor's email (an HR "
                                            "person).")],
         reason: Annotated[str, typer.Option("--reason", help="Why they answer for it.")]
         ) -> None:
    """Record the sponsor of a non-human identity (admins; recorded as the signed-in user
    and in the ledger)."""
    result = sponsors.set_sponsor(state(ctx).app(), subject, owner=owner, reason=reason)
    out = console()
    was = f" (was {result.previous})" if result.previous else ""
    out.print(f"{result.nhi.kind.replace('_', ' ')} {result.nhi.name} "
              f"({result.nhi.subject_id}): sponsor {result.owner}{was}")
    if result.warning:
        out.print(f"[yellow]warning:[/yellow] {result.warning}")


@sponsor_app.command("list")
def sponsor_list(ctx: typer.Context, kind: KindOption = None, source: SourceOption = None,
                 fmt: FormatOption = OutputFormat.TABLE) -> None:
    """List the sponsor of every non-human identity and why (explicit, succession,
    convention, creator, inherited, none)."""
    rows = sponsors.list_sponsors(state(ctx).app(), kind=str(kind) if kind else None,
                                  source=_source(ctx, source))
    render(rows, ["name", "sponsor", "id", "basis", "provisional", "sponsor_status",
                  "source", "reason"], fmt, title="Sponsors", wide=WIDE, limit=50,
           empty="no non-human identities (sync a platform source)")


def register(app: typer.Typer) -> None:
    """Add the nhi and sponsor groups to the root app."""
    app.add_typer(nhi_app, name="nhi")
    app.add_typer(sponsor_app, name="sponsor")
