"""The resident's other pages: payments, "my data" (the data tracker), consents, messages, the
family timeline after a death, and social assistance with only the personal code."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response

from tenfold.i18n import N_, gettext
from tenfold.portal.benefits import Benefits
from tenfold.portal.bootstrap import Portal
from tenfold.portal.citizen import OFFER, acting
from tenfold.portal.consents import CHANGE, Consents
from tenfold.portal.consents import PURPOSE as SEE_CONSENTS
from tenfold.portal.context import PageNotFound, checked_form, require_citizen
from tenfold.portal.forms import check_reason, shown_iban
from tenfold.portal.rendering import translated
from tenfold.portal.usage import PURPOSE as SEE_USAGE
from tenfold.portal.usage import DataTracker, UsageFilter

PAYMENTS = "Showing a resident their benefit payments (self-service portal)"
MESSAGES = "Showing a resident the messages sent to them (self-service portal)"
TIMELINE = "Showing the family what was done after a death (Tell Us Once)"
ASSIST = "Integrated social assistance: a resident applies with their personal code (self-service portal)"
APPLICATION = Path(..., pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")
RECORD = Path(..., pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")
PAYMENT_STATES = {"planned": N_("Upcoming"), "submitted": N_("Sent to the bank"), "paid": N_("Paid"), "refused": N_("Refused"),
                  "rejected": N_("Rejected by the bank"), "returned": N_("Returned by the bank"), "cancelled": N_("Cancelled")}

SIB_STEPS = {"death_registered": N_("The Social Insurance Board learned of the death from the population register."),
             "benefits_stopped": N_("The Social Insurance Board stopped the benefits paid to the deceased."),
             "family_recalculated": N_("The Social Insurance Board recalculated the family's benefits."),
             "overpayment_computed": N_("The Social Insurance Board computed what was paid after the death."),
             "offer_created": N_("The Social Insurance Board prepared a funeral grant offer."),
             "notified": N_("The Social Insurance Board sent the offer to the next of kin."),
             "offer_confirmed": N_("The funeral grant offer was confirmed."), "offer_paid": N_("The funeral grant was sent for payment."),
             "no_next_of_kin": N_("No next of kin was found for the funeral grant."),
             "exception": N_("A caseworker was asked to look at the case.")}


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def more_router(portal: Portal) -> APIRouter:
    router, pages = APIRouter(include_in_schema=False), portal.pages
    benefits, consents, tracker = Benefits(portal.exchange), Consents(portal.exchange), DataTracker(portal.exchange, portal.topology)
    members = {m.id: m.name for m in portal.topology.members}

    @router.get("/payments")
    async def payments(request: Request) -> Response:
        session = require_citizen(request)
        found = await benefits.payments(session.citizen or "", acting(session, PAYMENTS))
        upcoming = [p for p in found if p["state"] in ("planned", "submitted")]
        problems = [p for p in found if p["state"] in ("refused", "rejected", "returned")]
        paid = [p for p in found if p["state"] == "paid"]
        return pages.render(request, "citizen/payments.html", upcoming=upcoming, paid=paid, problems=problems,
                            states=PAYMENT_STATES, shown_iban=shown_iban)

    @router.get("/my-data")
    async def my_data(request: Request, member: str | None = None, reader: str | None = None, since: str | None = None,
                      until: str | None = None) -> Response:
        session = require_citizen(request)
        wanted = UsageFilter(member if member in members else None, reader if reader in members else None, _day(since), _day(until))
        usage = await tracker.of(session.citizen or "", acting(session, SEE_USAGE), wanted)
        return pages.render(request, "citizen/my_data.html", usage=usage, wanted=wanted, members=members, translated=translated,
                            holders=sorted(tracker.services), citizen_id=acting(session, SEE_USAGE).user)

    @router.get("/consents")
    async def consent_list(request: Request) -> Response:
        session = require_citizen(request)
        reader = acting(session, SEE_CONSENTS)
        records, agreements = await consents.records(session.citizen or "", reader), await consents.agreements(reader)
        given = {r["dataAgreement"] for r in records if r["optIn"]}
        return pages.render(request, "citizen/consents.html", records=records, members=members, translated=translated,
                            offered=[a for a in agreements if a["id"] not in given], notice=request.query_params.get("done"))

    @router.get("/consents/{record_id}/withdraw")
    async def withdraw_page(request: Request, record_id: str = RECORD) -> Response:
        session = require_citizen(request)
        record = next((r for r in await consents.records(session.citizen or "", acting(session, SEE_CONSENTS)) if r["id"] == record_id), None)
        if record is None or not record["optIn"]:
            raise PageNotFound(record_id)
        return pages.render(request, "citizen/withdraw.html", record=record, members=members, translated=translated)

    @router.post("/consents/{record_id}/withdraw")
    async def withdraw(request: Request, record_id: str = RECORD) -> Response:
        session = require_citizen(request)
        await checked_form(request)
        await consents.withdraw(session.citizen or "", record_id, acting(session, CHANGE))
        return RedirectResponse("/consents?done=withdrawn", status_code=303)

    @router.post("/consents/give")
    async def give(request: Request) -> Response:
        session = require_citizen(request)
        form = await checked_form(request)
        offered = {a["id"]: a for a in await consents.agreements(acting(session, SEE_CONSENTS))}
        agreement = offered.get(str(form.get("agreement")))
        if agreement is None:
            raise PageNotFound("no such data agreement")
        consumer = form.get("consumer") if form.get("consumer") in members else None
        await consents.give(session.citizen or "", agreement["id"], consumer, acting(session, CHANGE))
        return RedirectResponse("/consents?done=given", status_code=303)

    @router.get("/notifications")
    async def notifications(request: Request) -> Response:
        session = require_citizen(request)
        found = await benefits.notifications(session.citizen or "", acting(session, MESSAGES))
        return pages.render(request, "citizen/notifications.html", messages=found)

    @router.get("/offers/{offer_id}/timeline")
    async def timeline(request: Request, offer_id: str = OFFER) -> Response:
        """A death's timeline, reached from the offer made after it (its subject is the deceased:
        no personal code travels in the address)."""
        session = require_citizen(request)
        offer = await benefits.offer(offer_id, acting(session, TIMELINE))
        if offer["journey"] != "death":
            raise PageNotFound(offer_id)
        found = await benefits.timeline(offer["subject"], acting(session, TIMELINE))
        return pages.render(request, "citizen/timeline.html", offer=offer, timeline=found, members=members, translated=translated,
                            sib_steps=SIB_STEPS)

    _assistance(router, portal, benefits)
    return router


def _assistance(router: APIRouter, portal: Portal, benefits: Benefits) -> None:
    pages = portal.pages

    @router.get("/assistance")
    async def start(request: Request) -> Response:
        require_citizen(request)
        return pages.render(request, "citizen/assistance_start.html")

    @router.post("/assistance")
    async def apply(request: Request) -> Response:
        session = require_citizen(request)
        await checked_form(request)
        answer = await benefits.apply(session.citizen or "", acting(session, ASSIST))
        return RedirectResponse(f"/assistance/{answer['applicationId']}", status_code=303)

    @router.get("/assistance/{application_id}")
    async def decided(request: Request, application_id: str = APPLICATION) -> Response:
        session = require_citizen(request)
        found = await benefits.application(application_id, acting(session, ASSIST))
        return pages.render(request, "citizen/assistance_decision.html", application=found, reasons=_reasons(found))

    @router.post("/assistance/{application_id}/appeal")
    async def appeal(request: Request, application_id: str = APPLICATION) -> Response:
        session = require_citizen(request)
        form = await checked_form(request)
        reason, error = check_reason(form.get("reason"))
        if error:
            found = await benefits.application(application_id, acting(session, ASSIST))
            return pages.render(request, "citizen/assistance_decision.html", 400, application=found, reasons=_reasons(found),
                                errors={"reason": error})
        await benefits.appeal(application_id, str(reason), acting(session, ASSIST))
        return RedirectResponse(f"/assistance/{application_id}?appealed=1", status_code=303)


def _reasons(application: dict[str, Any]) -> list[str]:
    return [translated(r.get("text")) or gettext(r.get("code", "")) for r in application.get("reasons", [])]
