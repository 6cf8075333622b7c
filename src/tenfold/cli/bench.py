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
