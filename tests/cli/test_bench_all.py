"""``tenfold bench all`` (every benchmark into one report with plots) and ``tenfold bench soak``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tenfold.cli.bench import BENCH_DIR, load

PNG = b"\x89PNG\r\n\x1a\n"


def tenfold(*args: str, var: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TENFOLD_VAR_DIR": str(var)}
    return subprocess.run([sys.executable, "-m", "tenfold.cli", *args], capture_output=True, text=True, timeout=timeout, env=env)


def test_two_quick_benchmarks_make_a_report_with_their_figures_and_plots(tmp_path: Path) -> None:
    report = tmp_path / "docs" / "r.md"
    done = tenfold("bench", "all", "--quick", "--only", "reevaluate,payments", "--report", str(report), "--json", var=tmp_path / "var")
    assert done.returncode == 0, done.stderr[-2000:]
    summary = json.loads(done.stdout)
    assert set(summary["benchmarks"]) == {"reevaluate", "payments"}
    assert all(b["error"] is None for b in summary["benchmarks"].values())
    text = report.read_text()
    suite = load("suite")
    for name, figure in (("reevaluate", "households_per_s"), ("payments", "instructions_per_s")):
        result = json.loads((report.parent / "benchmarks" / f"{name}.json").read_text())
        assert result[figure] > 0 and result["machine"]["cores"] >= 1
        assert f"## {name}" in text and suite._number(result[figure]) in text
    payments = json.loads((report.parent / "benchmarks" / "payments.json").read_text())
    assert suite._number(payments["baseline_per_s"]) in text and "Mojaloop" in text and "650 transfers/s" in text
    assert summary["machine"]["cpu"] in text and summary["commit"].split("+")[0] in text and "Load average" in text
    plot = report.parent / "benchmarks" / "throughput.png"
    assert plot.read_bytes().startswith(PNG) and plot.stat().st_size > 5_000
    assert "](benchmarks/throughput.png)" in text


def test_a_failing_benchmark_is_reported_and_the_others_still_are(tmp_path: Path) -> None:
    suite = load("suite")
    failed = suite.run_one("births", [sys.executable, "-c", "import sys; print('working'); sys.exit('no country here')"],
                           dict(os.environ), 60, tmp_path / "births.log")
    assert failed.result is None and failed.error == "no country here"
    fine = suite.Outcome("payments", 3.0, result={"instructions_per_s": 6000, "baseline_per_s": 30000, "instructions": 1000},
                         command=["python", "-m", "tenfold.cli", "bench", "payments", "--json"])
    suite.write_report(tmp_path / "r.md", [failed, fine], ["scaleout: skipped"], "quick", datetime.now(UTC))
    text = (tmp_path / "r.md").read_text()
    assert "## births" in text and "**Failed:** no country here" in text
    assert "| 6,000 instructions/s | 30,000 (plain inserts) | 0.2 | ≥ 5,000 | yes |" in text
    assert "- scaleout: skipped" in text


def test_unknown_names_are_one_clear_line(tmp_path: Path) -> None:
    done = tenfold("bench", "all", "--only", "payments,nonsense", "--report", str(tmp_path / "r.md"), var=tmp_path / "var")
    assert done.returncode != 0 and "nonsense" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "r.md").exists()


def test_scaleout_runs_when_its_module_is_there_and_is_noted_when_not() -> None:
    names, notes = load("suite").choose([], ["generate"])
    assert "generate" not in names and names[0] == "registry"
    if (BENCH_DIR / "scaleout.py").is_file():
        assert "scaleout" in names and notes == []
    else:
        assert "scaleout" not in names and notes and "scaleout" in notes[0]


def test_memory_growth_is_the_slope_of_the_second_half() -> None:
    soak = load("soak")
    flat_then_warm = [{"t": t, "rss_mib": {"sib-lifeevents": 100 + min(t, 300) * 0.2, "pop-registry": 80.0}} for t in range(0, 1201, 10)]
    verdict = soak.memory_verdict(flat_then_warm, 20)
    assert verdict["verdict"] == "no growth" and verdict["processes"]["sib-lifeevents"]["slope_mib_per_hour"] == 0
    leaking = [{"t": t, "rss_mib": {"sib-lifeevents": 100 + t * 0.05, "pop-registry": 80.0}} for t in range(0, 1201, 10)]
    verdict = soak.memory_verdict(leaking, 20)
    assert verdict["growing"] == ["sib-lifeevents"] and verdict["worst_slope_mib_per_hour"] == pytest.approx(180, abs=1)
    assert soak.memory_verdict(leaking[:7], 1)["verdict"].startswith("inconclusive")


@pytest.mark.slow
def test_a_one_minute_soak_keeps_every_stream_going_and_the_invariants(tmp_path: Path) -> None:
    done = tenfold("bench", "soak", "--minutes", "1", "--persons", "3000", "--json", var=tmp_path / "var", timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout)
    assert result["samples"] >= 5 and len(result["series"]) == result["samples"]
    for stream in ("births", "offers", "confirmations", "payments", "portal"):
        assert result["counts"][stream] > 0, (stream, result["errors"], result.get("error_kinds"))
    assert result["errors"]["portal"] == 0 and result["errors"]["births"] == 0
    assert result["invariants"]["ok"] is True, result["invariants"]
    processes = result["memory"]["processes"]
    assert {"central", "sib-lifeevents", "tre-payments", "portal-portal"} <= set(processes)
    assert all(p["last_mib"] and p["last_mib"] > 10 for p in processes.values())
    assert result["p99_ms"]["portal"] > 0 and result["latency_percentiles_ms"]["birth to offer"]["99"] > 0


def test_a_benchmark_run_again_joins_the_results_kept_from_the_earlier_run(tmp_path: Path) -> None:
    suite = load("suite")
    out = tmp_path / "benchmarks"
    out.mkdir()
    earlier = {"instructions_per_s": 6000, "baseline_per_s": 30000, "instructions": 1000,
               "suite": {"measured_at": "2026-11-26 23:19 UTC", "commit": "abc1234", "seconds": 12.0, "command": ["bench", "payments", "--json"]}}
    (out / "payments.json").write_text(json.dumps(earlier))
    (out / "exchange.json").write_text("{not json")   # a damaged file is left out, not fatal
    fresh = suite.Outcome("reevaluate", 5.0, result={"households_per_s": 500_000, "suite": {"commit": "f00baa1"}},
                          command=["python", "-m", "tenfold.cli", "bench", "reevaluate"])
    outcomes = suite.kept(out, [fresh])
    assert [o.name for o in outcomes] == ["reevaluate", "payments"]
    suite.write_report(tmp_path / "r.md", outcomes, [], "full", datetime.now(UTC))
    text = (tmp_path / "r.md").read_text()
    assert "Sections that say so were kept from an earlier run." in text
    assert "`tenfold bench payments --json` — 12 s; kept from an earlier run: measured 2026-11-26 23:19 UTC at commit `abc1234`." in text
    assert "`tenfold bench reevaluate` — 5 s." in text and "## exchange" not in text
    assert " at commit `f00baa1` with `tenfold bench all`." in text   # the run's commit, not the tree it has just written to


def test_report_only_assembles_the_kept_results_and_says_so(tmp_path: Path) -> None:
    report = tmp_path / "docs" / "r.md"
    (report.parent / "benchmarks").mkdir(parents=True)
    kept = {"households_per_s": 700_000, "suite": {"measured_at": "2026-11-26 23:18 UTC", "commit": "b68597d", "seconds": 3.0,
                                                    "command": ["bench", "reevaluate", "--json"]}}
    (report.parent / "benchmarks" / "reevaluate.json").write_text(json.dumps(kept))
    done = tenfold("bench", "all", "--report-only", "--report", str(report), var=tmp_path / "var")
    assert done.returncode == 0, done.stderr[-2000:]
    text = report.read_text()
    assert "from kept results: each section says when and at which commit it was measured" in text
    assert "measured 2026-11-26 23:18 UTC at commit `b68597d`" in text and "700,000" in text
    empty = tenfold("bench", "all", "--report-only", "--report", str(tmp_path / "none" / "r.md"), var=tmp_path / "var")
    assert empty.returncode != 0 and "no kept results" in empty.stderr and "Traceback" not in empty.stderr
