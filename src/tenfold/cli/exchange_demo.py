"""The demo's exchange section: an agency reads another agency's data through the exchange, and
the person can see it in the data tracker."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np

from tenfold.cli.exchange import http
from tenfold.cli.output import console, table
from tenfold.errors import TenfoldError
from tenfold.i18n import _
from tenfold.ids import isikukood, scheme

SIB_CLIENT = "DEMO/GOV/SIB/benefits"
PORTAL_CLIENT = "DEMO/GOV/PORTAL/portal"
POP_REGISTRY = "/r1/DEMO/GOV/POP/registry/registry"


def _member(current: dict[str, Any], code: str) -> dict[str, Any]:
    for member in current["members"]:
        if member["code"] == code:
            return member
    raise TenfoldError(_("member {code} is not running").format(code=code))


def _a_person(current: dict[str, Any]) -> str:
    """A person in POP's register, read through SIB's gateway (one is registered if there is none)."""
    sib = _member(current, "SIB")["gateway_url"]
    status, _h, body = http("GET", sib + POP_REGISTRY + "/data/persons/1.0?pageSize=1", headers={"X-Road-Client": SIB_CLIENT})
    if status == 200 and body.get("results"):
        return str(body["results"][0]["ID"])
    code = str(scheme().generate_many(np.random.default_rng(7), np.array(["1990-05-17"], dtype="datetime64[D]"), np.array([1]))[0])
    registry = _member(current, "POP")["apps"]["registry"]
    record = {"ID": code, "firstName": "Mari", "lastName": "Tamm", "birthDate": "1990-05-17", "sex": "F", "status": "alive",
              "addressId": "ADDR-DEMO-1", "householdId": "HH-DEMO-1"}
    status, _h, body = http("POST", registry + "/data/persons/1.0/create", {"write": {"content": record}},
                            headers={"Information-Mediator-Client": "DEMO/GOV/POP/registry"})
    if status not in (200, 409):
        raise TenfoldError(_("POP's registry refused the demo person: {answer}").format(answer=body))
    return str(code)


def show(current: dict[str, Any]) -> None:
    person = _a_person(current)
    official = "EE" + isikukood.generate(date(1985, 3, 4), "F", 17)
    purpose = "Family benefit eligibility check"  # data sent in a header (ASCII), shown as recorded
    sib = _member(current, "SIB")["gateway_url"]
    console.rule(_("The exchange: SIB reads a person from POP"))
    status, headers, body = http("POST", sib + POP_REGISTRY + "/data/persons/1.0/read", {"query": {"content": {"ID": person}}},
                                 headers={"X-Road-Client": SIB_CLIENT, "X-Road-UserId": official, "X-Road-Purpose": purpose,
                                          "X-Road-Issue": "CASE-2026-0042"})
    if status != 200:
        raise TenfoldError(_("the read through the exchange failed ({status}): {answer}").format(status=status, answer=body))
    message_id = headers.get("X-Road-Id", "")
    record = body["content"]
    console.print(f"POST {POP_REGISTRY}/data/persons/1.0/read  X-Road-Client: {SIB_CLIENT}", highlight=False)
    console.print(table(_("Answer from POP, signed by POP's gateway"), [_("field"), _("value")], [
        ("HTTP", status), ("X-Road-Id", message_id), ("X-Road-Service", headers.get("X-Road-Service", "")),
        ("X-Road-Request-Hash", headers.get("X-Road-Request-Hash", "")[:32] + "..."),
        (_("person"), f"{record.get('firstName')} {record.get('lastName')}, {record.get('birthDate')}")]))
    portal = _member(current, "PORTAL")["gateway_url"]
    status, _h, usage = http("GET", portal + "/r1/DEMO/GOV/POP/registry/findUsage?personId=" + person + "&limit=5",
                             headers={"X-Road-Client": PORTAL_CLIENT})
    if status != 200:
        raise TenfoldError(_("findUsage failed ({status}): {answer}").format(status=status, answer=usage))
    entries = [e for e in usage["usage"] if e["messageId"] == message_id]
    if not entries:
        raise TenfoldError(_("the data tracker has no entry for message {id}").format(id=message_id))
    entry = entries[0]
    console.print(table(_("Data tracker at POP: who used this person's data (asked by the portal through the exchange)"),
                        [_("field"), _("value")], [
                            (_("time"), entry["logtime"]), (_("client"), entry["client"]), (_("service"), entry["service"]),
                            (_("purpose"), entry["purpose"] or ""), (_("official"), entry["userId"] or ""),
                            (_("case"), entry["issue"] or ""), (_("message id"), entry["messageId"])]))
