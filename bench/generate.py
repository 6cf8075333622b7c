"""Benchmark: generate a synthetic country into a temporary directory and time it.

``run(persons, seed)`` never touches ./var: it writes SQLite databases under a fresh temporary
directory (any TENFOLD_DATABASE_URL_* overrides are set aside while it runs) and deletes them
afterwards. Goal (ARCHITECTURE.md): 1,000,000 persons in <= 60 s on 2 cores.
"""

from __future__ import annotations

import os
import resource
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from tenfold.country import GenerationRequest, generate
from tenfold.settings import Settings


def _cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def run(persons: int, seed: int = 1, workers: int | None = None) -> dict[str, Any]:
    directory = Path(tempfile.mkdtemp(prefix="tenfold-bench-generate-"))
    overrides = {k: os.environ.pop(k) for k in list(os.environ) if k.startswith("TENFOLD_DATABASE_URL_")}
    try:
        settings = Settings(var_dir=directory, database_url_template=None)
        cpu_before = _cpu_seconds()
        started = time.perf_counter()
        outcome = generate(settings, GenerationRequest(persons=persons, seed=seed), force=True, workers=workers)
        seconds = time.perf_counter() - started
        cpu = _cpu_seconds() - cpu_before
        records = sum(sum(counts.values()) for counts in outcome.counts.values())
        size = sum(path.stat().st_size for path in directory.glob("*.sqlite"))
    finally:
        os.environ.update(overrides)
        shutil.rmtree(directory, ignore_errors=True)
    phases = outcome.timings
    return {
        "persons": persons,
        "seconds": round(seconds, 2),
        "persons_per_s": round(persons / seconds),
        "records": records,
        "records_per_s": round(records / seconds),
        # CPU time of this process and its writers: on a machine shared with other work the wall
        # time grows, this does not; cpu_seconds / cores bounds the wall time on an idle machine.
        "cpu_seconds": round(cpu, 1),
        "generate_seconds": round(sum(phases.get(k, 0.0) for k in ("people", "households", "schedule", "economy")), 2),
        "members_seconds": phases.get("members"),
        "schedule_seconds": phases.get("record"),
        "database_mib": round(size / 2**20),
        "phases": phases,
    }
