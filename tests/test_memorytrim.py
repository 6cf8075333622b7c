"""Freed heap memory goes back to the system (glibc's malloc_trim), every minute in served processes."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import textwrap

import pytest

from tenfold import memorytrim
from tenfold.errors import InvalidInput

glibc = pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="malloc_trim is glibc's")


@glibc
def test_trimming_returns_pages_that_free_kept() -> None:
    # A fresh process fills its heap with 1 KiB blocks (malloc, not Python's small-object
    # allocator), frees all but one in 64 and reports its resident size before and after a trim.
    script = textwrap.dedent("""
        import sys
        from tenfold import memorytrim
        def rss():
            for line in open("/proc/self/status"):
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        blocks = [bytes(1024) for _ in range(200_000)]
        kept = blocks[::64]
        del blocks
        before = rss()
        trimmed = memorytrim.trim()
        print(before, rss(), trimmed, len(kept))
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "MALLOC_ARENA_MAX": "2"})
    assert done.returncode == 0, done.stderr
    before, after, trimmed, _kept = done.stdout.split()
    assert trimmed == "True" and float(before) - float(after) > 100, done.stdout   # ~190 MiB freed, most of it returned


@glibc
def test_a_thread_trims_at_the_interval_and_stops() -> None:
    stop = memorytrim.start(0.01)
    assert stop is not None
    stop.set()
    assert memorytrim.start(0) is None


def test_the_interval_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TENFOLD_MALLOC_TRIM_SECONDS", raising=False)
    assert memorytrim.interval() == memorytrim.DEFAULT_SECONDS
    monkeypatch.setenv("TENFOLD_MALLOC_TRIM_SECONDS", "0")
    assert memorytrim.interval() == 0 and memorytrim.start() is None
    for bad in ("soon", "-5"):
        monkeypatch.setenv("TENFOLD_MALLOC_TRIM_SECONDS", bad)
        with pytest.raises(InvalidInput, match="TENFOLD_MALLOC_TRIM_SECONDS"):
            memorytrim.interval()
