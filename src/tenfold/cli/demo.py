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
from pathlib import Path
from typing import Any

import orjson
import typer

from tenfold.cli.output import console, table
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
    console.rule(_("3. Calls to the population register (GovStack Digital Registries API)"))
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


def members_table(runtime: dict[str, Any]) -> None:
    """Step 2: every member of the country, its gateway and applications."""
    console.rule(_("2. The country is running: CENTRAL and every member, each in its own process"))
    language = current_language.get()
    topology = load(get_settings().topology)
    rows = [(m["id"], topology.member(m["id"]).name.get(language), m["gateway_url"],
             ", ".join(f"{name} {url}" for name, url in m["apps"].items()) or "-") for m in runtime["members"]]
    console.print(table(_("Members, their gateways and applications (var/runtime.json)"),
                        [_("member"), _("name"), _("gateway"), _("applications")], rows))


def assistant_tour(quick: bool) -> None:
    """The policy assistant: the handbooks and rules indexed, two questions in two languages."""
    console.rule(_("The policy assistant"))
    environment = {"TENFOLD_ASSISTANT_EMBEDDER": "none"} if quick else {}
    sources = [["corpus/policy"], ["--set", "operator-guide", "docs/operator-guide.md", "docs/operator-guide.zh-Hant.md"],
               [str(p) for p in sorted(Path(__file__).resolve().parents[1].glob("programs/*/handbook.*.md"))]]
    root = Path(__file__).resolve().parents[3]
    for paths in sources:
        _run_tenfold("assistant", "ingest", *paths, cwd=root, environment=environment)
    _run_tenfold("assistant", "ask", "How much is the child allowance for a third child?", cwd=root, environment=environment)
    _run_tenfold("--lang", "zh-Hant", "assistant", "ask", "死亡一次通報服務的參考編號要在幾天內使用?", cwd=root, environment=environment)


def _run_tenfold(*args: str, cwd: Path, environment: dict[str, str]) -> None:
    result = subprocess.run([sys.executable, "-m", "tenfold.cli", *args], cwd=cwd, env={**os.environ, **environment})
    if result.returncode != 0:
        raise TenfoldError(_("the demo step failed: tenfold {command}").format(command=" ".join(args[:3])))


def demo(
    persons: int = typer.Option(100_000, "--persons", min=1_000, max=10_000_000, help="Size of the demo country."),
    seed: int = typer.Option(1, "--seed", min=0, help="Seed of the demo country."),
    once: bool = typer.Option(False, "--once", help="Show the tour and stop, instead of serving until Ctrl-C."),
    quick: bool = typer.Option(False, "--quick", help="A shorter tour (keyword-only assistant, fewer simulated days)."),
) -> None:
    """Run the whole country on this machine and show what it does."""
    from tenfold.cli import identity_demo, life_demo, payments_demo, portal_demo
    from tenfold.cli.exchange import demo_section
    from tenfold.cli.serve import running_country

    generate_country(persons, seed)
    try:
        with running_country() as runtime:  # CENTRAL and every member's gateway and applications
            members_table(runtime)
            registry_tour(_app(runtime, "POP", "registry"))
            demo_section(runtime)
            identity_demo.show(runtime)
            life_demo.show(runtime, days=7 if quick else 21)
            payments_demo.show(runtime)
            assistant_tour(quick)
            portal_demo.show(runtime)  # last, so the URL and sign-ins stay on screen
            if not once:
                console.rule(_("The country is running"))
                console.print(_("Try the URLs above; press Ctrl-C to stop."))
                while True:
                    time.sleep(1)
    except KeyboardInterrupt:
        pass


def _app(runtime: dict[str, Any], code: str, name: str) -> str:
    for member in runtime["members"]:
        if member["code"] == code:
            return str(member["apps"][name]).rstrip("/")
    raise TenfoldError(_("member {code} is not running").format(code=code))
