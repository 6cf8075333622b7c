"""Reconciliation of every outcome: settled, rejected with the bank's reason, returned; and what
matches nothing (a statement line without a payment, a return of an unknown payment, a second
copy of a message, a wrong amount) is reported, never ignored and never applied twice."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from tenfold.payments.iso20022.reader import AccountReport, Entry, StatusReport
from tenfold.payments.models import end_to_end_id
from tenfold.payments.reconciliation import apply
from tenfold.payments.tables import postings
from tests.payments.world import SIB, World, faults

NOW = datetime(2026, 3, 1, tzinfo=UTC)


def _exceptions(world: World) -> dict[str, int]:
    return world.treasury.status()["exceptions"]


def test_a_bank_that_sends_every_answer_twice_is_applied_once(world: World) -> None:
    faults(world, "BANK1", duplicate_answers=True, return_share=1.0, return_delay_seconds=0)
    world.pay([1, 3, 5], "corr")
    world.settle()
    assert world.treasury.status()["instructions"]["returned"]["count"] == 3
    with world.treasury.engine.connect() as connection:
        reversals = connection.execute(select(func.count()).select_from(postings).where(postings.c.kind == "reverse")).scalar_one()
    assert reversals == 6  # two lines for each of the three returns, not twelve
    # pain.002, camt.054, pacs.004 and the statement each came twice
    assert _exceptions(world)["duplicate_message"] == 4
    assert world.treasury.check_ledger().ok


def test_a_statement_line_and_a_return_that_match_no_payment_are_reported(world: World) -> None:
    faults(world, "BANK2", statement_fee=True, unknown_return=True)
    world.pay([2, 4], "corr")
    world.settle()
    found = {e["kind"]: e for e in world.treasury.exceptions()}
    assert found["unmatched_entry"]["amount_cents"] == 250 and found["unmatched_entry"]["bank"] == "BANK2"
    assert found["unknown_return"]["end_to_end_id"].startswith("FOREIGN")
    assert world.treasury.status()["instructions"]["settled"]["count"] == 2
    assert world.treasury.check_ledger().ok


def test_a_silent_bank_leaves_payments_open_and_overdue_until_it_speaks(world: World) -> None:
    faults(world, "BANK1", silent=True)
    world.treasury.settings = world.treasury.settings.model_copy(update={"answer_deadline_seconds": 0.001})
    world.pay([1, 2], "corr")
    for _ in range(3):
        world.dispatcher.step()
        for bank in world.banks.values():
            from tenfold.banks.worker import cycle

            cycle(bank, close=True)
    status = world.treasury.status()
    assert status["instructions"]["sent"]["count"] == 1 and status["overdue"] == 1
    faults(world, "BANK1", silent=False)
    world.settle()  # the next statement settles what the silent days booked
    assert world.treasury.instruction(SIB, "R1")["state"] == "settled"
    assert world.treasury.check_ledger().ok


def test_a_wrong_amount_a_foreign_original_and_a_crash_reread_are_handled(world: World) -> None:
    receipt = world.pay([1], "corr")
    world.dispatcher.step()
    e2e = end_to_end_id(receipt.batch_id, 1)
    with world.treasury.engine.begin() as connection:
        wrong = apply(connection, "BANK1", AccountReport("camt.054", "W1", None, None, None, [Entry(e2e, 1, False, "r", None)]),
                      "a.xml", "h1", NOW)
        foreign = apply(connection, "BANK1", StatusReport("S9", "NOT-OURS", "ACCP", None, []), "b.xml", "h2", NOW)
        reread = apply(connection, "BANK1", AccountReport("camt.054", "W1", None, None, None, []), "a.xml", "h1", NOW)
        again = apply(connection, "BANK1", AccountReport("camt.054", "W1", None, None, None, []), "c.xml", "h3", NOW)
        unbalanced = apply(connection, "BANK1", AccountReport("camt.053", "S1", None, 100, 50, [Entry(e2e, 8001, False, "r", None)]),
                           "d.xml", "h4", NOW)
    assert (wrong.matched, wrong.unmatched) == (0, 1)
    assert foreign.unmatched == 1
    assert reread.already_applied and not reread.duplicate_message
    assert again.duplicate_message
    assert unbalanced.matched == 1
    assert _exceptions(world) == {"amount_mismatch": 1, "unknown_original": 1, "duplicate_message": 1, "balance_mismatch": 1}
    assert world.treasury.instruction(SIB, "R1")["state"] == "settled"
    assert world.treasury.check_ledger().ok


def test_news_that_contradicts_a_final_state_is_a_conflict_not_a_change(world: World) -> None:
    from tenfold.payments.iso20022.reader import TransactionStatus

    receipt = world.pay([1], "corr")
    world.settle()
    with world.treasury.engine.begin() as connection:
        late = apply(connection, "BANK1", StatusReport("LATE", f"{receipt.batch_id}-BANK1", "PART", None,
                                                       [TransactionStatus(end_to_end_id(receipt.batch_id, 1), "RJCT", "AC04", None)]),
                     "late.xml", "h", NOW)
    assert late.unmatched == 1 and _exceptions(world)["conflict"] == 1
    assert world.treasury.instruction(SIB, "R1")["state"] == "settled"
    assert world.treasury.check_ledger().ok
