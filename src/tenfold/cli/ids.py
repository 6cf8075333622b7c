"""``tenfold ids``: check and make personal codes and X-Road identifiers."""

from __future__ import annotations

from datetime import date
from typing import Optional

import numpy as np
import typer

from tenfold.cli.output import console, print_json
from tenfold.errors import InvalidInput
from tenfold.i18n import _
from tenfold.ids import isikukood, parse, scheme

app = typer.Typer(help="Check personal codes and X-Road identifiers.", no_args_is_help=True)


@app.command("check")
def check(
    code: str = typer.Argument(..., help="A personal code of the configured scheme."),
    scheme_name: Optional[str] = typer.Option(None, "--scheme", help="ee or verhoeff (default: the setting)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Say whether a personal code is valid, and what it encodes."""
    chosen = scheme(scheme_name)
    try:
        valid = chosen.validate(code)
    except InvalidInput as error:
        if as_json:
            print_json({"valid": False, "reason": str(error)})
            raise typer.Exit(1)
        raise
    facts = {"valid": True, "code": valid, "scheme": chosen.name}
    if chosen.name == "ee":
        facts.update(birthDate=isikukood.birth_date(valid).isoformat(), sex=isikukood.sex(valid))
    if as_json:
        print_json(facts)
    else:
        console.print(_("valid") + ": " + ", ".join(f"{k}={v}" for k, v in facts.items() if k != "valid"))


@app.command("make")
def make(
    birth_date: str = typer.Option(..., "--birth-date", help="YYYY-MM-DD"),
    sex: str = typer.Option(..., "--sex", help="F or M"),
    serial: int = typer.Option(0, "--serial", min=0, max=999, help="Serial 0-999 (Estonian scheme)."),
) -> None:
    """Make an Estonian personal code."""
    try:
        born = date.fromisoformat(birth_date)
    except ValueError:
        raise InvalidInput(f"--birth-date {birth_date!r} is not a date (YYYY-MM-DD)") from None
    console.print(isikukood.generate(born, sex.upper(), serial))


@app.command("xroad")
def xroad_id(identifier: str = typer.Argument(..., help="INSTANCE/CLASS/MEMBER[/SUBSYSTEM[/SERVICE]]")) -> None:
    """Parse an X-Road identifier and print its kind and parts."""
    parsed = parse(identifier)
    print_json({"kind": parsed.kind, "parts": list(parsed.parts), "encoded": parsed.encoded()})


def sample(count: int, scheme_name: str | None = None, seed: int = 0) -> list[str]:
    """A few valid codes (used by the demo to print sample calls)."""
    rng = np.random.default_rng(seed)
    days = np.datetime64("1950-01-01") + rng.integers(0, 25000, count)
    return scheme(scheme_name).generate_many(rng, days, rng.integers(0, 2, count)).tolist()
