"""``tenfold rules`` and ``tenfold bench reevaluate`` as a policy officer and an operator meet them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from tenfold.cli import rules as rules_cli
from tenfold.cli.bench import load as load_bench
from tenfold.programs import load_all
from tenfold.rules import CaseResult, load_cases

root = typer.Typer()
root.add_typer(rules_cli.app, name="rules")
runner = CliRunner()

HOUSEHOLD = {"period": "2024-03", "household": {"members": [
    {"id": "mari", "role": "parent", "birthdate": "1985-04-10"},
    {"id": "liis", "role": "child", "birthdate": "2006-11-05", "recipient": "mari", "father_known": True},
    {"id": "mart", "role": "child", "birthdate": "2013-09-20", "recipient": "mari", "father_known": True},
    {"id": "kati", "role": "child", "birthdate": "2019-06-01", "recipient": "mari", "father_known": True},
    {"id": "beebi", "role": "child", "birthdate": "2024-03-05", "recipient": "mari", "father_known": {"value": True, "source": "POP-1"},
     "multiple_birth_size": 1},
]}}


@pytest.fixture
def household_file(tmp_path: Path) -> Path:
    path = tmp_path / "household.json"
    path.write_text(json.dumps(HOUSEHOLD), encoding="utf-8")
    return path


def test_rules_test_runs_every_golden_case_on_both_paths() -> None:
    result = runner.invoke(root, ["rules", "test", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["failed"] == 0 and report["passed"] == sum(len(load_cases(p)) for p in load_all())
    assert {c["vectorised"] for c in report["cases"]} == {"pass", "-"}


def test_rules_test_exits_non_zero_when_a_case_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rules_cli, "run_cases", lambda programs: [CaseResult("family_benefits", "broken", ["amount expected €80.00, got €100.00"], [])])
    result = runner.invoke(root, ["rules", "test"])
    assert result.exit_code == 1 and "0 passed, 1 failed" in result.output


def test_evaluate_prints_the_items_and_totals(household_file: Path) -> None:
    result = runner.invoke(root, ["rules", "evaluate", "--input", str(household_file), "--json"])
    assert result.exit_code == 0, result.output
    output = json.loads(result.output)
    assert output["period"] == "2024-03"
    assert output["monthly_total_cents"] == 2 * 8000 + 2 * 10000 + 45000 and output["one_off_total_cents"] == 32000
    for item in output["items"]:
        assert {"program", "person", "kind", "amount_cents", "reasons"} <= set(item)
        assert item["kind"] in ("monthly", "one_off") and isinstance(item["amount_cents"], int)
    one_offs = [(i["benefit"], i["person"]) for i in output["items"] if i["kind"] == "one_off"]
    assert one_offs == [("childbirth_allowance", "beebi")]
    assert output["decisions"][0]["rule_version"].startswith("1.0+")


def test_explain_says_why_with_values_and_references(household_file: Path) -> None:
    english = runner.invoke(root, ["rules", "explain", "--input", str(household_file)])
    assert english.exit_code == 0, english.output
    assert "counted from the third on" in english.output and "child_allowance.higher_rate = €100.00 from 2015-01-01" in english.output
    assert "Perehüvitiste seadus (Family Benefits Act)" in english.output
    chinese = runner.invoke(root, ["rules", "explain", "--input", str(household_file), "--lang", "zh-Hant"])
    assert "兒童津貼" in chinese.output and "每月合計" in chinese.output


def test_parameters_lists_the_dated_values_with_references() -> None:
    result = runner.invoke(root, ["rules", "parameters", "--program", "family_benefits", "--json"])
    entries = json.loads(result.output)
    found = {(e["parameter"], e["from"]): e for e in entries}
    assert found[("large_family_allowance.amount_3_to_6", "2024-01-01")]["value"] == 45000
    assert found[("large_family_allowance.amount_3_to_6", "2023-01-01")]["value"] == 65000
    assert "Perehüvitiste seadus" in found[("child_allowance.lower_rate", "2023-01-01")]["reference"]


def test_programs_shows_the_automatic_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TENFOLD_CHILD_ALLOWANCE_MODE", "automatic")
    entries = json.loads(runner.invoke(root, ["rules", "programs", "--json"]).output)
    modes = {e["benefit"]: e["confirmation"] for e in entries}
    assert modes["child_allowance"] == "automatic" and modes["childbirth_allowance"] == "offer"


def test_bad_input_is_one_line_naming_the_field(tmp_path: Path) -> None:
    broken = json.loads(json.dumps(HOUSEHOLD))
    broken["household"]["members"][2]["recipient"] = "liis"
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken), encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "tenfold.cli", "rules", "evaluate", "--input", str(path)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "Traceback" not in result.stderr
    assert "household.members[2].recipient" in result.stderr and "not a parent" in result.stderr


def test_the_reevaluate_benchmark_reports_both_paths_and_their_agreement() -> None:
    result = load_bench("reevaluate").run(households=3_000, seed=3, period="2024-05", sample=300)
    assert result["households"] == 3_000 and result["agree"] is True and result["differences"] == []
    assert result["households_per_s"] > 0 and result["baseline_households_per_s"] > 0 and result["baseline_sample"] == 300
    assert result["items"] > 3_000 and result["monthly_total_eur"] > 0
