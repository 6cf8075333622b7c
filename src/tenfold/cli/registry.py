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


def _register_bench() -> None:
    from tenfold.cli.bench import app as bench_app
    from tenfold.cli.bench import load, report

    @bench_app.command("registry")
    def bench_registry(
        persons: int = typer.Option(100_000, "--persons", min=1_000, max=5_000_000, help="Persons in the test registry."),
        seconds: float = typer.Option(10.0, "--seconds", min=1, max=600, help="Duration of each measurement."),
        concurrency: int = typer.Option(16, "--concurrency", min=1, max=512, help="Concurrent HTTP clients."),
        as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    ) -> None:
        """Registry reads/s through the Data API, with a direct-SQL baseline in the same run."""
        report("registry", load("registry").run(persons=persons, seconds=seconds, concurrency=concurrency), as_json)


_register_bench()
