"""``tenfold payments`` as an operator meets it: real processes, exit codes, one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import update

from tenfold.payments.tables import ledger_accounts
from tests.payments.world import World


def tenfold(world: World, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TENFOLD_VAR_DIR": str(world.var), "TENFOLD_PAYMENTS_BANKS_FILE": str(world.var / "banks.toml"),
           **world.database_env()}
    return subprocess.run([sys.executable, "-m", "tenfold.cli", *args], capture_output=True, text=True, timeout=120, env=env)


def test_check_ledger_proves_the_books_or_names_the_discrepancy(world: World) -> None:
    world.pay([1, 2], "corr")
    world.settle()
    good = tenfold(world, "payments", "check-ledger")
    assert good.returncode == 0 and "The books balance" in good.stdout
    chinese = tenfold(world, "--lang", "zh-Hant", "payments", "check-ledger")
    assert chinese.returncode == 0 and "帳目平衡" in chinese.stdout
    with world.treasury.engine.begin() as connection:
        connection.execute(update(ledger_accounts).where(ledger_accounts.c.kind == "fund").values(balance_cents=7))
    bad = tenfold(world, "payments", "check-ledger", "--json")
    assert bad.returncode == 1
    assert json.loads(bad.stdout)["discrepancy"].startswith("the balance of fund:")


def test_status_is_machine_readable(world: World) -> None:
    world.pay([1], "corr")
    result = tenfold(world, "payments", "status", "--json")
    assert result.returncode == 0 and json.loads(result.stdout)["instructions"]["accepted"]["count"] == 1


def test_bad_input_is_one_line_and_a_non_zero_exit(world: World, tmp_path: Path) -> None:
    for args, words in (
        (("payments", "emergency", "--program", str(tmp_path / "missing.toml")), "cannot read the program file"),
        (("payments", "banks", "faults", "BANK9", "--silent"), "not a simulated bank"),
        (("payments", "banks", "close-accounts", "BANK1"), "--iban"),
    ):
        result = tenfold(world, *args)
        assert result.returncode == 2, (args, result.stderr)
        assert result.stderr.strip().count("\n") == 0 and words in result.stderr and "Traceback" not in result.stderr


def test_bank_faults_are_set_from_the_command_line(world: World) -> None:
    result = tenfold(world, "payments", "banks", "faults", "BANK2", "--return-share", "0.25", "--duplicate-answers", "--json")
    assert result.returncode == 0
    assert json.loads(result.stdout)["return_share"] == 0.25
    assert world.banks["BANK2"].faults().duplicate_answers
