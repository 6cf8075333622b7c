"""ISO 20022 on the treasury's side: every pain.001 it writes is valid against the official XSD
(sepaxml's copy), and it reads each kind of bank message, of the current and of older versions."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from tenfold.payments.errors import MessageInvalid
from tenfold.payments.iso20022 import pain001, reader, schemas

DEBTOR = pain001.Debtor("State Treasury & Co <Tallinn>", "EE432200011000000015", "HABAEE2X")
NOW = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


def _transfers(texts: list[str | None]) -> list[pain001.CreditTransfer]:
    return [pain001.CreditTransfer(f"BABCDEFGHIJK{n:06d}", 1 + n * 137, "EE382200221020145685", "HABAEE2X", text)
            for n, text in enumerate(texts, start=1)]


def test_a_written_pain001_is_valid_against_the_official_xsd_with_its_control_totals() -> None:
    document = pain001.write("BABCDEFGHIJK-BANK1", NOW, date(2026, 3, 2), DEBTOR, "EUR", _transfers(["Child allowance", None, "x"]))
    assert schemas.problems("pain.001.001.09", document) == []
    root = etree.fromstring(document)
    ns = {"p": pain001.NAMESPACE}
    assert root.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:NbOfTxs", namespaces=ns) == "3"
    assert root.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:CtrlSum", namespaces=ns) == "8.25"  # 1.38 + 2.75 + 4.12
    assert root.findtext("p:CstmrCdtTrfInitn/p:PmtInf/p:ReqdExctnDt/p:Dt", namespaces=ns) == "2026-03-02"
    assert root.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:InitgPty/p:Nm", namespaces=ns) == DEBTOR.name


@settings(max_examples=80, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=140), min_size=1, max_size=5))
def test_any_remittance_text_still_gives_a_valid_file(texts: list[str]) -> None:
    document = pain001.write("BABCDEFGHIJK-BANK1", NOW, NOW.date(), DEBTOR, "EUR", _transfers(texts))  # type: ignore[arg-type]
    problems = schemas.problems("pain.001.001.09", document)
    # Max140Text counts characters after escaping is undone; a text of only dropped control
    # characters would leave an empty element, which the schema (minLength 1) refuses.
    if all(pain001.escape(t) for t in texts):
        assert problems == []


def test_an_invalid_file_is_refused_before_it_is_stored() -> None:
    with pytest.raises(ValueError, match="XSD"):
        pain001.validate(pain001.write("X" * 36, NOW, NOW.date(), DEBTOR, "EUR", _transfers(["a"])))


PAIN002_V3 = b"""<?xml version="1.0"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"><CstmrPmtStsRpt>
<GrpHdr><MsgId>OLD-1</MsgId><CreDtTm>2026-03-01T10:00:00</CreDtTm></GrpHdr>
<OrgnlGrpInfAndSts><OrgnlMsgId>BABCDEFGHIJK-BANK1</OrgnlMsgId><OrgnlMsgNmId>pain.001.001.03</OrgnlMsgNmId></OrgnlGrpInfAndSts>
<OrgnlPmtInfAndSts><OrgnlPmtInfId>P1</OrgnlPmtInfId><PmtInfSts>PART</PmtInfSts>
<TxInfAndSts><OrgnlEndToEndId>BABCDEFGHIJK000002</OrgnlEndToEndId><TxSts>RJCT</TxSts>
<StsRsnInf><Rsn><Cd>AC04</Cd></Rsn><AddtlInf>Account closed</AddtlInf></StsRsnInf></TxInfAndSts>
</OrgnlPmtInfAndSts></CstmrPmtStsRpt></Document>"""

CAMT054_V2 = b"""<?xml version="1.0"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.02"><BkToCstmrDbtCdtNtfctn>
<GrpHdr><MsgId>N-OLD</MsgId><CreDtTm>2026-03-01T10:00:00</CreDtTm></GrpHdr>
<Ntfctn><Id>N-OLD</Id><Acct><Id><IBAN>EE432200011000000015</IBAN></Id></Acct>
<Ntry><Amt Ccy="EUR">12.30</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts><BkTxCd/>
<NtryDtls><TxDtls><Refs><EndToEndId>BABCDEFGHIJK000001</EndToEndId></Refs>
<AmtDtls><TxAmt><Amt Ccy="EUR">12.30</Amt></TxAmt></AmtDtls></TxDtls></NtryDtls></Ntry>
<Ntry><Amt Ccy="EUR">2.5</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts><AcctSvcrRef>FEE-1</AcctSvcrRef></Ntry>
</Ntfctn></BkToCstmrDbtCdtNtfctn></Document>"""

PACS004_V2 = b"""<?xml version="1.0"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pacs.004.001.02"><PmtRtr>
<GrpHdr><MsgId>RT-OLD</MsgId><CreDtTm>2026-03-04T10:00:00</CreDtTm><NbOfTxs>1</NbOfTxs></GrpHdr>
<OrgnlGrpInf><OrgnlMsgId>BABCDEFGHIJK-BANK1</OrgnlMsgId><OrgnlMsgNmId>pain.001.001.03</OrgnlMsgNmId></OrgnlGrpInf>
<TxInf><RtrId>R1</RtrId><OrgnlEndToEndId>BABCDEFGHIJK000001</OrgnlEndToEndId>
<RtrdIntrBkSttlmAmt Ccy="EUR">12.30</RtrdIntrBkSttlmAmt><RtrRsnInf><Rsn><Cd>MD07</Cd></Rsn></RtrRsnInf></TxInf>
</PmtRtr></Document>"""


def test_older_versions_of_each_message_are_read_by_their_fields() -> None:
    report = reader.parse(PAIN002_V3)
    assert isinstance(report, reader.StatusReport) and report.group_status == "PART"
    assert report.transactions == [reader.TransactionStatus("BABCDEFGHIJK000002", "RJCT", "AC04", "Account closed")]
    notice = reader.parse(CAMT054_V2)
    assert isinstance(notice, reader.AccountReport) and notice.kind == "camt.054"
    assert [(e.end_to_end_id, e.amount_cents, e.credit) for e in notice.entries] == [("BABCDEFGHIJK000001", 1230, False), (None, 250, False)]
    returned = reader.parse(PACS004_V2)
    assert isinstance(returned, reader.PaymentReturn)
    assert returned.returns == [reader.Return("R1", "BABCDEFGHIJK000001", "BABCDEFGHIJK-BANK1", 1230, "MD07")]


@pytest.mark.parametrize("content, problem", [
    (b"not xml", "well-formed"),
    (b"<Document/>", "not an ISO 20022"),
    (b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"><CstmrCdtTrfInitn/></Document>', "not a message the treasury reads"),
    (b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.12"><CstmrPmtStsRpt><GrpHdr><MsgId>x</MsgId></GrpHdr>'
     b"</CstmrPmtStsRpt></Document>", "OrgnlGrpInfAndSts"),
    (b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pacs.004.001.09"><PmtRtr><GrpHdr><MsgId>x</MsgId></GrpHdr><TxInf>'
     b'<RtrdIntrBkSttlmAmt Ccy="EUR">1.234</RtrdIntrBkSttlmAmt></TxInf></PmtRtr></Document>', "not an amount"),
    (b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY e SYSTEM "file:///etc/passwd">]><Document>&e;</Document>', "not an ISO 20022"),
])
def test_what_is_not_a_bank_message_is_refused_with_a_reason(content: bytes, problem: str) -> None:
    with pytest.raises(MessageInvalid, match=problem):
        reader.parse(content)
