"""The demo's payment run: SIB pays a few families through the treasury; the treasury writes a
pain.001 per bank (BANK1 over the exchange, BANK2 over its folder pair), the simulated banks
answer, and the treasury reconciles. Every call goes through the members' gateways, as SIB's
application would make it. Call :func:`show` with the running country's ``runtime.json``."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
import uuid
from typing import Any

from tenfold.cli.exchange import http
from tenfold.cli.output import console, table
from tenfold.errors import TenfoldError
from tenfold.i18n import _

SIB_CLIENT = "DEMO/GOV/SIB/benefits"
TRE_PAYMENTS = "/r1/DEMO/GOV/TRE/payments/payments"
TAX_REGISTRY = "/r1/DEMO/GOV/TAX/registry/registry"
PROGRAM = "DEMO-CHILD"
PEOPLE = 8


def _member(runtime: dict[str, Any], code: str) -> dict[str, Any]:
    for member in runtime["members"]:
        if member["code"] == code:
            return member
    raise TenfoldError(_("member {code} is not running").format(code=code))


class _Sib:
    """SIB's application calling through SIB's own gateway."""

    def __init__(self, runtime: dict[str, Any]):
        self.gateway = _member(runtime, "SIB")["gateway_url"]

    def call(self, method: str, path: str, body: Any = None, **headers: str) -> tuple[int, Any]:
        status, _headers, answer = http(method, self.gateway + path, body, headers={"X-Road-Client": SIB_CLIENT, **headers})
        return status, answer

    def text(self, path: str) -> str:
        request = urllib.request.Request(self.gateway + path, headers={"X-Road-Client": SIB_CLIENT})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - our own gateway
                return str(response.read().decode())
        except (urllib.error.URLError, OSError) as error:
            raise TenfoldError(f"cannot read {path}: {error}") from None


def _accounts(sib: _Sib) -> list[dict[str, Any]]:
    status, found = sib.call("GET", f"{TAX_REGISTRY}/data/accounts/1.0?pageSize={PEOPLE}&query.primary=true",
                             **{"X-Road-Purpose": "Demo: paying the child allowance"})
    if status != 200 or not found.get("results"):
        raise TenfoldError(f"no known accounts at TAX ({status}): {found}")
    return list(found["results"])


def _close_one_account(iban: str, bank_member: str) -> None:
    """The bank's operator closes one account, so that the run shows a rejection (AC04)."""
    from tenfold.banks import open_bank
    from tenfold.banks.accounts import close

    bank = open_bank(bank_member.split("/")[2])
    close(bank.engine, bank.identity.member, ibans=[iban])


def _submit(sib: _Sib, accounts: list[dict[str, Any]]) -> str:
    run = uuid.uuid4().hex[:8]
    sib.call("PUT", f"{TRE_PAYMENTS}/programs/{PROGRAM}", {"name": "Child allowance (demo)", "currency": "EUR"})
    sib.call("POST", f"{TRE_PAYMENTS}/programs/{PROGRAM}/allocations", {"allocationId": "demo-2026", "amount": "100000.00"})
    beneficiaries = [{"payeeIdentity": f"SIB-DEMO-{n}", "paymentModality": "00", "financialAddress": a["iban"]} for n, a in enumerate(accounts)]
    sib.call("PUT", f"{TRE_PAYMENTS}/identityAccountMapper/beneficiary", {"beneficiaries": beneficiaries}, **{"X-Change-Reason": "demo"})
    sib.call("POST", f"{TRE_PAYMENTS}/identityAccountMapper/beneficiary", {"beneficiaries": beneficiaries})
    batch = [{"requestId": f"D{run}-{n}", "creditParty": [{"key": "payeeIdentity", "value": f"SIB-DEMO-{n}"}], "amount": "80.00",
              "currency": "EUR", "descriptionText": "Child allowance March 2026"} for n in range(len(accounts))]
    status, receipt = sib.call("POST", f"{TRE_PAYMENTS}/batchtransactions?type=raw", batch,
                               **{"X-CorrelationID": f"demo-{run}", "X-Program-Id": PROGRAM})
    if status != 202:
        raise TenfoldError(f"the treasury refused the batch ({status}): {receipt}")
    console.print(f"POST {TRE_PAYMENTS}/batchtransactions  X-Road-Client: {SIB_CLIENT}  → {status} batchId {receipt['batchId']}",
                  highlight=False, soft_wrap=True)
    return str(receipt["batchId"])


def _wait(sib: _Sib, batch_id: str, timeout: float = 90.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        status, batch = sib.call("GET", f"{TRE_PAYMENTS}/batchtransactions/{batch_id}")
        if status == 200 and batch["ongoing"] == 0:
            return dict(batch)
        if time.monotonic() > deadline:
            raise TenfoldError(_("the banks did not answer within {seconds} s").format(seconds=int(timeout)))
        time.sleep(0.5)


def show(runtime: dict[str, Any]) -> None:
    """Run a small payment and show the bank files, the banks' answers and the reconciliation."""
    sib = _Sib(runtime)
    console.rule(_("Payments: SIB pays through the treasury, the banks answer in ISO 20022"))
    accounts = _accounts(sib)
    _close_one_account(accounts[-1]["iban"], accounts[-1]["bankMember"])
    batch_id = _submit(sib, accounts)
    _wait(sib, batch_id)
    _status, files = sib.call("GET", f"{TRE_PAYMENTS}/batchtransactions/{batch_id}/files")
    console.print(table(_("pain.001 files written (one per bank)"), [_("file"), _("bank"), _("channel"), _("transactions"),
                                                                     _("control sum"), _("bank's answer")],
                        [(f["fileId"], f["bank"], f["channel"], f["transactions"], f["controlSum"], f["state"]) for f in files["files"]]))
    document = sib.text(f"{TRE_PAYMENTS}/bankFiles/{files['files'][0]['fileId']}")
    console.print(document[:document.index("</CdtTrfTxInf>") + len("</CdtTrfTxInf>")] + " …", highlight=False, soft_wrap=True)
    _status, messages = sib.call("GET", f"{TRE_PAYMENTS}/reconciliation/messages?limit=20")
    console.print(table(_("The banks' answers, as reconciled"), [_("bank"), _("message"), _("id"), _("entries"), _("matched"), _("unmatched")],
                        [(m["bank"], m["kind"], m["messageId"], m["entries"], m["matched"], m["unmatched"]) for m in reversed(messages["messages"])]))
    _status, listed = sib.call("GET", f"{TRE_PAYMENTS}/batchtransactions/{batch_id}/instructions")
    console.print(table(_("Reconciliation: every payment ends settled, rejected or returned"),
                        [_("request"), _("bank"), _("amount (EUR)"), _("state"), _("reason")],
                        [(i["requestId"], i["bank"] or "-", f"{i['amountCents'] / 100:.2f}", i["state"],
                          f"{i['reasonCode']} {i['reason']}" if i["reasonCode"] else "-") for i in listed["instructions"]]))
