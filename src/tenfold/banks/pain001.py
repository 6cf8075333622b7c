"""Reading an incoming pain.001 the way a bank does: schema first (the official pain.001.001.09
XSD that sepaxml ships), then the group header and every credit transfer."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from lxml import etree

NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"
N = f"{{{NAMESPACE}}}"


class Unreadable(Exception):
    """A file the bank cannot accept as a pain.001.001.09 (answered with FF01)."""

    def __init__(self, message: str, message_id: str | None = None):
        super().__init__(message)
        self.message_id = message_id


@dataclass(frozen=True, slots=True)
class Transfer:
    end_to_end_id: str
    amount_cents: int
    currency: str
    creditor_iban: str


@dataclass(frozen=True)
class PaymentFile:
    message_id: str
    payment_info_id: str
    declared_count: int
    declared_cents: int
    debtor_iban: str
    debtor_bic: str
    transfers: list[Transfer]


_NS = {"p": NAMESPACE}
_E2E = etree.XPath("string(p:PmtId/p:EndToEndId)", namespaces=_NS)
_AMOUNT = etree.XPath("p:Amt/p:InstdAmt", namespaces=_NS)
_IBAN = etree.XPath("string(p:CdtrAcct/p:Id/p:IBAN)", namespaces=_NS)


@lru_cache(maxsize=1)
def _schema() -> etree.XMLSchema:
    spec = importlib.util.find_spec("sepaxml")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the sepaxml package (which ships the pain.001.001.09 XSD) is not installed")
    path = Path(list(spec.submodule_search_locations)[0]) / "schemas" / "pain.001.001.09.xsd"
    return etree.XMLSchema(etree.parse(str(path)))


def _cents(text: str | None) -> int:
    whole, _, part = (text or "").strip().partition(".")
    return int(whole) * 100 + int((part + "00")[:2])


def read(content: bytes) -> PaymentFile:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)
    try:
        root = etree.fromstring(content, parser=parser)
    except etree.XMLSyntaxError as error:
        raise Unreadable(f"not well-formed XML: {error}") from None
    message_id = root.findtext(f"{N}CstmrCdtTrfInitn/{N}GrpHdr/{N}MsgId")
    schema = _schema()
    if not schema.validate(root):
        first = schema.error_log[0] if len(schema.error_log) else None
        raise Unreadable(f"not valid pain.001.001.09: {first.message if first else 'invalid'}", message_id)
    body = root[0]
    header = body.find(f"{N}GrpHdr")
    payments = body.findall(f"{N}PmtInf")
    if len(payments) != 1:
        raise Unreadable("the bank takes one payment information block per file", message_id)
    payment = payments[0]
    transfers = []
    for tx in payment.iterfind(f"{N}CdtTrfTxInf"):
        amount = _AMOUNT(tx)[0]
        transfers.append(Transfer(str(_E2E(tx)), _cents(amount.text), amount.get("Ccy", ""), str(_IBAN(tx))))
    return PaymentFile(
        message_id or "", payment.findtext(f"{N}PmtInfId") or "", int(header.findtext(f"{N}NbOfTxs") or 0),
        _cents(header.findtext(f"{N}CtrlSum") or "0"), payment.findtext(f"{N}DbtrAcct/{N}Id/{N}IBAN") or "",
        payment.findtext(f"{N}DbtrAgt/{N}FinInstnId/{N}BICFI") or "", transfers)
