"""`make demo` runs `tenfold demo`; here a small country goes through the same tour."""

import os
import socket
import subprocess
import sys

import pytest


def _free_port_block(size: int = 10) -> int:
    for _attempt in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            first = probe.getsockname()[1]
        if first + size < 65000 and all(_is_free(first + i) for i in range(size)):
            return first
    raise RuntimeError("no free block of ports")


def _is_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@pytest.mark.slow
def test_the_demo_tour_runs_and_shows_the_data_tracker(tmp_path) -> None:  # type: ignore[no-untyped-def]
    env = {**os.environ, "TENFOLD_VAR_DIR": str(tmp_path / "var"), "COLUMNS": "200"}
    result = subprocess.run(
        [sys.executable, "-m", "tenfold.cli", "demo", "--persons", "3000", "--once", "--port", str(_free_port_block())],
        capture_output=True, text=True, timeout=600, env=env,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "persons in the register" in result.stdout
    assert "→ 200" in result.stdout
    assert "What the person sees" in result.stdout and "DEMO/GOV/SIB/benefits" in result.stdout
