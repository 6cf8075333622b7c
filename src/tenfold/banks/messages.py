"""What a bank sends its corporate customer (here: the treasury), in ISO 20022:

- pain.002.001.12 status report: group status ACCP, PART or RJCT, with each rejected transaction
  and its reason code (accepted ones are not listed, as most banks do);
- camt.054.001.08 debit notification: the booked debits of one file, batch-booked as one entry
  with a detail line per transaction;
- camt.053.001.08 end-of-day statement: opening and closing balances and every entry of the day
  (payments, returned credits, fees);
- pacs.004.001.09 payment return: credits that came back after settlement, with the reason.

The status report and the return are built with lxml, the two messages with a line per payment
as text; the tests validate pain.002, camt.053 and camt.054 against the official XSDs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Sequence

from lxml import etree
from lxml.builder import ElementMaker
from xml.sax.saxutils import escape

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


_CODES = {"payment": ("PMNT", "ICDT", "ESCT"), "return": ("PMNT", "ICDT", "RRTN"), "fee": ("ACMT", "CCRD", "CHRG")}


def _text(value: str) -> str:
    return escape(value) if ("&" in value or "<" in value or ">" in value) else value


def _entries(bookings: Sequence[Booking], currency: str, day: date) -> str:
    """Payments of one file become one batch-booked entry; returns and fees one entry each.

    Written as text (these messages hold a line per payment, up to 10,000 a message); the tests
    validate them against the official XSDs."""
    groups: dict[str, list[Booking]] = {}
    for booking in bookings:
        key = booking.group if booking.kind == "payment" and booking.group else booking.reference
        groups.setdefault(key, []).append(booking)
    return "".join(_entry(group, currency, day.isoformat()) for group in groups.values())


def _entry(group: list[Booking], currency: str, day: str) -> str:
    first = group[0]
    indicator = "CRDT" if first.credit else "DBIT"
    total = amount(sum(b.amount_cents for b in group))
    domain, family, sub = _CODES[first.kind]
    head = (f'<Ntry><Amt Ccy="{currency}">{total}</Amt><CdtDbtInd>{indicator}</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>'
            f"<BookgDt><Dt>{day}</Dt></BookgDt><ValDt><Dt>{day}</Dt></ValDt><AcctSvcrRef>{_text(first.group or first.reference)}</AcctSvcrRef>"
            f"<BkTxCd><Domn><Cd>{domain}</Cd><Fmly><Cd>{family}</Cd><SubFmlyCd>{sub}</SubFmlyCd></Fmly></Domn></BkTxCd>")
    if first.kind == "fee":
        return head + "<AddtlNtryInf>Account maintenance fee</AddtlNtryInf></Ntry>"
    batch = (f'<Btch><NbOfTxs>{len(group)}</NbOfTxs><TtlAmt Ccy="{currency}">{total}</TtlAmt><CdtDbtInd>{indicator}</CdtDbtInd></Btch>'
             if len(group) > 1 or first.kind == "payment" else "")
    details = "".join(
        f"<TxDtls><Refs><AcctSvcrRef>{_text(b.reference)}</AcctSvcrRef><EndToEndId>{_text(b.end_to_end_id or 'NOTPROVIDED')}</EndToEndId>"
        f'</Refs><Amt Ccy="{currency}">{amount(b.amount_cents)}</Amt><CdtDbtInd>{indicator}</CdtDbtInd>'
        + (f"<RtrInf><Rsn><Cd>{_text(b.return_reason)}</Cd></Rsn></RtrInf>" if b.return_reason else "") + "</TxDtls>"
        for b in group)
    return f"{head}<NtryDtls>{batch}{details}</NtryDtls></Ntry>"


def _head(message: str, root: str, message_id: str, now: datetime) -> str:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="{PREFIX}{message}"><{root}>'
            f"<GrpHdr><MsgId>{_text(message_id)}</MsgId><CreDtTm>{_stamp(now)}</CreDtTm></GrpHdr>")


@dataclass(frozen=True)
class Account:
    iban: str
    currency: str
    owner: str


def notification(message_id: str, now: datetime, account: Account, bookings: Sequence[Booking]) -> bytes:
    body = (f"<Ntfctn><Id>{_text(message_id)}</Id><CreDtTm>{_stamp(now)}</CreDtTm>"
            f"<Acct><Id><IBAN>{_text(account.iban)}</IBAN></Id><Ccy>{account.currency}</Ccy></Acct>"
            f"{_entries(bookings, account.currency, now.date())}</Ntfctn>")
    return (_head(CAMT054, "BkToCstmrDbtCdtNtfctn", message_id, now) + body + "</BkToCstmrDbtCdtNtfctn></Document>\n").encode()


def _balance(code: str, cents: int, day: date, currency: str) -> str:
    return (f'<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp><Amt Ccy="{currency}">{amount(cents)}</Amt>'
            f"<CdtDbtInd>{'CRDT' if cents >= 0 else 'DBIT'}</CdtDbtInd><Dt><Dt>{day.isoformat()}</Dt></Dt></Bal>")


def statement(message_id: str, now: datetime, account: Account, opening_cents: int, bookings: Sequence[Booking],
              sequence: int) -> bytes:
    closing = opening_cents + sum(b.amount_cents if b.credit else -b.amount_cents for b in bookings)
    day = now.date()
    body = (f"<Stmt><Id>{_text(message_id)}</Id><ElctrncSeqNb>{sequence}</ElctrncSeqNb><CreDtTm>{_stamp(now)}</CreDtTm>"
            f"<Acct><Id><IBAN>{_text(account.iban)}</IBAN></Id><Ccy>{account.currency}</Ccy></Acct>"
            f"{_balance('OPBD', opening_cents, day, account.currency)}{_balance('CLBD', closing, day, account.currency)}"
            f"{_entries(bookings, account.currency, day)}</Stmt>")
    return (_head(CAMT053, "BkToCstmrStmt", message_id, now) + body + "</BkToCstmrStmt></Document>\n").encode()


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
