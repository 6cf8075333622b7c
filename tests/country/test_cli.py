"""``tenfold country`` as an operator meets it: real processes, real exit codes."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


def tenfold(var: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TENFOLD_DATABASE_URL")}
    return subprocess.run([sys.executable, "-m", "tenfold.cli", *args], capture_output=True, text=True, timeout=300,
                          env={**env, "TENFOLD_VAR_DIR": str(var)})


@pytest.mark.parametrize("args", [
    ("--persons", "-5"), ("--persons", "ten"), ("--persons", "100", "--seed", "abc"),
    ("--persons", "100", "--as-of", "2026-02-30"),
])
def test_bad_input_is_one_line_on_stderr_and_a_non_zero_exit(tmp_path: Path, args: tuple[str, ...]) -> None:
    result = tenfold(tmp_path, "country", "generate", *args)
    assert result.returncode != 0
    assert result.stderr.strip().count("\n") == 0 and result.stderr.startswith("error:")
    assert "Traceback" not in result.stderr and not (tmp_path / "pop.sqlite").exists()


def test_generate_json_then_cached_then_summary_and_sample(tmp_path: Path) -> None:
    first = tenfold(tmp_path, "country", "generate", "--persons", "1500", "--seed", "9", "--json")
    assert first.returncode == 0, first.stderr
    generated = json.loads(first.stdout)
    assert generated["generated"] is True and generated["persons"] == 1500 and generated["asOf"] == "2026-01-01"
    assert first.stderr == ""  # --json is silent on stderr: no progress bars
    again = json.loads(tenfold(tmp_path, "country", "generate", "--persons", "1500", "--seed", "9", "--json").stdout)
    assert again["generated"] is False and again["figures"] == generated["figures"]
    other = tenfold(tmp_path, "country", "generate", "--persons", "1500", "--seed", "10")
    assert other.returncode != 0 and "--force" in other.stderr and other.stderr.strip().count("\n") == 0
    summary = json.loads(tenfold(tmp_path, "country", "summary", "--json").stdout)
    assert summary["figures"] == generated["figures"] and summary["seed"] == 9
    table = tenfold(tmp_path, "--lang", "zh-Hant", "country", "summary")
    assert table.returncode == 0 and "登記人數" in table.stdout
    residents = json.loads(tenfold(tmp_path, "country", "sample", "--json").stdout)
    roles = {r["role"] for r in residents}
    assert {"expecting a child", "expecting a multiple birth"} <= roles


def test_summary_without_a_country_says_how_to_make_one(tmp_path: Path) -> None:
    result = tenfold(tmp_path, "country", "summary")
    assert result.returncode != 0 and "tenfold country generate" in result.stderr


def test_bench_generate_prints_the_figures_and_leaves_var_alone(tmp_path: Path) -> None:
    result = tenfold(tmp_path, "bench", "generate", "--persons", "800", "--json")
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert figures["persons"] == 800 and figures["seconds"] > 0 and figures["persons_per_s"] > 0
    assert "people" in figures["phases"] and "machine" in figures
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize(("field", "value"), [("persons", 0), ("persons", 10_000_001), ("persons", True), ("seed", -1),
                                              ("days", 0), ("as_of", "1900-01-01"), ("as_of", "2101-01-01")])
def test_a_request_outside_the_rules_is_refused_with_one_line(field: str, value: object) -> None:
    from datetime import date

    from tenfold.country import GenerationRequest
    from tenfold.errors import InvalidInput

    options = {"persons": 100, field: date.fromisoformat(value) if field == "as_of" else value}
    with pytest.raises(InvalidInput) as raised:
        GenerationRequest(**options)
    assert "\n" not in str(raised.value) and field.replace("_", "-") in str(raised.value)
