"""The supervisor's children: started with a capped number of glibc heap arenas unless the
operator chose otherwise (see ``ALLOCATOR_ENV``)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tenfold.exchange.runner import ProcessSpec


def _environment_seen_by_child(tmp_path: Path, env: dict[str, str] | None = None) -> str:
    spec = ProcessSpec("probe", [sys.executable, "-c", "import os; print(os.environ.get('MALLOC_ARENA_MAX'))"], None,
                       tmp_path / "probe.log", env=env or {})
    spec.start()
    assert spec.process is not None and spec.process.wait(timeout=30) == 0
    return (tmp_path / "probe.log").read_text().strip()


def test_children_share_two_heap_arenas(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    assert _environment_seen_by_child(tmp_path) == "2"


def test_the_operators_arena_setting_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    assert _environment_seen_by_child(tmp_path) == "4"
    assert _environment_seen_by_child(tmp_path / "own", {"MALLOC_ARENA_MAX": "1"}) == "1"
