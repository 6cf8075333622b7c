"""`make demo` runs `tenfold demo`; here a small country goes through the same tour (--quick:
keyword-only assistant, a week of simulated life)."""

import os
import subprocess
import sys

import pytest


@pytest.mark.slow
def test_the_demo_tour_shows_every_building_block(tmp_path) -> None:  # type: ignore[no-untyped-def]
    env = {**os.environ, "TENFOLD_VAR_DIR": str(tmp_path / "var"), "COLUMNS": "200"}
    result = subprocess.run(
        [sys.executable, "-m", "tenfold.cli", "demo", "--persons", "3000", "--once", "--quick"],
        capture_output=True, text=True, timeout=600, env=env,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    out = result.stdout
    assert "persons in the register" in out
    assert "→ 200" in out and "What the person sees" in out  # the registry tour
    assert "Answer from POP, signed by POP's gateway" in out and "Data tracker at POP" in out  # the exchange
    assert "ConsentRequired" in out and "ConsentWithdrawn" in out  # identity and consent
    assert "birth registered → offer" in out and "One click, idempotent" in out  # the birth journey
    assert "Reconciliation: every payment ends settled, rejected or returned" in out  # payments
    assert "Answer " in out  # the policy assistant answered with citations
    assert "The state portal" in out and "/staff/login" in out and "Staff who can sign in" in out  # the portal
