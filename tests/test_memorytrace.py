"""Memory tracing on demand: only the process asked for traces, the first SIGUSR2 takes a baseline
and the next writes the allocation sites that grew (code lines and sizes)."""

from __future__ import annotations

import os
import signal
import tracemalloc
from pathlib import Path

import pytest

from tenfold import memorytrace


@pytest.fixture
def restored():  # type: ignore[no-untyped-def]
    previous = signal.getsignal(signal.SIGUSR2)
    yield
    signal.signal(signal.SIGUSR2, previous)
    tracemalloc.stop()


def test_only_the_named_process_is_traced(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, restored: None) -> None:
    monkeypatch.setenv("TENFOLD_TRACEMALLOC", "SIB/lifeevents")
    assert memorytrace.install("POP/registry", tmp_path) is False and not tracemalloc.is_tracing()
    monkeypatch.setenv("TENFOLD_TRACEMALLOC", "")
    assert memorytrace.install("SIB/lifeevents", tmp_path) is False


def test_the_second_signal_writes_what_grew_since_the_first(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, restored: None) -> None:
    monkeypatch.setenv("TENFOLD_TRACEMALLOC", "sib/lifeevents")
    assert memorytrace.install("SIB/lifeevents", tmp_path) is True and tracemalloc.is_tracing()
    os.kill(os.getpid(), signal.SIGUSR2)
    kept = [bytearray(64 * 1024) for _ in range(32)]   # 2 MiB held between the two signals
    os.kill(os.getpid(), signal.SIGUSR2)
    [report] = tmp_path.glob("memory-sib-lifeevents-*.txt")
    text = report.read_text()
    assert "baseline taken" in text and "growth since the baseline" in text
    assert "test_memorytrace.py" in text, "the line that allocated is not named"
    assert len(kept) == 32
