"""The simulated bank behaves like a real one: it checks a pain.001 the way banks do, answers in
valid ISO 20022, books, returns later, closes its days, and takes each folder file once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from lxml import etree

from tenfold.banks import BankSimulator, Faults, days, folders
from tenfold.banks.accounts import close
from tenfold.banks.messages import PACS004
from tenfold.payments.iso20022 import reader
from tests.banks.helpers import TREASURY, Clock, answers, official, payment_file
from tests.payments.world import iban

def test_accounts_are_checked_and_the_answers_are_valid_iso20022(bank: BankSimulator) -> None:
    arrival = bank.receive(payment_file([1, 3, 5, 7]), "exchange:1", "exchange", TREASURY)
    assert (arrival.outcome, arrival.credited, arrival.rejected) == ("partial", 2, 2)
    listed = bank.messages_after(TREASURY, 0, 10)
    assert [m["kind"] for m in listed] == ["pain.002", "camt.054"]
    status = reader.parse(listed[0]["content"].encode())
    assert isinstance(status, reader.StatusReport) and status.group_status == "PART"
    assert {(t.end_to_end_id[-2:], t.reason_code) for t in status.transactions} == {("05", "AC04"), ("07", "AC01")}
    notice = reader.parse(listed[1]["content"].encode())
    assert [(e.end_to_end_id[-2:], e.amount_cents) for e in notice.entries] == [("01", 1001), ("03", 1003)]  # type: ignore[union-attr]
    assert official("pain.002.001.12", listed[0]["content"]) == []
    assert official("camt.054.001.08", listed[1]["content"]) == []


@pytest.mark.parametrize("tamper, code", [
    (lambda d: d.replace(b"<NbOfTxs>2</NbOfTxs>", b"<NbOfTxs>3</NbOfTxs>", 1), "AM18"),
    (lambda d: d.replace(b"<CtrlSum>20.04</CtrlSum>", b"<CtrlSum>20.05</CtrlSum>", 1), "AM10"),
    (lambda d: d.replace(b"<DbtrAgt><FinInstnId><BICFI>HABAEE2X", b"<DbtrAgt><FinInstnId><BICFI>EEUHEE2X"), "RC01"),
    (lambda d: d.replace(b"<PmtMtd>TRF</PmtMtd>", b"<PmtMtd>XXX</PmtMtd>"), "FF01"),
    (lambda d: b"<Document>" + d[:100], "FF01"),
])
def test_a_bad_file_is_rejected_whole_with_the_iso_reason(bank: BankSimulator, tamper, code: str) -> None:  # type: ignore[no-untyped-def]
    arrival = bank.receive(tamper(payment_file([1, 3])), "exchange:1", "exchange", TREASURY)
    assert arrival.reason_code == code and arrival.credited == 0
    (status,) = answers(bank)
    assert isinstance(status, reader.StatusReport) and (status.group_status, status.group_reason) == ("RJCT", code)


def test_a_second_file_with_the_same_message_id_is_not_paid_again(bank: BankSimulator) -> None:
    bank.receive(payment_file([1]), "exchange:1", "exchange", TREASURY)
    again = bank.receive(payment_file([1]), "exchange:2", "exchange", TREASURY)
    assert (again.outcome, again.reason_code, again.credited) == ("duplicate", "DU01", 0)
    assert bank.summary()["transactions"] == {"credited": 1, "duplicate": 1}
    assert bank.summary()["repeated_end_to_end_ids"] == 1  # the test of the treasury counts exactly this


def test_returns_come_later_and_statements_chain_their_balances(bank: BankSimulator, clock: Clock) -> None:
    bank.set_faults(Faults(return_share=1.0, return_delay_seconds=3600, statement_fee=True))
    bank.receive(payment_file([1, 3]), "exchange:1", "exchange", TREASURY)
    assert days.run_returns(bank, clock.now) == 0
    assert days.close_day(bank, clock.now, force=True) == 1
    clock.now += timedelta(hours=2)
    assert days.run_returns(bank, clock.now) == 2
    assert days.close_day(bank, clock.now, force=True) == 1
    kinds = [m["kind"] for m in bank.messages_after(TREASURY, 0, 100)]
    assert kinds == ["pain.002", "camt.054", "camt.053", "pacs.004", "camt.053"]
    first, returned, second = [m for m in answers(bank) if m.kind in ("camt.053", "pacs.004")]
    assert isinstance(first, reader.AccountReport) and isinstance(second, reader.AccountReport)
    assert second.opening_cents == first.closing_cents
    assert second.closing_cents == first.closing_cents + 1001 + 1003 - 250  # two returned credits, one more fee
    assert isinstance(returned, reader.PaymentReturn) and {r.reason_code for r in returned.returns} <= {"AC04", "MD07", "CUST"}
    for message in bank.messages_after(TREASURY, 0, 100):
        if message["kind"] == "camt.053":
            assert official("camt.053.001.08", message["content"]) == []
        if message["kind"] == "pacs.004":
            assert etree.QName(etree.fromstring(message["content"].encode())).namespace.endswith(PACS004)


def test_the_inbound_folder_is_read_once_and_half_written_files_are_ignored(bank: BankSimulator) -> None:
    inbound = folders.folder("BANK1", "inbound")
    inbound.mkdir(parents=True, exist_ok=True)
    (inbound / ".BAAAAAAAAAAA-BANK1.xml.part").write_bytes(b"<half")
    (inbound / "BAAAAAAAAAAA-BANK1.xml").write_bytes(payment_file([1]))
    assert folders.read_inbound(bank) == 1
    assert folders.read_inbound(bank) == 0
    assert (inbound / "archive" / "BAAAAAAAAAAA-BANK1.xml").is_file()
    # a crash after recording the file but before moving it: the same file is not taken twice
    (inbound / "archive" / "BAAAAAAAAAAA-BANK1.xml").rename(inbound / "BAAAAAAAAAAA-BANK1.xml")
    assert folders.read_inbound(bank) == 1
    assert bank.summary()["arrivals"] == {"accepted": 1}
    assert folders.write_outbound(bank) == 2
    assert sorted(p.name.split("-")[1] for p in folders.folder("BANK1", "outbound").glob("*.xml")) == ["camt.054", "pain.002"]


def test_a_silent_bank_books_but_answers_nothing(bank: BankSimulator, clock: Clock) -> None:
    bank.set_faults(Faults(silent=True))
    assert bank.receive(payment_file([1]), "exchange:1", "exchange", TREASURY).credited == 1
    assert days.close_day(bank, clock.now, force=True) == 0
    assert bank.messages_after(TREASURY, 0, 10) == []


def test_closed_accounts_are_closed_in_the_registry_and_refuse_payments(bank: BankSimulator) -> None:
    assert close(bank.engine, bank.identity.member, ibans=[iban(1)]) == [iban(1)]
    assert close(bank.engine, bank.identity.member, share=1.0) == [iban(3)]  # the only open one left
    assert close(bank.engine, bank.identity.member, share=1.0) == []
    arrival = bank.receive(payment_file([1, 3]), "exchange:1", "exchange", TREASURY)
    assert (arrival.outcome, arrival.rejected) == ("rejected", 2)
    (status, ) = answers(bank)
    assert {t.reason_code for t in status.transactions} == {"AC04"}  # type: ignore[union-attr]


def test_faults_are_checked(bank: BankSimulator) -> None:
    from tenfold.errors import InvalidInput

    with pytest.raises(InvalidInput):
        Faults.from_dict({"return_share": 2})
    with pytest.raises(InvalidInput):
        Faults.from_dict({"bogus": True})
