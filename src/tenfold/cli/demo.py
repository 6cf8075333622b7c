"""``tenfold demo`` (what ``make demo`` runs): the whole country on this machine, shown step by step.

Each step is a function that prints what it did; the demo calls the same commands and HTTP
APIs an operator would, so what it shows is what the product does.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from typing import Any

import orjson
import typer

from tenfold.cli.exchange import demo_section
from tenfold.cli.output import console, table
from tenfold.cli.serve import running_country
from tenfold.errors import TenfoldError
from tenfold.i18n import _, current_language
from tenfold.settings import get_settings
from tenfold.topology import load

CALLER = {"Information-Mediator-Client": "DEMO/GOV/SIB/benefits", "X-Road-Purpose": "Demo: checking family benefit eligibility"}


def _tenfold(*args: str, quiet: bool = False) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "tenfold.cli", *args], env={**os.environ, "TENFOLD_LANG": current_language.get()},
        stdout=subprocess.DEVNULL if quiet else None,
    )


def generate_country(persons: int, seed: int) -> None:
    """Step 1: the synthetic country (kept between runs: the same seed is not generated twice)."""
    console.rule(_("1. The synthetic country"))
    process = _tenfold("country", "generate", "--persons", str(persons), "--seed", str(seed))
    if process.wait() != 0:
        raise TenfoldError(_("generating the country failed"))


def start_registries(first_port: int) -> list[tuple[str, subprocess.Popen[bytes], str]]:
    """Step 2: every registry member serves its registries (GovStack Digital Registries API);
    POP gets the first port (3333 is where the GovStack test harness looks)."""
    console.rule(_("2. The registries"))
    topology = load(get_settings().topology)
    running = []
    for member in [m for m in topology.members if m.registries]:
        port = first_port + len(running)
        process = _tenfold("serve", "registry", "--member", member.code, "--port", str(port), quiet=True)
        running.append((member.id, process, f"http://127.0.0.1:{port}"))
    for member_id, process, url in running:
        _wait_until_healthy(url, process, member_id)
    language = current_language.get()
    rows = [(m_id, load(get_settings().topology).member(m_id).name.get(language), url + "/openapi.json") for m_id, _p, url in running]
    console.print(table(_("Registries and their API documents"), [_("member"), _("name"), _("OpenAPI")], rows))
    return running


def _wait_until_healthy(url: str, process: subprocess.Popen[bytes], member_id: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise TenfoldError(_("the registry of {member} stopped").format(member=member_id))
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise TenfoldError(_("the registry of {member} did not start").format(member=member_id))


def call(method: str, url: str, body: dict[str, Any] | None = None, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    """One HTTP call; returns the status and the decoded JSON body."""
    data = orjson.dumps(body) if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={"content-type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, orjson.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, orjson.loads(error.read() or b"null")


def registry_tour(pop: str) -> None:
    """Step 3: a few calls an agency would make, and the person's view of them."""
    console.rule(_("3. Calls to the population register"))
    sample = subprocess.run([sys.executable, "-m", "tenfold.cli", "country", "sample", "--json"], capture_output=True, check=True)
    residents = orjson.loads(sample.stdout)
    mother = next(r for r in residents if r["role"].startswith("expecting"))["personId"]
    status, person = call("POST", f"{pop}/data/persons/1.0/read", {"query": {"content": {"ID": mother}}}, CALLER)
    shown = person["content"] if status == 200 else person
    console.print(f"curl -X POST {pop}/data/persons/1.0/read -H 'Information-Mediator-Client: {CALLER['Information-Mediator-Client']}' "
                  f"-H 'content-type: application/json' -d '{{\"query\": {{\"content\": {{\"ID\": \"{mother}\"}}}}}}'", highlight=False, soft_wrap=True)
    console.print(f"→ {status} {shown.get('firstName')} {shown.get('lastName')}, {shown.get('birthDate')}, {shown.get('addressId')}", highlight=False)
    status, births = call("GET", f"{pop}/data/births/1.0?query.motherId={mother}", headers=CALLER)
    console.print(f"curl '{pop}/data/births/1.0?query.motherId={mother}' -H 'Information-Mediator-Client: ...'", highlight=False, soft_wrap=True)
    console.print("→ " + _("{status}: {count} registered births to this mother").format(status=status, count=births["count"]), highlight=False)
    status, bad = call("POST", f"{pop}/data/persons/1.0/read", {"query": {"content": {"ID": mother[:-1] + str((int(mother[-1]) + 1) % 10)}}}, CALLER)
    console.print("→ " + _("a personal code with a wrong check digit: {status} {detail}").format(status=status, detail=bad["detail"][0]["msg"]), highlight=False)
    status, usage = call("GET", f"{pop}/data/myPersonalDataUsage?userId={mother}", headers={"Information-Mediator-Client": "DEMO/GOV/PORTAL/portal"})
    rows = [(u["SearchDateTime"][:19], u["ReaderApplicationName"], u["Operation"], u["Purpose"] or "-", u["Refrences"][0]["Registry"]) for u in usage]
    console.print(table(_("What the person sees: who read my data at POP (myPersonalDataUsage)"),
                        [_("time"), _("reader"), _("operation"), _("purpose"), _("registry")], rows))


def demo(
    persons: int = typer.Option(100_000, "--persons", min=1_000, max=10_000_000, help="Size of the demo country."),
    seed: int = typer.Option(1, "--seed", min=0, help="Seed of the demo country."),
    once: bool = typer.Option(False, "--once", help="Show the tour and stop, instead of serving until Ctrl-C."),
    port: int = typer.Option(3333, "--port", min=1024, max=65000, help="First port of the registries."),
) -> None:
    """Run the whole country on this machine and show what it does."""
    generate_country(persons, seed)
    running = start_registries(port)
    try:
        registry_tour(running[0][2])
        with running_country() as runtime:  # CENTRAL and every member's gateway and applications
            demo_section(runtime)
            if not once:
                console.rule(_("The country is running"))
                console.print(_("Try the URLs above; press Ctrl-C to stop."))
                while all(p.poll() is None for _m, p, _u in running):
                    time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        for _member, process, _url in running:
            process.terminate()
        for _member, process, _url in running:
            process.wait(10)
