"""``tenfold life``: one clear line and a non-zero exit when there is nothing to talk to or the
input is wrong; ``tenfold bench births`` is a registered benchmark."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def _tenfold(var: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tenfold.cli", *arguments], capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "TENFOLD_VAR_DIR": str(var), "HOME": str(var)})


def test_life_commands_fail_in_one_line_when_the_country_is_not_running(tmp_path: Path) -> None:
    for arguments in (("life", "status"), ("life", "simulate", "--days", "1"), ("life", "sweep", "--from", "2026-01-01")):
        done = _tenfold(tmp_path, *arguments)
        assert done.returncode == 2, done.stderr
        assert "runtime.json not found" in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_bad_dates_and_days_are_refused(tmp_path: Path) -> None:
    assert _tenfold(tmp_path, "life", "simulate", "--days", "0").returncode == 2
    done = _tenfold(tmp_path, "life", "sweep", "--from", "2026-13-01")
    assert done.returncode == 2 and "YYYY-MM-DD" in done.stderr


def test_the_births_benchmark_is_registered(tmp_path: Path) -> None:
    done = _tenfold(tmp_path, "bench", "births", "--help")
    assert done.returncode == 0 and "--count" in done.stdout and "--rate" in done.stdout
