"""Reading what banks send back: pain.002 status reports, camt.054 debit notifications, camt.053
statements and pacs.004 returns, of any version (elements are found under the document's own
namespace; the fields read here have kept their names across versions)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable

from lxml import etree

from tenfold.payments.errors import MessageInvalid
from tenfold.payments.iso20022.schemas import safe_parser
from tenfold.payments.money import parse_decimal_cents

PREFIX = "urn:iso:std:iso:20022:tech:xsd:"
KINDS = ("pain.002", "camt.054", "camt.053", "pacs.004")


@dataclass(frozen=True, slots=True)
class TransactionStatus:
    end_to_end_id: str
    status: str
    reason_code: str | None
    reason: str | None


@dataclass(frozen=True)
class StatusReport:
    kind = "pain.002"
    message_id: str
    original_message_id: str
    group_status: str | None
    group_reason: str | None
    transactions: list[TransactionStatus] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Entry:
    end_to_end_id: str | None
    amount_cents: int
    credit: bool
    reference: str | None
    return_reason: str | None


@dataclass(frozen=True)
class AccountReport:
    kind: str
    message_id: str
    account: str | None
    opening_cents: int | None
    closing_cents: int | None
    entries: list[Entry] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Return:
    return_id: str | None
    original_end_to_end_id: str | None
    original_message_id: str | None
    amount_cents: int
    reason_code: str | None


@dataclass(frozen=True)
class PaymentReturn:
    kind = "pacs.004"
    message_id: str
    returns: list[Return] = field(default_factory=list)


BankMessage = StatusReport | AccountReport | PaymentReturn


class _Doc:
    """Namespace-aware paths (``"GrpHdr/MsgId"``) under one document's namespace."""

    def __init__(self, namespace: str):
        self.ns = namespace

    def path(self, path: str) -> str:
        return "/".join(f"{{{self.ns}}}{part}" for part in path.split("/"))

    def text(self, element: etree._Element, path: str) -> str | None:
        found = element.find(self.path(path))
        return found.text.strip() if found is not None and found.text else None

    def all(self, element: etree._Element, path: str) -> list[etree._Element]:
        return element.findall(self.path(path))


def kind_of(root: etree._Element) -> tuple[str, str]:
    namespace = etree.QName(root).namespace or ""
    if not namespace.startswith(PREFIX) or etree.QName(root).localname != "Document":
        raise MessageInvalid("not an ISO 20022 document")
    kind = namespace[len(PREFIX):len(PREFIX) + 8]
    if kind not in KINDS:
        raise MessageInvalid(f"{namespace[len(PREFIX):]} is not a message the treasury reads")
    return kind, namespace


def parse(content: bytes) -> BankMessage:
    """The message in ``content``; MessageInvalid when it is not one of the four, or broken."""
    try:
        root = etree.fromstring(content, parser=safe_parser())
    except etree.XMLSyntaxError as error:
        raise MessageInvalid(f"not well-formed XML: {error}") from None
    kind, namespace = kind_of(root)
    try:
        return _READERS[kind](_Doc(namespace), root[0])
    except (ValueError, IndexError, TypeError) as error:
        raise MessageInvalid(f"{kind}: {error}") from None


def _required(value: str | None, what: str) -> str:
    if not value:
        raise ValueError(f"{what} is missing")
    return value


def _status_report(d: _Doc, body: etree._Element) -> StatusReport:
    original = d.all(body, "OrgnlGrpInfAndSts")
    if not original:
        raise ValueError("OrgnlGrpInfAndSts is missing")
    transactions = []
    for tx in body.iter(d.path("TxInfAndSts")):
        transactions.append(TransactionStatus(
            _required(d.text(tx, "OrgnlEndToEndId"), "OrgnlEndToEndId"), _required(d.text(tx, "TxSts"), "TxSts"),
            d.text(tx, "StsRsnInf/Rsn/Cd"), d.text(tx, "StsRsnInf/AddtlInf")))
    group = original[0]
    group_status = d.text(group, "GrpSts")
    payment_infos = d.all(body, "OrgnlPmtInfAndSts")
    if group_status is None and payment_infos:
        group_status = d.text(payment_infos[0], "PmtInfSts")
    return StatusReport(
        _required(d.text(body, "GrpHdr/MsgId"), "GrpHdr/MsgId"), _required(d.text(group, "OrgnlMsgId"), "OrgnlMsgId"),
        group_status, d.text(group, "StsRsnInf/Rsn/Cd"), transactions)


