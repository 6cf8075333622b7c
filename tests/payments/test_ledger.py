"""The ledger: whatever happens to a program's payments, in any order, the books balance, every
paid instruction has exactly one debit and one credit, and check-ledger finds any tampering."""

from __future__ import annotations

import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, insert, select, update

from tenfold.payments import ledger, load_directory, open_payments, release
from tenfold.payments.config import PaymentsSettings
from tenfold.payments.errors import InsufficientFunds
from tenfold.payments.iso20022.reader import AccountReport, Entry, PaymentReturn, Return, StatusReport, TransactionStatus
from tenfold.payments.mapper import Beneficiary
from tenfold.payments.models import PAID, BatchRequest, InstructionRequest, end_to_end_id
from tenfold.payments.reconciliation import apply
from tenfold.payments.tables import ledger_accounts, payment_instructions, postings
from tenfold.storage import make_engine
from tests.payments.world import BANKS_TOML, SIB, iban, payee

PROGRAM = "P"
NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated treasury with a program and 12 beneficiaries, copied for each example."""
    directory = tmp_path_factory.mktemp("ledger")
    (directory / "banks.toml").write_text(BANKS_TOML)
    service = open_payments(make_engine(f"sqlite:///{directory / 'template.sqlite'}"), load_directory(directory / "banks.toml"),
                            PaymentsSettings(banks_file=directory / "banks.toml", worker=False))
    service.create_program(PROGRAM, "Test", "EUR")
    service.register(SIB, [Beneficiary(payee(n), "00", iban(n)) for n in range(12)])
    service.engine.dispose()
    return directory


def _fresh(template: Path):  # type: ignore[no-untyped-def]
    path = template / f"{uuid.uuid4().hex}.sqlite"
    shutil.copyfile(template / "template.sqlite", path)
    return open_payments(make_engine(f"sqlite:///{path}"), load_directory(template / "banks.toml"),
                         PaymentsSettings(banks_file=template / "banks.toml", worker=False)), path


operation = st.one_of(
    st.tuples(st.just("allocate"), st.integers(1, 50_000)),
    st.tuples(st.just("submit"), st.lists(st.tuples(st.integers(0, 11), st.integers(1, 9_000)), min_size=1, max_size=6)),
    st.tuples(st.just("release"), st.integers(0, 5)),
    st.tuples(st.just("bank"), st.sampled_from(["settle", "reject", "reject_file", "return", "unknown"]), st.integers(0, 40),
              st.booleans()),
)


def _run(service, steps) -> None:  # type: ignore[no-untyped-def]
    batches: list[str] = []
    for number, step in enumerate(steps):
        kind = step[0]
        if kind == "allocate":
            service.allocate(PROGRAM, f"a{number}", step[1])
        elif kind == "submit":
            request = BatchRequest(SIB, f"c{number}", PROGRAM, [InstructionRequest(f"r{number}-{i}", payee(n), cents, "EUR")
                                                               for i, (n, cents) in enumerate(step[1])])
            try:
                batches.append(service.submit(request).batch_id)
            except InsufficientFunds:
                pass
        elif kind == "release" and batches:
            with service.engine.begin() as connection:
                release.release(connection, service.directory, batches[step[1] % len(batches)], NOW)
        elif kind == "bank":
            _bank_news(service, step[1], step[2], twice=step[3], number=number)


def _bank_news(service, news: str, pick: int, *, twice: bool, number: int) -> None:  # type: ignore[no-untyped-def]
    t = payment_instructions
    with service.engine.connect() as connection:
        rows = connection.execute(select(t.c.batch_id, t.c.seq, t.c.amount_cents, t.c.bank).order_by(t.c.batch_id, t.c.seq)).all()
    if not rows:
        return
    batch_id, seq, amount, bank = rows[pick % len(rows)]
    e2e = end_to_end_id(batch_id, seq)
    messages = {
        "settle": AccountReport("camt.054", f"N{number}", None, None, None, [Entry(e2e, amount, False, "ref", None)]),
        "reject": StatusReport(f"S{number}", release.file_id(batch_id, bank or "BANK1"), "PART", None,
                               [TransactionStatus(e2e, "RJCT", "AC04", None)]),
        "reject_file": StatusReport(f"F{number}", release.file_id(batch_id, bank or "BANK1"), "RJCT", "AM04", []),
        "return": PaymentReturn(f"R{number}", [Return("rt", e2e, None, amount, "MD07")]),
        "unknown": PaymentReturn(f"U{number}", [Return("rt", "BXXXXXXXXXXX000001", None, 100, "AC04")]),
    }
    for _copy in range(2 if twice else 1):
        with service.engine.begin() as connection:
            apply(connection, bank or "BANK1", messages[news], f"m{number}", "sha", NOW)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(steps=st.lists(operation, min_size=1, max_size=14))
def test_any_sequence_of_payments_and_bank_news_keeps_the_books_balanced(template: Path, steps) -> None:  # type: ignore[no-untyped-def]
    service, path = _fresh(template)
    try:
        _run(service, steps)
        checked = service.check_ledger()
        assert checked.ok, checked.discrepancy
        with service.engine.connect() as connection:
            paid_to_beneficiaries = connection.execute(select(func.coalesce(func.sum(postings.c.amount_cents), 0))
                                                       .where(postings.c.account.startswith(ledger.BENEFICIARY))).scalar_one()
            in_paid_states = connection.execute(select(func.coalesce(func.sum(payment_instructions.c.amount_cents), 0))
                                                .where(payment_instructions.c.state.in_(PAID))).scalar_one()
        # an independent oracle: what beneficiaries hold is exactly what is paid and not reversed
        assert paid_to_beneficiaries == in_paid_states
        assert service.program(PROGRAM).available_cents >= 0
    finally:
        service.engine.dispose()
        path.unlink()


def _paid_world(template: Path):  # type: ignore[no-untyped-def]
    service, path = _fresh(template)
    service.allocate(PROGRAM, "a", 100_000)
    batch = service.submit(BatchRequest(SIB, "c", PROGRAM, [InstructionRequest(f"r{n}", payee(n), 1000 + n, "EUR") for n in range(4)]))
    with service.engine.begin() as connection:
        release.release(connection, service.directory, batch.batch_id, NOW)
    assert service.check_ledger().ok
    return service, path, batch.batch_id


@pytest.mark.parametrize("tamper, found", [
    ("unbalanced", "does not balance"),
    ("balance", "the balance of fund:P"),
    ("second_payment", "should have one payment journal"),
    ("lost_payment", "the balance of reserved:P"),
    ("stray_account", "neither a program account"),
])
def test_check_ledger_names_the_first_discrepancy(template: Path, tamper: str, found: str) -> None:
    service, path, batch_id = _paid_world(template)
    e2e = end_to_end_id(batch_id, 1)
    with service.engine.begin() as connection:
        if tamper == "unbalanced":
            connection.execute(update(postings).where(postings.c.journal == f"pay:{e2e}", postings.c.amount_cents > 0)
                               .values(amount_cents=postings.c.amount_cents + 1))
        elif tamper == "balance":
            connection.execute(update(ledger_accounts).where(ledger_accounts.c.account == "fund:P").values(balance_cents=1))
        elif tamper == "second_payment":
            connection.execute(insert(postings), [
                {"journal": f"pay:{e2e}", "kind": "pay", "account": "beneficiary:999", "amount_cents": 5, "posted_at": NOW},
                {"journal": f"pay:{e2e}", "kind": "pay", "account": "fund:P", "amount_cents": -5, "posted_at": NOW}])
            connection.execute(update(ledger_accounts).where(ledger_accounts.c.account == "fund:P")
                               .values(balance_cents=ledger_accounts.c.balance_cents - 5))
        elif tamper == "lost_payment":
            connection.execute(postings.delete().where(postings.c.journal == f"pay:{e2e}"))
        elif tamper == "stray_account":
            connection.execute(insert(postings), [
                {"journal": "x", "kind": "x", "account": "cash:somewhere", "amount_cents": 5, "posted_at": NOW},
                {"journal": "x", "kind": "x", "account": "beneficiary:1", "amount_cents": -5, "posted_at": NOW}])
    try:
        result = service.check_ledger()
        assert not result.ok
        assert found in (result.discrepancy or "")
    finally:
        service.engine.dispose()
        path.unlink()


def test_a_posting_cannot_be_made_twice(template: Path) -> None:
    from sqlalchemy.exc import IntegrityError

    service, path, batch_id = _paid_world(template)
    try:
        with pytest.raises(IntegrityError), service.engine.begin() as connection:
            ledger.post(connection, "pay", [(f"pay:{end_to_end_id(batch_id, 1)}", "beneficiary:1", "reserved:P", 1001)], NOW)
        assert service.check_ledger().ok
    finally:
        service.engine.dispose()
        path.unlink()


def test_a_journal_moves_positive_amounts_only(template: Path) -> None:
    service, path = _fresh(template)
    try:
        with pytest.raises(ValueError), service.engine.begin() as connection:
            ledger.post(connection, "alloc", [("alloc:P:x", "fund:P", "appropriation:P", 0)], NOW)
    finally:
        service.engine.dispose()
        path.unlink()
