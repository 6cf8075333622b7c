"""``tenfold country``: generate the synthetic country, show its summary and a few residents;
and ``tenfold bench generate``."""

from __future__ import annotations

from typing import Any, Optional

import typer

from tenfold.cli.bench import app as bench_app
from tenfold.cli.bench import load, report
from tenfold.cli.output import console, print_json, progress, table
from tenfold.i18n import _

app = typer.Typer(help="The synthetic country: generate it, summarise it, meet a few residents.", no_args_is_help=True)

_STEPS = ("people", "households", "schedule", "economy")


def _request(persons: str, seed: str, as_of: Optional[str], days: str):  # type: ignore[no-untyped-def]
    from tenfold.country import DEFAULT_AS_OF, GenerationRequest
    from tenfold.country.models import parse_date, parse_int
    from tenfold.settings import get_settings

    return GenerationRequest(
        persons=parse_int(persons, "--persons"), seed=parse_int(seed, "--seed"),
        as_of=parse_date(as_of, "--as-of") if as_of else DEFAULT_AS_OF, days=parse_int(days, "--days"),
        id_scheme=get_settings().id_scheme,
    )


def _figure_rows(figures: dict[str, int]) -> list[tuple[str, int]]:
    from tenfold.country import FIGURES

    return [(_(label), figures[key]) for key, label in FIGURES if key in figures]


@app.command("generate")
def generate(
    persons: str = typer.Option(..., "--persons", metavar="N", help="How many people (1 to 10,000,000)."),
    seed: str = typer.Option("1", "--seed", metavar="S", help="Random seed: the same seed gives the same country."),
    as_of: Optional[str] = typer.Option(None, "--as-of", metavar="YYYY-MM-DD", help="The country's today (default 2026-01-01)."),
    days: str = typer.Option("365", "--days", metavar="D", help="How many days of future births and deaths to schedule."),
    force: bool = typer.Option(False, "--force", help="Regenerate even if this country, or another, is already there."),
    workers: int = typer.Option(0, "--workers", min=0, max=8, help="Processes writing member databases (0: up to 2)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Generate a deterministic synthetic country into every member's own database."""
    from tenfold.country import Progress
    from tenfold.country import generate as generate_country
    from tenfold.settings import get_settings

    settings = get_settings()
    request = _request(persons, seed, as_of, days)
    with progress(quiet=as_json) as bar:
        tasks: dict[str, Any] = {}

        def step(name: str) -> None:
            if "building" not in tasks:
                tasks["building"] = bar.add_task(_("Generating the country"), total=len(_STEPS))
            bar.update(tasks["building"], completed=_STEPS.index(name) if name in _STEPS else len(_STEPS))
            if name == "record":
                bar.update(tasks["writing"], completed=bar.tasks[tasks["writing"]].total)
                tasks["record"] = bar.add_task(_("Recording the schedule"), total=1)

        def members(count: int) -> None:
            tasks["writing"] = bar.add_task(_("Writing member databases"), total=count)

        outcome = generate_country(
            settings, request, force=force, workers=workers or None,
            progress=Progress(step=step, members=members, member_written=lambda w: bar.advance(tasks["writing"])),
        )
        if "record" in tasks:
            bar.update(tasks["record"], completed=1)
    if as_json:
        print_json(_outcome_json(outcome))
        return
    if not outcome.generated:
        console.print(_("This country (persons {persons}, seed {seed}, as of {as_of}) is already generated in {place}; "
                        "nothing to do (--force regenerates it).").format(
            persons=request.persons, seed=request.seed, as_of=request.as_of.isoformat(), place=settings.var_dir))
    else:
        console.print(_("Generated {persons} persons in {seconds:.1f} s.").format(persons=request.persons, seconds=outcome.seconds))
    console.print(table(_("The country"), [_("figure"), _("value")], _figure_rows(outcome.figures)))


def _outcome_json(outcome: Any) -> dict[str, Any]:
    request = outcome.request
    return {
        "generated": outcome.generated, "persons": request.persons, "seed": request.seed, "asOf": request.as_of.isoformat(),
        "days": request.days, "seconds": outcome.seconds, "figures": outcome.figures, "counts": outcome.counts,
        "timings": outcome.timings,
    }


@app.command("summary")
def summary(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """The generated country in figures, counted in the member databases."""
    from tenfold.country import summary as country_summary
    from tenfold.settings import get_settings

    with progress(quiet=as_json) as bar:
        task = bar.add_task(_("Counting in the member databases"), total=1)
        metadata, figures = country_summary(get_settings())
        bar.update(task, completed=1)
    if as_json:
        print_json({"persons": metadata.persons, "seed": metadata.seed, "asOf": metadata.as_of.isoformat(),
                    "generatorVersion": metadata.generator_version, "figures": figures})
        return
    title = _("The country (seed {seed}, as of {as_of})").format(seed=metadata.seed, as_of=metadata.as_of.isoformat())
    console.print(table(title, [_("figure"), _("value")], _figure_rows(figures)))


@app.command("sample")
def sample(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """A few residents worth meeting: mothers expecting a child or twins, someone whose death is scheduled and their children."""
    from tenfold.country.residents import demo_residents
    from tenfold.settings import get_settings

    residents = demo_residents(get_settings())
    if as_json:
        print_json(residents)
        return
    rows = [(_(r["role"]), r["name"], r["personId"], r["birthDate"], r["note"]) for r in residents]
    console.print(table(_("Demo residents"), [_("role"), _("name"), _("personal code"), _("born"), _("what is ahead")], rows))


@bench_app.command("generate")
def bench_generate(
    persons: int = typer.Option(100_000, "--persons", min=1, max=10_000_000, help="How many people."),
    seed: int = typer.Option(1, "--seed", min=0, help="Random seed."),
    workers: int = typer.Option(0, "--workers", min=0, max=8, help="Processes writing member databases (0: up to 2)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Generate a country into a temporary directory (never ./var) and time it."""
    result = load("generate").run(persons=persons, seed=seed, workers=workers or None)
    report("generate", result, as_json)