def _entries(d: _Doc, statement: etree._Element) -> list[Entry]:
    entries = []
    for entry in d.all(statement, "Ntry"):
        credit = _required(d.text(entry, "CdtDbtInd"), "CdtDbtInd") == "CRDT"
        details = d.all(entry, "NtryDtls/TxDtls")
        if not details:
            amount = parse_decimal_cents(_required(d.text(entry, "Amt"), "Ntry/Amt"))
            entries.append(Entry(None, amount, credit, d.text(entry, "AcctSvcrRef"), None))
            continue
        entry_reference = d.text(entry, "AcctSvcrRef")
        for tx in details:
            entries.append(_detail(d, tx, credit, entry_reference, entry))
    return entries


@lru_cache(maxsize=32)
def _detail_paths(namespace: str) -> tuple[etree.XPath, ...]:
    def compiled(path: str) -> etree.XPath:
        return etree.XPath(f"string({path})", namespaces={"p": namespace})

    return (compiled("p:Refs/p:EndToEndId"), compiled("p:Amt"), compiled("p:AmtDtls/p:TxAmt/p:Amt"), compiled("p:Refs/p:AcctSvcrRef"),
            compiled("p:RtrInf/p:Rsn/p:Cd"))


def _detail(d: _Doc, tx: etree._Element, credit: bool, entry_reference: str | None, entry: etree._Element) -> Entry:
    """One transaction detail, through compiled XPath (a statement holds thousands; lxml's
    find() parses its path in Python every time and costs three times as much)."""
    e2e, amount, tx_amount, reference, reason = (str(path(tx)).strip() for path in _detail_paths(d.ns))
    amount = amount or tx_amount or d.text(entry, "Amt") or ""
    return Entry(e2e or None, parse_decimal_cents(_required(amount, "TxDtls/Amt")), credit, reference or entry_reference, reason or None)


def _balance(d: _Doc, statement: etree._Element, code: str) -> int | None:
    for balance in d.all(statement, "Bal"):
        if d.text(balance, "Tp/CdOrPrtry/Cd") == code:
            cents = parse_decimal_cents(_required(d.text(balance, "Amt"), "Bal/Amt"))
            return -cents if d.text(balance, "CdtDbtInd") == "DBIT" else cents
    return None


def _account_report(kind: str, container: str) -> Callable[[_Doc, etree._Element], AccountReport]:
    def read(d: _Doc, body: etree._Element) -> AccountReport:
        statements = d.all(body, container)
        if not statements:
            raise ValueError(f"{container} is missing")
        statement = statements[0]
        entries = [e for s in statements for e in _entries(d, s)]
        return AccountReport(kind, _required(d.text(body, "GrpHdr/MsgId"), "GrpHdr/MsgId"), d.text(statement, "Acct/Id/IBAN"),
                             _balance(d, statement, "OPBD"), _balance(d, statement, "CLBD"), entries)

    return read


def _payment_return(d: _Doc, body: etree._Element) -> PaymentReturn:
    returns = []
    for tx in d.all(body, "TxInf"):
        amount = _required(d.text(tx, "RtrdIntrBkSttlmAmt"), "RtrdIntrBkSttlmAmt")
        returns.append(Return(d.text(tx, "RtrId"), d.text(tx, "OrgnlEndToEndId"),
                              d.text(tx, "OrgnlGrpInf/OrgnlMsgId") or d.text(body, "OrgnlGrpInf/OrgnlMsgId"),
                              parse_decimal_cents(amount), d.text(tx, "RtrRsnInf/Rsn/Cd")))
    if not returns:
        raise ValueError("TxInf is missing")
    return PaymentReturn(_required(d.text(body, "GrpHdr/MsgId"), "GrpHdr/MsgId"), returns)


_READERS: dict[str, Callable[[_Doc, etree._Element], BankMessage]] = {
    "pain.002": _status_report,
    "camt.054": _account_report("camt.054", "Ntfctn"),
    "camt.053": _account_report("camt.053", "Stmt"),
    "pacs.004": _payment_return,
}
