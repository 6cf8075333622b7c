"""Where a process's memory goes, on demand: for diagnosing growth in a running country (the soak
benchmark names a process that grows; this says which lines of code hold the memory).

With ``TENFOLD_TRACEMALLOC`` set to a process name (``SIB/lifeevents``, ``POP/gateway``) or to
``all``, that process starts Python's tracemalloc when it starts; each ``SIGUSR2`` then writes the
allocation sites that grew most since the first signal (the first one takes the baseline) to
``<var>/logs/memory-<member>-<app>-<pid>.txt``. Tracing costs time and memory: for diagnosis only.
The file holds code locations and sizes, never values.
"""

from __future__ import annotations

import os
import signal
import time
import tracemalloc
from pathlib import Path
from types import FrameType

FRAMES = 8   # enough of each allocation's call stack to see whose it is
TOP = 25


def wanted(process: str) -> bool:
    chosen = os.environ.get("TENFOLD_TRACEMALLOC", "").strip()
    return bool(chosen) and (chosen == "all" or chosen.lower() == process.lower())


def install(process: str, logs: Path) -> bool:
    """Start tracing and answer SIGUSR2 when this process was asked for; False when it was not."""
    if not wanted(process):
        return False
    tracemalloc.start(FRAMES)
    baseline: list[tracemalloc.Snapshot] = []
    path = logs / f"memory-{process.replace('/', '-').lower()}-{os.getpid()}.txt"

    def report(_signum: int, _frame: FrameType | None) -> None:
        snapshot = tracemalloc.take_snapshot().filter_traces([tracemalloc.Filter(False, tracemalloc.__file__)])
        if not baseline:
            baseline.append(snapshot)
            _write(path, f"{time.strftime('%H:%M:%S')} baseline taken; traced {tracemalloc.get_traced_memory()[0] / 2**20:.1f} MiB\n")
            return
        lines = [f"{time.strftime('%H:%M:%S')} growth since the baseline, by call stack "
                 f"(traced now {tracemalloc.get_traced_memory()[0] / 2**20:.1f} MiB):"]
        for stat in snapshot.compare_to(baseline[0], "traceback")[:TOP]:
            lines.append(f"{stat.size_diff / 1024:+10.1f} KiB {stat.count_diff:+8d} blocks")
            lines += [f"      {frame.filename}:{frame.lineno}" for frame in stat.traceback]
        _write(path, "\n".join(lines) + "\n")

    logs.mkdir(parents=True, exist_ok=True)
    signal.signal(signal.SIGUSR2, report)
    return True


def _write(path: Path, text: str) -> None:
    with path.open("a", encoding="utf-8") as out:
        out.write(text)
