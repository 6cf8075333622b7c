"""What a bank sends its corporate customer (here: the treasury), in ISO 20022:

- pain.002.001.12 status report: group status ACCP, PART or RJCT, with each rejected transaction
  and its reason code (accepted ones are not listed, as most banks do);
- camt.054.001.08 debit notification: the booked debits of one file, batch-booked as one entry
  with a detail line per transaction;
- camt.053.001.08 end-of-day statement: opening and closing balances and every entry of the day
  (payments, returned credits, fees);
- pacs.004.001.09 payment return: credits that came back after settlement, with the reason.

Written with lxml; the tests validate pain.002, camt.053 and camt.054 against the official XSDs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Sequence

from lxml import etree
from lxml.builder import ElementMaker

PREFIX = "urn:iso:std:iso:20022:tech:xsd:"
PAIN002, CAMT054, CAMT053, PACS004 = "pain.002.001.12", "camt.054.001.08", "camt.053.001.08", "pacs.004.001.09"


def amount(cents: int) -> str:
    whole, part = divmod(abs(cents), 100)
    return f"{whole}.{part:02d}"


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def _document(message: str, body: etree._Element, E: ElementMaker) -> bytes:
    return etree.tostring(E.Document(body), xml_declaration=True, encoding="UTF-8")


def _maker(message: str) -> ElementMaker:
    return ElementMaker(namespace=PREFIX + message, nsmap={None: PREFIX + message})


@dataclass(frozen=True, slots=True)
class Rejection:
    end_to_end_id: str
    reason_code: str


def status_report(message_id: str, now: datetime, original_message_id: str, payment_info_id: str | None, count: int,
                  total_cents: int, group_status: str, group_reason: str | None, rejected: Sequence[Rejection]) -> bytes:
    E = _maker(PAIN002)
    group = E.OrgnlGrpInfAndSts(E.OrgnlMsgId(original_message_id), E.OrgnlMsgNmId("pain.001.001.09"),
                                E.OrgnlNbOfTxs(str(count)), E.OrgnlCtrlSum(amount(total_cents)), E.GrpSts(group_status))
    if group_reason:
        group.append(E.StsRsnInf(E.Rsn(E.Cd(group_reason))))
    report = E.CstmrPmtStsRpt(E.GrpHdr(E.MsgId(message_id), E.CreDtTm(_stamp(now))), group)
    if rejected and payment_info_id:
        payment = E.OrgnlPmtInfAndSts(E.OrgnlPmtInfId(payment_info_id), E.PmtInfSts(group_status))
        for r in rejected:
            payment.append(E.TxInfAndSts(E.OrgnlInstrId(r.end_to_end_id), E.OrgnlEndToEndId(r.end_to_end_id), E.TxSts("RJCT"),
                                         E.StsRsnInf(E.Rsn(E.Cd(r.reason_code)))))
        report.append(payment)
    return _document(PAIN002, report, E)


@dataclass(frozen=True, slots=True)
class Booking:
    """One transaction on the treasury's account at the bank."""
    reference: str
    end_to_end_id: str | None
    amount_cents: int
    credit: bool
    kind: str  # payment, return or fee
    group: str | None  # the arrival (file) a payment belongs to: its entries are booked as one
    return_reason: str | None = None


def _bank_code(booking: Booking, E: ElementMaker) -> etree._Element:
    family, sub = {"payment": ("ICDT", "ESCT"), "return": ("ICDT", "RRTN"), "fee": ("CCRD", "CHRG")}[booking.kind]
    domain = "ACMT" if booking.kind == "fee" else "PMNT"
    return E.BkTxCd(E.Domn(E.Cd(domain), E.Fmly(E.Cd(family), E.SubFmlyCd(sub))))


def _entries(bookings: Sequence[Booking], currency: str, day: date, E: ElementMaker) -> list[etree._Element]:
    """Payments of one file become one batch-booked entry; returns and fees one entry each."""
    groups: dict[str, list[Booking]] = {}
    order: list[str] = []
    for booking in bookings:
        key = booking.group if booking.kind == "payment" and booking.group else booking.reference
        if key not in groups:
            groups[key] = []
            order.append(key)
        groups[key].append(booking)
    return [_entry(groups[key], currency, day, E) for key in order]


