"""``tenfold registry``: the registry definitions."""

from __future__ import annotations

import typer

from tenfold.cli.output import console, print_json, table
from tenfold.i18n import _, current_language
from tenfold.registries import catalogue

app = typer.Typer(help="Registry definitions (schemas) and their versions.", no_args_is_help=True)


@app.command("list")
def list_definitions(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Every registry definition Tenfold ships, with its versions and indexed fields."""
    definitions = catalogue()
    language = current_language.get()
    entries = []
    for name in definitions.registries():
        for version in definitions.versions(name):
            schema = definitions.get(name, version)
            entries.append({
                "registry": name, "version": version, "title": schema.title.get(language, schema.title["en"]),
                "fields": len(schema.properties), "personFields": list(schema.person_fields),
                "indexed": list(schema.indexed), "events": [e.event_type for e in schema.events],
            })
    if as_json:
        print_json(entries)
        return
    rows = [(e["registry"], e["version"], e["title"], e["fields"], ", ".join(e["indexed"]) or "-", ", ".join(e["events"]) or "-")
            for e in entries]
    console.print(table(_("Registry definitions"), [_("registry"), _("version"), _("title"), _("fields"), _("indexed"), _("events")], rows))
