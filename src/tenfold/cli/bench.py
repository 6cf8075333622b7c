"""``tenfold bench``: benchmarks with a direct baseline in the same run, JSON out.

The benchmark code lives in the source tree's ``bench/`` directory (one module per benchmark,
each with ``run(**options) -> dict``); each building block's CLI module adds its command to
:data:`app`. Every result carries the machine it ran on.
"""

from __future__ import annotations

import importlib.util
import os
import platform
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import typer

from tenfold.cli.output import console, print_json, table
from tenfold.errors import TenfoldError
from tenfold.i18n import _

app = typer.Typer(help="Benchmarks (JSON out, with a direct baseline in the same run).", no_args_is_help=True)

BENCH_DIR = Path(__file__).resolve().parents[3] / "bench"


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_gib = None
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        memory_gib = round(pages / 2**30, 1)
    except (ValueError, OSError):
        pass
    return {
        "cpu": cpu,
        "cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "memory_gib": memory_gib,
        "python": platform.python_version(),
        "os": f"{platform.system()} {platform.release()}",
    }


def load(name: str) -> ModuleType:
    path = BENCH_DIR / f"{name}.py"
    if not path.is_file():
        raise TenfoldError(f"benchmark {name!r} not found at {path} (benchmarks run from a source checkout)")
    spec = importlib.util.spec_from_file_location(f"tenfold_bench_{name}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def report(name: str, result: dict[str, Any], as_json: bool) -> None:
    """Print a benchmark result: JSON for machines, a table for people."""
    result = {**result, "machine": machine()}
    if as_json:
        print_json(result)
        return
    rows = [(k, v) for k, v in result.items() if not isinstance(v, (dict, list))]
    console.print(table(_("Benchmark: {name}").format(name=name), [_("figure"), _("value")], rows))
    console.print(_("Machine") + ": " + ", ".join(f"{k}={v}" for k, v in result["machine"].items()))


PERCENTILES = (1, 5, 10, 25, 50, 75, 90, 95, 99, 99.9, 100)


def percentiles(values_ms: list[float]) -> dict[str, float] | None:
    """A latency distribution in a few numbers (percentile -> ms), small enough to keep in a
    benchmark's JSON and enough to draw its curve in the report."""
    if not values_ms:
        return None
    import numpy as np

    found = np.percentile(np.asarray(values_ms, dtype=float), PERCENTILES)
    return {f"{p:g}": round(float(v), 3) for p, v in zip(PERCENTILES, found)}


def _names(value: str) -> list[str]:
    return [n.strip() for n in value.split(",") if n.strip()]


@app.command("all")
def bench_all(
    report_path: Path = typer.Option(Path("docs/benchmarks.md"), "--report", help="Where the Markdown report goes (plots and JSON beside it)."),
    quick: bool = typer.Option(False, "--quick", help="Small sizes and short runs (to test the suite, not to measure)."),
    only: str = typer.Option("", "--only", help="Comma-separated benchmarks to run (default: all)."),
    skip: str = typer.Option("", "--skip", help="Comma-separated benchmarks to leave out."),
    soak_minutes: float = typer.Option(0.0, "--soak-minutes", min=0, max=24 * 60, help="Also run the soak benchmark for this long (0: not)."),
    keep: bool = typer.Option(False, "--keep", help="Show the benchmarks not run now with the results kept beside the report, marked as such."),
    report_only: bool = typer.Option(False, "--report-only", help="Run nothing: write the report from the results kept beside it."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON summary."),
) -> None:
    """Every benchmark, each in its own process, into one report with tables and plots."""
    from datetime import UTC, datetime

    from tenfold.cli.output import progress
    from tenfold.settings import get_settings

    suite = load("suite")
    try:
        names, notes = suite.choose(_names(only), _names(skip))
    except ValueError as error:
        raise TenfoldError(_("unknown benchmark: {names}").format(names=str(error))) from None
    started = datetime.now(UTC)
    report_path = report_path.resolve()
    out = report_path.parent / "benchmarks"
    if report_only:
        outcomes = suite.kept(out, [])
        if not outcomes:
            raise TenfoldError(_("no kept results beside {path}").format(path=report_path))
        suite.write_report(report_path, outcomes, notes, "full", started)
        console.print(_("Report: {path}").format(path=report_path))
        return
    if not names and not soak_minutes:
        raise TenfoldError(_("no benchmark left to run"))
    with progress(quiet=False) as shown:
        outcomes = suite.run_all(names, "quick" if quick else "full", out, get_settings().var_dir.resolve() / "logs" / "bench-all",
                                 shown, soak_minutes or None)
    if keep:
        outcomes = suite.kept(out, outcomes)
    suite.write_report(report_path, outcomes, notes, "quick" if quick else "full", started)
    if as_json:
        print_json({**suite.summary(outcomes, started), "report": str(report_path), "notes": notes})
        return
    for outcome in outcomes:
        console.print(f"{outcome.name}: " + (_("failed: {error}").format(error=outcome.error) if outcome.error else f"{outcome.seconds:,.0f} s"))
    console.print(_("Report: {path}").format(path=report_path))


@app.command("soak")
def bench_soak(
    minutes: float = typer.Option(30.0, "--minutes", min=0.5, max=24 * 60, help="How long the mixed load runs."),
    persons: int = typer.Option(20_000, "--persons", min=2_000, max=1_000_000, help="Size of the country generated for the run."),
    birth_rate: float = typer.Option(1.0, "--birth-rate", min=0.1, max=100.0, help="Births registered per second."),
    portal_users: int = typer.Option(5, "--portal-users", min=1, max=100, help="Signed-in residents reading portal pages."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Births, confirmations, payments and portal pages together; throughput, p99 and memory over time."""
    result = load("soak").run(minutes=minutes, persons=persons, birth_rate=birth_rate, portal_users=portal_users, quiet=as_json)
    if as_json:
        report("soak", result, as_json)
        return
    shown = {k: v for k, v in result.items() if not isinstance(v, (dict, list))}
    for group in ("throughput", "p99_ms", "invariants"):
        shown.update({f"{group}.{k}": v for k, v in result[group].items()})
    shown["memory"] = result["memory"]["verdict"]
    report("soak", shown, as_json)
