"""``tenfold assistant`` as an operator meets it: real processes, real exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import CORPUS, GUIDES, ROOT
from .pdfs import make_pdf


def tenfold(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TENFOLD_LLM_", "TENFOLD_ASSISTANT_"))}
    return subprocess.run([sys.executable, "-m", "tenfold.cli", *args], capture_output=True, text=True, timeout=300,
                          env={**clean, **env}, cwd=ROOT)


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    database = tmp_path_factory.mktemp("cli") / "sib.sqlite"
    return {"TENFOLD_ASSISTANT_DATABASE_URL": f"sqlite:///{database}", "TENFOLD_ASSISTANT_EMBEDDER": "none"}


def test_ingest_prints_a_summary_and_is_incremental(env: dict[str, str]) -> None:
    first = tenfold("assistant", "ingest", str(CORPUS), "--json", env=env)
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)
    assert report["totals"] == {"added": 26, "updated": 0, "unchanged": 0, "failed": 0}
    guides = tenfold("assistant", "ingest", "--set", "operator-guide", *map(str, GUIDES), env=env)
    assert guides.returncode == 0 and "operator-guide" in guides.stdout and "2 added" in guides.stdout
    again = json.loads(tenfold("assistant", "ingest", str(CORPUS), "--json", env=env).stdout)
    assert again["totals"]["unchanged"] == 26


def test_a_bad_file_is_reported_the_rest_is_ingested_and_the_exit_is_non_zero(env: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4 broken")
    (tmp_path / "good.pdf").write_bytes(make_pdf([["Winter rule", "Heating help is paid in December."]]))
    result = tenfold("assistant", "ingest", str(tmp_path), "--set", "uploads", env=env)
    assert result.returncode == 1
    assert "1 added" in result.stdout and "1 failed" in result.stdout
    assert "broken.pdf: not a readable PDF" in result.stderr
    asked = json.loads(tenfold("assistant", "ask", "When is heating help paid?", "--set", "uploads", "--json", env=env).stdout)
    assert asked["citations"][0]["page"] == 1 and "December" in asked["citations"][0]["quote"]


def test_ask_prints_quotes_with_their_sources(env: dict[str, str]) -> None:
    result = tenfold("assistant", "ask", "How much is Guardian's Allowance a week?", "--mode", "bm25", env=env)
    assert result.returncode == 0, result.stderr
    assert "£21.75" in result.stdout and "en-guardians-allowance-what-youll-get.md" in result.stdout
    chinese = json.loads(tenfold("--lang", "zh-Hant", "assistant", "ask", "護照遺失要怎麼補辦?", "--json", env=env).stdout)
    assert chinese["kind"] == "not_found" and chinese["text"] == "來源中找不到答案。"


@pytest.mark.parametrize("args, message", [
    (["ask", ""], "empty"),
    (["ask", "x" * 1500], "longer than 1000"),
    (["ask", "Carer", "--mode", "dense"], "dense"),
    (["ingest"], "Missing argument"),
])
def test_bad_input_is_one_clear_line_and_a_non_zero_exit(env: dict[str, str], args: list[str], message: str) -> None:
    result = tenfold("assistant", *args, env=env)
    assert result.returncode != 0
    assert message in result.stderr and "Traceback" not in result.stderr


def test_eval_reports_recall_mrr_validity_and_not_found(env: dict[str, str]) -> None:
    result = tenfold("assistant", "eval", "--json", env=env)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    bm25 = report["modes"]["bm25"]
    assert report["questions"] >= 150 and set(report["modes"]) == {"bm25"}
    assert bm25["citation_validity"] == 1.0
    assert bm25["recall@5"] >= 0.6 and bm25["mrr@10"] >= 0.5 and bm25["not_found_accuracy"] >= 0.5


def test_feedback_and_documents_are_listed(env: dict[str, str]) -> None:
    documents = json.loads(tenfold("assistant", "documents", "--json", env=env).stdout)
    assert {d["document_set"] for d in documents} >= {"policy", "operator-guide"}
    assert json.loads(tenfold("assistant", "feedback", "--json", env=env).stdout) == []
