"""The garbage collector's settings for served processes (in a child process: they are global)."""

from __future__ import annotations

import subprocess
import sys

CHILD = """
import gc, weakref
from tenfold import collector

class Node:
    pass

startup = [Node() for _ in range(1000)]
collector.settle()
assert gc.get_threshold() == collector.THRESHOLDS, gc.get_threshold()
assert gc.get_freeze_count() >= 1000  # what lived at start-up is out of every later walk

def cycle():
    a, b = Node(), Node()
    a.other, b.other = b, a  # freed by the collector only, never by reference counting
    return weakref.ref(a)

first = cycle()
for _ in range(collector.THRESHOLDS[0] * 2):  # enough allocations for a young collection
    cycle()
assert first() is None, "a cycle outlived two thresholds of allocations"
print("ok")
"""


def test_settled_processes_freeze_their_start_and_still_collect_cycles() -> None:
    done = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr
