"""The same code path on SQLite and PostgreSQL: a payment run, the duplicate rule, funds that two
concurrent batches cannot both spend, and one dispatcher at a time."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from tenfold.payments.dispatcher import DispatcherBusy, DispatcherLock
from tenfold.payments.errors import DuplicateConflict, InsufficientFunds
from tests.payments.world import PROGRAM, SIB, build


def test_a_run_with_the_duplicate_rule_balances(var_dir: Path, any_database_url: str) -> None:
    world = build(var_dir, persons=12, treasury_url=any_database_url, closed=(3,))
    first = world.pay(list(range(12)), "corr-1")
    assert world.pay(list(range(12)), "corr-1").replay
    with pytest.raises(DuplicateConflict):
        world.pay([1], "corr-1")
    assert world.pay([1, 2], "corr-2").accepted == 0  # both replayed from corr-1
    world.settle()
    assert world.treasury.instruction(SIB, "R3")["reasonCode"] == "AC04"
    assert world.treasury.batch(first.batch_id)["completed"] == 11
    checked = world.treasury.check_ledger()
    assert checked.ok, checked.discrepancy


def test_concurrent_batches_cannot_spend_the_same_funds(var_dir: Path, any_database_url: str) -> None:
    world = build(var_dir, persons=8, treasury_url=any_database_url, budget_cents=10_000)
    accepted: list[int] = []
    refused: list[int] = []

    def submit(n: int) -> None:
        try:
            accepted.append(world.pay([n], f"race-{n}", cents=3_000).accepted_cents)
        except InsufficientFunds:
            refused.append(n)

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert (len(accepted), len(refused)) == (3, 3)  # 3 x ~3,000 fit in 10,000; a fourth never does
    assert world.treasury.program(PROGRAM).available_cents == 10_000 - sum(accepted)
    assert world.treasury.check_ledger().ok


def test_the_same_batch_sent_twice_at_once_is_stored_once(var_dir: Path, any_database_url: str) -> None:
    world = build(var_dir, persons=4, treasury_url=any_database_url)
    receipts = []
    threads = [threading.Thread(target=lambda: receipts.append(world.pay([1, 2, 3], "same"))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len({r.batch_id for r in receipts}) == 1 and sorted(r.replay for r in receipts) == [False, True, True, True]


def test_only_one_dispatcher_works_at_a_time(var_dir: Path, any_database_url: str) -> None:
    world = build(var_dir, persons=2, treasury_url=any_database_url)
    first, second = DispatcherLock(world.treasury.engine), DispatcherLock(world.treasury.engine)
    first.acquire()
    with pytest.raises(DispatcherBusy):
        second.acquire()
    first.release()
    second.acquire()
    second.release()
