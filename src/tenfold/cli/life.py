"""``tenfold life``: the life events of the running country.

``simulate`` releases the synthetic country's scheduled births and deaths into the population
register at an accelerated clock, as POP's own front office registers them (directly against
POP's registry application), and moves SIB's business day along; ``status`` is SIB's journeys
summary; ``sweep`` asks SIB to sweep POP for a window of days.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Callable, Optional

import typer

from tenfold.cli.bench import app as bench_app
from tenfold.cli.bench import load, report
from tenfold.cli.exchange import http, runtime
from tenfold.cli.output import console, print_json, table
from tenfold.errors import TenfoldError
from tenfold.i18n import _

app = typer.Typer(help="Life events: simulate births and deaths, follow the journeys.", no_args_is_help=True)
FRONT_OFFICE = {"Information-Mediator-Client": "DEMO/GOV/POP/registry"}


def app_url(state: dict[str, Any], code: str, name: str) -> str:
    for member in state["members"]:
        if member["code"] == code and member["apps"].get(name):
            return str(member["apps"][name])
    raise TenfoldError(_("the {app} application of {member} is not running").format(app=name, member=code))


@dataclass
class Released:
    births: int = 0
    deaths: int = 0
    refused: list[str] = field(default_factory=list)
    days: list[str] = field(default_factory=list)


def release_day(pop: str, day: date, released: Released) -> None:
    """Register the day's births and deaths at POP's front office and mark them released."""
    from tenfold.country import release, store
    from tenfold.settings import get_settings

    engine = store.open_engine(get_settings())
    try:
        with engine.begin() as connection:
            due = release.due_on(connection, day)
        for event in due:
            path, body = release.registration(event)
            status, _headers, answer = http("POST", pop + path, body, FRONT_OFFICE)
            if status not in (201, 409):
                detail = answer.get("detail") if isinstance(answer, dict) else answer
                released.refused.append(f"{event['event_key']}: {status} {str(detail)[:120]}")
            with engine.begin() as connection:
                release.mark_released(connection, event["id"])
            if status == 201:
                released.births += event["kind"] == "birth"
                released.deaths += event["kind"] == "death"
        with engine.begin() as connection:
            release.day_done(connection, day)
    finally:
        engine.dispose()


def simulate_days(state: dict[str, Any], days: int, speed: float, each_day: Callable[[date], None] | None = None) -> Released:
    """Release ``days`` days of the schedule, ``speed`` seconds of wall time per simulated day."""
    from tenfold.country import current, release, store
    from tenfold.settings import get_settings

    settings = get_settings()
    metadata = current(settings)
    engine = store.open_engine(settings)
    try:
        with engine.connect() as connection:
            start = release.next_day(connection, metadata.as_of)
    finally:
        engine.dispose()
    pop, sib = app_url(state, "POP", "registry"), app_url(state, "SIB", "lifeevents")
    released = Released()
    for offset in range(days):
        began, day = time.monotonic(), start + timedelta(days=offset)
        status, _headers, answer = http("PUT", sib + "/admin/clock", {"today": day.isoformat()})
        if status != 200:
            raise TenfoldError(_("SIB refused the simulated day: {status} {detail}").format(status=status, detail=answer))
        release_day(pop, day, released)
        released.days.append(day.isoformat())
        if each_day:
            each_day(day)
        time.sleep(max(0.0, speed - (time.monotonic() - began)))
    return released


def sib_status(state: dict[str, Any]) -> dict[str, Any]:
    status, _headers, answer = http("GET", app_url(state, "SIB", "lifeevents") + "/status")
    if status != 200:
        raise TenfoldError(_("SIB did not answer its status: {status}").format(status=status))
    return dict(answer)


def summary_rows(found: dict[str, Any]) -> list[tuple[str, str]]:
    def joined(values: dict[str, int]) -> str:
        return ", ".join(f"{k} {v}" for k, v in sorted(values.items())) or "-"

    return [
        (_("business day"), found["today"]),
        (_("events"), joined(found["events"])), (_("outcomes"), joined(found["outcomes"])),
        (_("offers"), joined(found["offers"])), (_("exception queue"), joined(found["exceptions"])),
        (_("open exceptions by reason"), joined(found["exceptionReasons"])),
        (_("notifications"), joined(found["notifications"])), (_("payment instructions"), joined(found["instructions"])),
        (_("overpayments (cents)"), str(found["overpaymentCents"])),
    ]


@app.command("simulate")
def simulate(
    days: int = typer.Option(..., "--days", min=1, max=366, help="How many days of the schedule to release."),
    speed: float = typer.Option(1.0, "--speed", min=0.0, max=3600.0, help="Seconds of wall time per simulated day (0: at once)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Release the country's scheduled births and deaths into POP at an accelerated clock."""
    state = runtime()
    released = simulate_days(state, days, speed)
    deadline = time.monotonic() + 30
    found = sib_status(state)
    while found["events"].get("received", 0) + found["events"].get("processing", 0) and time.monotonic() < deadline:
        time.sleep(0.5)
        found = sib_status(state)
    result = {"days": released.days, "births": released.births, "deaths": released.deaths, "refused": released.refused,
              "journeys": found}
    if as_json:
        print_json(result)
        return
    console.print(_("Released {births} births and {deaths} deaths over {days} days ({first} to {last}).").format(
        births=released.births, deaths=released.deaths, days=len(released.days), first=released.days[0], last=released.days[-1]))
    for line in released.refused:
        console.print("  " + _("refused") + ": " + line, highlight=False)
    console.print(table(_("Journeys at SIB"), [_("figure"), _("value")], summary_rows(found)))


@app.command("status")
def status(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """SIB's journeys summary: events, outcomes, offers by state, the exception queue."""
    found = sib_status(runtime())
    if as_json:
        print_json(found)
        return
    console.print(table(_("Journeys at SIB"), [_("figure"), _("value")], summary_rows(found)))


@app.command("sweep")
def sweep(
    start: str = typer.Option(..., "--from", metavar="YYYY-MM-DD", help="First day of the window."),
    stop: Optional[str] = typer.Option(None, "--to", metavar="YYYY-MM-DD", help="Last day (default: the first)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Ask SIB to sweep POP for the births and deaths of a window and take in what it missed."""
    try:
        first = date.fromisoformat(start)
        last = date.fromisoformat(stop) if stop else first
    except ValueError:
        raise TenfoldError(_("--from and --to are dates written YYYY-MM-DD")) from None
    code, _headers, answer = http("POST", app_url(runtime(), "SIB", "lifeevents") + "/admin/sweep",
                                  {"from": first.isoformat(), "to": last.isoformat()}, timeout=300)
    if code != 200:
        detail = answer.get("detail") if isinstance(answer, dict) else answer
        raise TenfoldError(_("the sweep failed: {status} {detail}").format(status=code, detail=detail))
    if as_json:
        print_json(answer)
        return
    console.print(_("Swept {days} days: {found} births and deaths in POP, {taken} taken in that SIB had missed.").format(
        days=answer["days"], found=answer["found"], taken=answer["takenIn"]))


@bench_app.command("births")
def bench_births(
    count: int = typer.Option(50, "--count", min=1, max=100_000, help="How many births to register."),
    rate: float = typer.Option(10.0, "--rate", min=0.1, max=1000.0, help="Births registered per second."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Time from a birth committed in POP to the offer stored at SIB (and its notification queued)."""
    report("births", load("births").run(count=count, rate=rate), as_json)
