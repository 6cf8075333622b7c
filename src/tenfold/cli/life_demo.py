"""The demo's life events: a few weeks of the country's births and deaths released at an
accelerated clock; offers appearing at SIB as the births are registered (with the time each took);
the journeys summary; one offer confirmed by the parent through the portal's gateway, the same
click again (the same answer) and a changed one (refused); the payment run; the exception
queue; and one death's family timeline. Call :func:`show` with the running country's
``runtime.json``; it uses the same commands and APIs an operator and the portal would."""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from tenfold.cli.exchange import http
from tenfold.cli.life import app_url, sib_status, simulate_days, summary_rows
from tenfold.cli.output import console, table
from tenfold.errors import TenfoldError
from tenfold.i18n import _, current_language

PORTAL = "DEMO/GOV/PORTAL/portal"
BENEFITS = "/r1/DEMO/GOV/SIB/benefits/benefits"


def _cents(cents: int) -> str:
    return f"€{cents / 100:,.2f}"


class _Journeys:
    """Prints each birth's offer as it appears."""

    def __init__(self, sib: str):
        self.sib, self.after, self.rows = sib, 0, []  # type: ignore[var-annotated]
        _status, _h, answer = http("GET", sib + "/events?limit=1")
        self.after = answer["events"][0]["id"] if answer["events"] else 0
        self.start = self.after

    def poll(self, day: date) -> None:
        _status, _h, answer = http("GET", f"{self.sib}/journeys?after={self.after}&limit=1000")
        for journey in answer["journeys"]:
            if journey["state"] != "processed":
                break
            self.after = journey["event"]
            if journey["type"] == "birth" and journey["offerId"]:
                console.print("  " + _("{day}: birth registered → offer {offer} in {ms} ms ({one_off} once, {monthly} a month)").format(
                    day=day.isoformat(), offer=journey["offerId"], ms=journey["offerMs"], one_off=_cents(journey["oneOffCents"]),
                    monthly=_cents(journey["monthlyCents"])), highlight=False)
            elif journey["type"] == "death":
                console.print("  " + _("{day}: death registered → {outcome}").format(day=day.isoformat(), outcome=journey["outcome"]),
                              highlight=False)
            elif journey["outcome"] in ("exception", "person_unknown"):
                console.print("  " + _("{day}: {kind} → the exception queue").format(day=day.isoformat(), kind=journey["type"]),
                              highlight=False)


def _portal(runtime: dict[str, Any]) -> str:
    return next(m["gateway_url"] for m in runtime["members"] if m["code"] == "PORTAL")


def confirm_one(runtime: dict[str, Any], sib: str, after: int) -> str | None:
    """The parent confirms one offer through the portal's gateway, twice, then with another body."""
    _status, _h, answer = http("GET", f"{sib}/journeys?after={after}&limit=1000")
    offer_id = next((j["offerId"] for j in reversed(answer["journeys"]) if j["offerState"] == "notified" and j["program"] == "family_benefits"), None)
    if offer_id is None:
        console.print(_("No open offer to confirm."))
        return None
    _status, _h, offer = http("GET", f"{sib}/offers/{offer_id}")
    url = f"{_portal(runtime)}{BENEFITS}/offers/{offer_id}/confirm"
    headers = {"X-Road-Client": PORTAL, "X-Road-UserId": offer["addressee"], "Idempotency-Key": f"demo-{offer_id}",
               "X-Road-Purpose": "The parent confirms the benefits offer"}
    rows = []
    for label, body, sent in ((_("confirm"), {}, headers), (_("the same click again"), {}, headers),
                              (_("same key, another account"), {"iban": "EE382200221020145685"}, headers)):
        status, found, answer = http("POST", url, body, sent)
        shown = answer.get("state") if status == 200 else (answer.get("detail") if isinstance(answer, dict) else answer)
        rows.append((label, status, str(shown)[:70], found.get("X-Road-Id", "-")))
    console.print(f"POST {BENEFITS}/offers/{offer_id}/confirm  X-Road-Client: {PORTAL}  Idempotency-Key: demo-{offer_id}",
                  highlight=False, soft_wrap=True)
    console.print(table(_("One click, idempotent"), [_("request"), _("status"), _("answer"), "X-Road-Id"], rows))
    return offer_id


