"""``tenfold topology``: check and show the country's topology file."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from tenfold.cli.output import console, print_json, table
from tenfold.i18n import _, current_language
from tenfold.settings import get_settings
from tenfold.topology import TopologyError, load

app = typer.Typer(help="Check and show the topology: members, subsystems, services, rooms.", no_args_is_help=True)


@app.command("check")
def check(
    path: Optional[Path] = typer.Argument(None, help="Topology file (default: the configured one)."),
    as_json: bool = typer.Option(False, "--json", help="Print the problems as JSON."),
) -> None:
    """Validate a topology file; every problem is reported with its line."""
    path = path or get_settings().topology
    try:
        topology = load(path)
    except TopologyError as error:
        if as_json:
            print_json({"valid": False, "problems": [{"line": p.line, "location": p.location, "message": p.message} for p in error.problems]})
        else:
            for problem in error.problems:
                console.print(f"{path}:{problem.line or '?'}: {problem.location}: {problem.message}", highlight=False, soft_wrap=True)
        raise typer.Exit(1)
    if as_json:
        print_json({"valid": True, "instance": topology.instance, "members": len(topology.members)})
    else:
        console.print(_("{path}: valid ({count} members)").format(path=path, count=len(topology.members)))


@app.command("show")
def show(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List the members of the configured topology."""
    topology = load(get_settings().topology)
    language = current_language.get()
    if as_json:
        print_json(topology.model_dump(by_alias=True))
        return
    rows = [
        (m.id, m.name.get(language), ", ".join(s.code for s in m.subsystems), ", ".join(m.registries) or "-",
         ", ".join(r.code for r in m.rooms) or "-")
        for m in topology.members
    ]
    console.print(table(_("Members of {instance}").format(instance=topology.instance),
                        [_("member"), _("name"), _("subsystems"), _("registries"), _("rooms")], rows))
