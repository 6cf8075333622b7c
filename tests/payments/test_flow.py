"""A payment run from batch to bank and back: every instruction ends settled, rejected (with the
bank's reason) or returned, the program is told, and the books balance."""

from __future__ import annotations

from pathlib import Path

from tests.payments.world import PROGRAM, SIB, build, faults


def test_a_batch_is_paid_through_both_banks_and_reconciled(var_dir: Path) -> None:
    world = build(var_dir, persons=30, closed=(3,), unknown=(4,))
    receipt = world.pay(list(range(30)), "run-1")
    assert receipt.state == "accepted" and receipt.accepted == 30
    world.settle()
    states = {s: v["count"] for s, v in world.treasury.status()["instructions"].items()}
    assert states == {"settled": 28, "rejected": 2}
    assert world.treasury.instruction(SIB, "R3")["reasonCode"] == "AC04"
    assert world.treasury.instruction(SIB, "R4")["reasonCode"] == "AC01"
    assert world.treasury.check_ledger().ok
    # every settled payment also appeared on an end-of-day statement
    assert world.treasury.status()["in_statements"] == 28


def test_money_of_rejected_and_returned_payments_goes_back_to_the_fund(world) -> None:  # type: ignore[no-untyped-def]
    faults(world, "BANK1", return_share=1.0, return_delay_seconds=0)
    before = world.treasury.program(PROGRAM).available_cents
    receipt = world.pay([1, 2], "run-2", cents=5000)
    assert world.treasury.program(PROGRAM).available_cents == before - receipt.accepted_cents
    world.settle()
    assert world.treasury.instruction(SIB, "R1")["state"] == "returned"
    assert world.treasury.instruction(SIB, "R2")["state"] == "settled"
    assert world.treasury.program(PROGRAM).available_cents == before - 5002
    assert world.treasury.check_ledger().ok


def test_a_payee_without_an_account_is_refused_before_any_money_moves(world) -> None:  # type: ignore[no-untyped-def]
    from tenfold.payments.models import BatchRequest, InstructionRequest

    before = world.treasury.program(PROGRAM).available_cents
    receipt = world.treasury.submit(BatchRequest(SIB, "run-3", PROGRAM, [
        InstructionRequest("NOBODY", "SIB-99999999", 1000, "EUR"), InstructionRequest("R5", "SIB-00000005", 1000, "EUR")]))
    assert [r.request_id for r in receipt.refused] == ["NOBODY"] and receipt.refused[0].reason_code == "TF01"
    assert world.treasury.program(PROGRAM).available_cents == before - 1000
    world.settle()
    assert world.treasury.instruction(SIB, "NOBODY")["state"] == "rejected"
    assert world.treasury.check_ledger().ok