def pay(sib: str, offer_id: str, runtime: dict[str, Any]) -> None:
    """After the simulated days up to the next payment run: the instructions the treasury took."""
    deadline = time.monotonic() + 30
    while True:
        _status, _h, offer = http("GET", f"{sib}/offers/{offer_id}")
        if offer["state"] == "paid" or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    _status, _h, found = http("GET", f"{sib}/status")
    console.print(_("Payment instructions at SIB: {instructions}").format(
        instructions=", ".join(f"{k} {v}" for k, v in found["instructions"].items()) or "-"), highlight=False)
    rows = [(i["title"].get(current_language.get(), i["benefit"]), i["kind"], _cents(i["amount_cents"]), i["from_month"])
            for i in offer["items"]]
    console.print(table(_("Confirmed offer {offer}: {state}, paid to {iban}").format(offer=offer_id, state=offer["state"], iban=offer["iban"]),
                        [_("benefit"), _("kind"), _("amount"), _("from")], rows))


def timeline(sib: str, after: int) -> None:
    _status, _h, answer = http("GET", f"{sib}/journeys?after={after}&limit=1000")
    deaths = [j for j in answer["journeys"] if j["type"] == "death" and j["outcome"] == "death_handled"]
    if not deaths:
        console.print(_("No death was registered in the simulated days."))
        return
    person = max(deaths, key=lambda j: (j["offerId"] is not None, j["event"]))["subject"]
    status, _h, found = http("GET", f"{sib}/timeline?personId={person}", timeout=60)
    if status != 200:
        raise TenfoldError(_("the timeline failed: {status} {detail}").format(status=status, detail=found))
    rows = [(e["at"][11:19], e["agency"], e["action"], ", ".join(f"{k}={v}" for k, v in (e.get("detail") or {}).items()
                                                                   if k not in ("records", "kin"))[:70]) for e in found["entries"]]
    console.print(table(_("One death, every agency's action: the family's timeline"), [_("time"), _("agency"), _("action"), _("detail")], rows))
    for missing in found["unavailable"]:
        console.print("  " + _("not available: {agency} ({reason})").format(agency=missing["agency"], reason=missing["reason"]), highlight=False)


def exceptions(sib: str) -> None:
    _status, _h, answer = http("GET", f"{sib}/exceptions?state=open&limit=10")
    language = current_language.get()
    rows = [(e["id"], e["kind"], e["reasonCode"], e["text"][language][:90]) for e in answer["exceptions"]]
    console.print(table(_("The exception queue (open)"), ["#", _("kind"), _("reason"), _("what the caseworker reads")], rows or [("-", "-", "-", "-")]))


def show(runtime: dict[str, Any], days: int = 21, speed: float = 0.3) -> None:
    """Run a short simulation against the running country and show the journeys."""
    sib = app_url(runtime, "SIB", "lifeevents")
    console.rule(_("Life events: births and deaths released at an accelerated clock"))
    journeys = _Journeys(sib)
    released = simulate_days(runtime, days, speed, journeys.poll)
    journeys.poll(date.fromisoformat(released.days[-1]))
    console.print(_("Released {births} births and {deaths} deaths over {days} days.").format(
        births=released.births, deaths=released.deaths, days=len(released.days)))
    console.print(table(_("Journeys at SIB"), [_("figure"), _("value")], summary_rows(sib_status(runtime))))
    console.rule(_("A parent confirms an offer"))
    offer_id = confirm_one(runtime, sib, journeys.start)
    if offer_id:
        simulate_days(runtime, 14, 0.0)
        pay(sib, offer_id, runtime)
    console.rule(_("The exception queue"))
    exceptions(sib)
    console.rule(_("Tell Us Once"))
    timeline(sib, journeys.start)
