"""A host's own CPU, on a machine whose hosts are network namespaces sharing its cores.

Network namespaces give each host of a one-machine cluster its own addresses, not its own
processors: every process still runs on the same cores. A benchmark that asks "does a second host
add capacity?" needs each host to have a processor budget of its own, as a real host has. Linux
control groups give that: the processes put in a group get at most ``cores`` of CPU time per
period (the CFS bandwidth limit, as ``docker run --cpus`` sets it).

Both cgroup hierarchies are handled: version 2 where its ``cpu`` controller is enabled, else the
version-1 ``cpu`` controller. :func:`unavailable` says why neither can be used (not root, no
controller), so that a caller can say what it measured instead.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOTS = (Path("/sys/fs/cgroup"), Path("/sys/fs/cgroup/unified"))   # version 2, mounted alone or beside version 1
V1_CPU = Path("/sys/fs/cgroup/cpu")
PERIOD_US = 100_000


def _v2_root() -> Path | None:
    for root in ROOTS:
        controllers = root / "cgroup.controllers"
        if controllers.is_file() and "cpu" in controllers.read_text().split():
            return root
    return None


def unavailable() -> str | None:
    """Why CPU budgets cannot be set here, or None when they can."""
    if os.geteuid() != 0:
        return "not root: control groups cannot be made"
    if _v2_root() is None and not (V1_CPU / "cpu.cfs_quota_us").is_file():
        return "no cgroup cpu controller (neither version 2 with cpu enabled nor version 1 cpu)"
    return None


class CpuBudget:
    """One control group limited to ``cores`` of CPU time; processes added to it (and their
    threads and children) share that budget. Removed by :meth:`remove` once they have ended."""

    def __init__(self, name: str, cores: float):
        if cores <= 0:
            raise ValueError("a CPU budget must be more than 0 cores")
        reason = unavailable()
        if reason is not None:
            raise RuntimeError(f"cannot give {name} a CPU budget: {reason}")
        self.cores = cores
        quota = max(1000, int(cores * PERIOD_US))
        root = _v2_root()
        if root is not None:
            (root / "cgroup.subtree_control").write_text("+cpu")
            self.path = root / name
            self.path.mkdir(exist_ok=True)
            (self.path / "cpu.max").write_text(f"{quota} {PERIOD_US}")
        else:
            self.path = V1_CPU / name
            self.path.mkdir(exist_ok=True)
            (self.path / "cpu.cfs_period_us").write_text(str(PERIOD_US))
            (self.path / "cpu.cfs_quota_us").write_text(str(quota))

    def add(self, pid: int) -> None:
        (self.path / "cgroup.procs").write_text(str(pid))

    def remove(self) -> None:
        """Delete the group (the kernel refuses while a process is still in it; then it stays)."""
        try:
            self.path.rmdir()
        except OSError:
            pass
