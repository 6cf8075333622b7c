"""Mojaloop's duplicate rule on every command that moves money: the same id with the same content
replays the stored result; the same id with other content is refused and nothing is written."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tenfold.payments.errors import DuplicateConflict, InsufficientFunds, InvalidInput, NotFound, NotRetryable
from tenfold.payments.models import BatchRequest, InstructionRequest
from tenfold.payments.tables import disbursement_batches, payment_instructions, postings
from tests.payments.world import PROGRAM, SIB, World, faults, payee


def _counts(world: World) -> tuple[int, int, int]:
    with world.treasury.engine.connect() as connection:
        return tuple(connection.execute(select(func.count()).select_from(t)).scalar_one()  # type: ignore[return-value]
                     for t in (disbursement_batches, payment_instructions, postings))


def test_the_same_batch_again_replays_the_stored_receipt(world: World) -> None:
    first = world.pay([1, 2, 3], "corr-1")
    before = _counts(world)
    again = world.pay([1, 2, 3], "corr-1")
    assert again.replay and again.batch_id == first.batch_id and again.accepted == 3
    assert _counts(world) == before


def test_the_same_correlation_id_with_other_content_is_refused_without_a_write(world: World) -> None:
    world.pay([1, 2, 3], "corr-1")
    before = _counts(world)
    with pytest.raises(DuplicateConflict, match="corr-1"):
        world.pay([1, 2, 4], "corr-1")
    assert _counts(world) == before


def test_an_instruction_sent_again_in_another_batch_is_not_paid_twice(world: World) -> None:
    first = world.pay([1, 2], "corr-1")
    second = world.pay([1, 2, 3], "corr-2")
    assert second.accepted == 1
    assert {r.request_id for r in second.replayed} == {"R1", "R2"}
    assert all(r.batch_id == first.batch_id for r in second.replayed)
    world.settle()
    assert world.treasury.status()["instructions"]["settled"]["count"] == 3
    assert world.treasury.check_ledger().ok


def test_a_request_id_reused_with_another_amount_refuses_the_whole_batch(world: World) -> None:
    world.pay([1, 2], "corr-1")
    before = _counts(world)
    instructions = [InstructionRequest("R1", payee(1), 99_999, "EUR"), InstructionRequest("R7", payee(7), 100, "EUR")]
    with pytest.raises(DuplicateConflict, match="R1"):
        world.treasury.submit(BatchRequest(SIB, "corr-2", PROGRAM, instructions))
    assert _counts(world) == before
    assert world.treasury.instruction(SIB, "R1")["amountCents"] == 8001


def test_the_same_request_id_twice_in_one_batch_is_bad_input(world: World) -> None:
    instructions = [InstructionRequest("R1", payee(1), 100, "EUR"), InstructionRequest("R1", payee(1), 100, "EUR")]
    with pytest.raises(InvalidInput, match="twice"):
        world.treasury.submit(BatchRequest(SIB, "corr-1", PROGRAM, instructions))
    assert _counts(world) == (0, 0, 2)  # only the two lines of the budget allocation


def test_request_ids_belong_to_their_institution(world: World) -> None:
    world.pay([1], "corr-1")
    other = world.treasury.submit(BatchRequest("DEMO/GOV/PEN/pensions", "corr-1", PROGRAM, [InstructionRequest("R1", payee(1), 5, "EUR")]))
    assert not other.replay and [r.reason_code for r in other.refused] == ["TF01"]  # PEN registered no such payee


def test_a_batch_beyond_the_budget_is_refused_whole(world: World) -> None:
    before = _counts(world)
    with pytest.raises(InsufficientFunds, match="AM04"):
        world.treasury.submit(BatchRequest(SIB, "big", PROGRAM, [InstructionRequest("B1", payee(1), 10**9 + 1, "EUR")]))
    assert _counts(world) == before


def test_a_budget_allocation_follows_the_rule(world: World) -> None:
    available = world.treasury.program(PROGRAM).available_cents
    assert world.treasury.allocate(PROGRAM, "top-up", 500)
    assert not world.treasury.allocate(PROGRAM, "top-up", 500)
    with pytest.raises(DuplicateConflict):
        world.treasury.allocate(PROGRAM, "top-up", 600)
    assert world.treasury.program(PROGRAM).available_cents == available + 500


def test_a_retry_after_the_citizen_corrected_the_account_pays_once(var_dir) -> None:  # type: ignore[no-untyped-def]
    from tenfold.payments.mapper import Beneficiary
    from tests.payments.world import build

    world = build(var_dir, persons=6, closed=(3,))
    world.pay([3], "corr-1")
    world.settle()
    assert world.treasury.instruction(SIB, "R3")["reasonCode"] == "AC04"
    with pytest.raises(NotFound):
        world.treasury.retry(SIB, "R3~0")
    world.treasury.update(SIB, [Beneficiary(payee(3), "00", world.accounts[5])], changed_by="EE38001010015", channel="DEMO/GOV/PORTAL/portal",
                          reason="my old account is closed")
    first = world.treasury.retry(SIB, "R3")
    second = world.treasury.retry(SIB, "R3")
    assert second.replay and second.batch_id == first.batch_id
    world.settle()
    retried = world.treasury.instruction(SIB, "R3~1")
    assert retried["state"] == "settled" and retried["retryOf"] == world.treasury.instruction(SIB, "R3")["endToEndId"]
    with pytest.raises(NotRetryable):
        world.treasury.retry(SIB, "R3~1")
    assert world.treasury.check_ledger().ok


def test_a_whole_file_rejected_by_the_bank_flows_back(world: World) -> None:
    faults(world, "BANK1", insufficient_cover=True)
    world.pay([1, 2, 3, 4], "corr-1")
    world.settle()
    odd = [world.treasury.instruction(SIB, f"R{n}") for n in (1, 3)]
    even = [world.treasury.instruction(SIB, f"R{n}") for n in (2, 4)]
    assert [(i["state"], i["reasonCode"]) for i in odd] == [("rejected", "AM04")] * 2
    assert [i["state"] for i in even] == ["settled"] * 2
    assert world.treasury.status()["bank_files"]["BANK1:rejected"] == 1
    assert world.treasury.check_ledger().ok
