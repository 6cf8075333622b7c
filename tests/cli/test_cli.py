"""The ``tenfold`` command as an operator meets it: real processes, real exit codes."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tenfold.settings import DEMO_TOPOLOGY


def tenfold(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run(
        [sys.executable, "-m", "tenfold.cli", *args], capture_output=True, text=True, timeout=120,
        env={**os.environ, **(env or {})},
    )


def test_bad_input_is_one_line_on_stderr_and_a_non_zero_exit() -> None:
    result = tenfold("ids", "check", "38503049508")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "check digit" in result.stderr and "Traceback" not in result.stderr


def test_errors_are_labelled_in_the_chosen_language() -> None:
    result = tenfold("--lang", "zh-Hant", "ids", "check", "123")
    assert result.returncode == 2 and result.stderr.startswith("錯誤")


def test_an_unknown_language_is_refused() -> None:
    result = tenfold("--lang", "fr", "topology", "show")
    assert result.returncode != 0 and "unsupported language" in result.stderr


def test_json_output_is_machine_readable() -> None:
    result = tenfold("ids", "check", "EE38503049507", "--json")
    assert result.returncode == 0
    assert json.loads(result.stdout) == {"valid": True, "code": "38503049507", "scheme": "ee", "birthDate": "1985-03-04", "sex": "M"}
    listed = json.loads(tenfold("registry", "list", "--json").stdout)
    births = next(e for e in listed if e["registry"] == "births")
    assert births["events"] == ["newBirth"] and births["personFields"] == ["childId", "motherId", "fatherId"]


def test_topology_check_names_the_line_of_each_problem(tmp_path: Path) -> None:
    broken = DEMO_TOPOLOGY.read_text(encoding="utf-8").replace('code = "pensions"', 'code = "pen sions"')
    path = tmp_path / "event_types"
    path.symlink_to(DEMO_TOPOLOGY.parent / "event_types")
    (tmp_path / "country.toml").write_text(broken, encoding="utf-8")
    result = tenfold("topology", "check", str(tmp_path / "country.toml"), "--json")
    assert result.returncode == 1
    [problem] = json.loads(result.stdout)["problems"]
    line = next(n for n, text in enumerate(broken.splitlines(), 1) if 'code = "pen sions"' in text)
    assert problem["line"] == line and problem["location"] == "members[9].subsystems[0].code"
    assert tenfold("topology", "check").returncode == 0


@pytest.mark.parametrize("args", [["ids", "make", "--birth-date", "1990-02-30", "--sex", "F"], ["ids", "xroad", "DEMO//X"]])
def test_more_bad_input(args: list[str]) -> None:
    result = tenfold(*args)
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
