"""Kill the treasury with SIGKILL at random moments of a batch run, restart it, again and again:
no payment is lost, none reaches a bank twice, every instruction ends in exactly one state, and
the books balance."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from tenfold.payments.models import FINAL
from tenfold.payments.tables import payment_instructions
from tests.payments.world import PROGRAM, SIB, build, payee

ROOT = Path(__file__).resolve().parents[2]
KILLS = 10


def _plan(var: Path, batches: int = 40, size: int = 30, persons: int = 60) -> int:
    plan = {"institution": SIB, "program": PROGRAM, "batches": [
        {"correlation": f"crash-{b}", "instructions": [
            {"request": f"C{b}-{i}", "payee": payee((b * size + i) % persons), "cents": 100 + b * size + i} for i in range(size)]}
        for b in range(batches)]}
    (var / "plan.json").write_text(json.dumps(plan))
    return batches * size


def _start(*args: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, *args], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def test_killing_the_treasury_at_random_points_loses_nothing_and_pays_nothing_twice(var_dir: Path) -> None:
    world = build(var_dir, persons=60, closed=(7, 8), unknown=(9,))
    total = _plan(var_dir)
    env = {**os.environ, "TENFOLD_VAR_DIR": str(var_dir), "TENFOLD_BANKS_WORKER_INTERVAL_SECONDS": "0.05", **world.database_env()}
    banks = [_start("-m", "tenfold.cli", "payments", "banks", "run", code, env=env) for code in ("BANK1", "BANK2")]
    rng = random.Random(20260301)
    killed_mid_run = 0
    try:
        for _kill in range(KILLS):
            before = _progress(world)
            treasury = _start("-m", "tests.payments.crash_worker", str(var_dir), env=env)
            deadline = time.monotonic() + 60
            while treasury.poll() is None and _progress(world) <= before and time.monotonic() < deadline:
                time.sleep(0.01)  # poll until the restarted treasury makes progress...
            if treasury.poll() is None:
                time.sleep(rng.uniform(0.0, 0.2))  # ...then kill it at a random point of its work
                treasury.send_signal(signal.SIGKILL)
                treasury.wait()
                killed_mid_run += 0 < _progress(world) < 2 * total
            else:
                assert treasury.returncode == 0, treasury.stderr.read().decode()[-2000:] if treasury.stderr else ""
        final = _start("-m", "tests.payments.crash_worker", str(var_dir), env=env)
        _, errors = final.communicate(timeout=180)
        assert final.returncode == 0, errors.decode()[-2000:]
    finally:
        for bank in banks:
            bank.terminate()
            bank.wait(timeout=30)
    with world.treasury.engine.connect() as connection:
        t = payment_instructions
        states = dict(connection.execute(select(t.c.state, func.count()).group_by(t.c.state)).all())
        released = connection.execute(select(func.count()).select_from(t).where(t.c.paid_at.is_not(None))).scalar_one()
    assert sum(states.values()) == total and set(states) <= set(FINAL), states
    received = {code: bank.summary() for code, bank in world.banks.items()}
    assert all(summary["repeated_end_to_end_ids"] == 0 for summary in received.values()), received
    assert all(set(summary["arrivals"]) <= {"accepted", "partial", "rejected"} for summary in received.values()), received
    assert sum(sum(summary["transactions"].values()) for summary in received.values()) == released == total
    assert states.get("rejected") == 3 * 20  # payees 7, 8 (closed) and 9 (unknown), 20 times each
    check = subprocess.run([sys.executable, "-m", "tenfold.cli", "payments", "check-ledger", "--json"], cwd=ROOT,
                           env={**env, "TENFOLD_PAYMENTS_BANKS_FILE": str(var_dir / "banks.toml")}, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert json.loads(check.stdout)["instructions"] == total
    assert killed_mid_run >= KILLS // 2, "the kills did not land inside the run; the test would prove nothing"


def _progress(world) -> int:  # type: ignore[no-untyped-def]
    """How far the run got: instructions stored plus those answered by a bank."""
    with world.treasury.engine.connect() as connection:
        t = payment_instructions
        stored = connection.execute(select(func.count()).select_from(t)).scalar_one()
        answered = connection.execute(select(func.count()).select_from(t).where(t.c.state.in_(FINAL))).scalar_one()
    return int(stored + answered)