def _entry(group: list[Booking], currency: str, day: date, E: ElementMaker) -> etree._Element:
    first = group[0]
    indicator = "CRDT" if first.credit else "DBIT"
    entry = E.Ntry(E.Amt(amount(sum(b.amount_cents for b in group)), Ccy=currency), E.CdtDbtInd(indicator), E.Sts(E.Cd("BOOK")),
                   E.BookgDt(E.Dt(day.isoformat())), E.ValDt(E.Dt(day.isoformat())), E.AcctSvcrRef(first.group or first.reference),
                   _bank_code(first, E))
    if first.kind == "fee":
        entry.append(E.AddtlNtryInf("Account maintenance fee"))
        return entry
    details = E.NtryDtls()
    if len(group) > 1 or first.kind == "payment":
        details.append(E.Btch(E.NbOfTxs(str(len(group))), E.TtlAmt(amount(sum(b.amount_cents for b in group)), Ccy=currency),
                              E.CdtDbtInd(indicator)))
    for booking in group:
        tx = E.TxDtls(E.Refs(E.AcctSvcrRef(booking.reference), E.EndToEndId(booking.end_to_end_id or "NOTPROVIDED")),
                      E.Amt(amount(booking.amount_cents), Ccy=currency), E.CdtDbtInd(indicator))
        if booking.return_reason:
            tx.append(E.RtrInf(E.Rsn(E.Cd(booking.return_reason))))
        details.append(tx)
    entry.append(details)
    return entry


@dataclass(frozen=True)
class Account:
    iban: str
    currency: str
    owner: str


def notification(message_id: str, now: datetime, account: Account, bookings: Sequence[Booking]) -> bytes:
    E = _maker(CAMT054)
    body = E.Ntfctn(E.Id(message_id), E.CreDtTm(_stamp(now)), E.Acct(E.Id(E.IBAN(account.iban)), E.Ccy(account.currency)),
                    *_entries(bookings, account.currency, now.date(), E))
    return _document(CAMT054, E.BkToCstmrDbtCdtNtfctn(E.GrpHdr(E.MsgId(message_id), E.CreDtTm(_stamp(now))), body), E)


def _balance(code: str, cents: int, day: date, currency: str, E: ElementMaker) -> etree._Element:
    return E.Bal(E.Tp(E.CdOrPrtry(E.Cd(code))), E.Amt(amount(cents), Ccy=currency), E.CdtDbtInd("CRDT" if cents >= 0 else "DBIT"),
                 E.Dt(E.Dt(day.isoformat())))


def statement(message_id: str, now: datetime, account: Account, opening_cents: int, bookings: Sequence[Booking],
              sequence: int) -> bytes:
    E = _maker(CAMT053)
    closing = opening_cents + sum(b.amount_cents if b.credit else -b.amount_cents for b in bookings)
    day = now.date()
    body = E.Stmt(E.Id(message_id), E.ElctrncSeqNb(str(sequence)), E.CreDtTm(_stamp(now)),
                  E.Acct(E.Id(E.IBAN(account.iban)), E.Ccy(account.currency)),
                  _balance("OPBD", opening_cents, day, account.currency, E), _balance("CLBD", closing, day, account.currency, E),
                  *_entries(bookings, account.currency, day, E))
    return _document(CAMT053, E.BkToCstmrStmt(E.GrpHdr(E.MsgId(message_id), E.CreDtTm(_stamp(now))), body), E)


@dataclass(frozen=True, slots=True)
class Returned:
    return_id: str
    end_to_end_id: str
    original_message_id: str | None
    amount_cents: int
    reason_code: str


def payment_return(message_id: str, now: datetime, currency: str, returns: Sequence[Returned]) -> bytes:
    E = _maker(PACS004)
    transactions = []
    for r in returns:
        tx = E.TxInf(E.RtrId(r.return_id))
        if r.original_message_id:
            tx.append(E.OrgnlGrpInf(E.OrgnlMsgId(r.original_message_id), E.OrgnlMsgNmId("pain.001.001.09")))
        tx.extend([E.OrgnlInstrId(r.end_to_end_id), E.OrgnlEndToEndId(r.end_to_end_id),
                   E.RtrdIntrBkSttlmAmt(amount(r.amount_cents), Ccy=currency), E.IntrBkSttlmDt(now.date().isoformat()),
                   E.RtrRsnInf(E.Rsn(E.Cd(r.reason_code)))])
        transactions.append(tx)
    header = E.GrpHdr(E.MsgId(message_id), E.CreDtTm(_stamp(now)), E.NbOfTxs(str(len(returns))), E.SttlmInf(E.SttlmMtd("CLRG")))
    return _document(PACS004, E.PmtRtr(header, *transactions), E)
