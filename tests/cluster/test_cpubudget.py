"""A host's CPU budget (a control group): a process in it gets no more CPU than the budget,
however hard it tries, and the group is gone once removed."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from tenfold.cluster.cpubudget import CpuBudget, unavailable

WHY = unavailable()
pytestmark = pytest.mark.skipif(WHY is not None, reason=f"no control groups here: {WHY}")


def cpu_seconds(pid: int) -> float:
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_a_process_in_a_budget_of_a_tenth_of_a_core_gets_about_that() -> None:
    budget = CpuBudget(f"tenfold-test-{os.getpid()}", 0.1)
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        budget.add(spinner.pid)
        time.sleep(0.3)   # into the group and past start-up
        before, started = cpu_seconds(spinner.pid), time.monotonic()
        time.sleep(2.0)
        share = (cpu_seconds(spinner.pid) - before) / (time.monotonic() - started)
    finally:
        spinner.kill()
        spinner.wait()
        budget.remove()
    assert share < 0.2, f"a busy loop in a 0.1-core budget used {share:.2f} of a core"
    assert not budget.path.exists()


def test_a_budget_of_nothing_is_refused() -> None:
    with pytest.raises(ValueError, match="more than 0"):
        CpuBudget("tenfold-test-zero", 0)
