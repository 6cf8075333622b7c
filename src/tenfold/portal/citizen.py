"""The resident's offer journey (GOV.UK patterns): what the state prepared for you, the offer
with everything prefilled and one confirm button, a page each to change the recipient or the
account, the confirmation page with its one-question survey, and contesting a decision."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from tenfold.i18n import N_, current_language, gettext
from tenfold.portal.benefits import Benefits, ChoiceRefused, OfferNotOpen
from tenfold.portal.bootstrap import Portal, user_id
from tenfold.portal.context import PageNotFound, Redirect, checked_form, require_citizen
from tenfold.portal.forms import check_iban, check_reason, shown_iban
from tenfold.portal.people import Names
from tenfold.portal.sessions import Session
from tenfold.portal.tables import satisfaction
from tenfold.portal.xroad import Acting

OFFER = Path(..., pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")
OPEN = ("proposed", "notified")
SEE_OFFERS = "Showing a resident the benefit offers prepared for them (self-service portal)"
CONFIRM = "A resident confirms a benefit offer (self-service portal)"
CONTEST = "A resident contests a benefit decision (self-service portal)"
NAMES = "Showing a resident the names of the people on their offer"
STATE_NAMES = {"proposed": N_("Waiting for you"), "notified": N_("Waiting for you"), "confirmed": N_("Confirmed"),
               "paid": N_("Paid"), "declined": N_("Declined"), "expired": N_("Expired")}
UNSETTLED = N_("This offer was answered already, differently. Reload the page to see it as it stands.")
EXPIRED = N_("The deadline of this offer has passed; it can no longer be confirmed.")
SURVEY_MISSING = N_("Choose how satisfied you are")


def acting(session: Session, purpose: str) -> Acting:
    assert session.citizen is not None
    return Acting(user_id(session.citizen), purpose)


def receipt(offer_id: str) -> str:
    return hashlib.sha256(f"survey\x1f{offer_id}".encode()).hexdigest()


def draft_of(session: Session, offer: dict[str, Any]) -> dict[str, str | None]:
    """The recipient and account the resident chose on this offer so far (prefilled by SIB)."""
    kept = session.data.get("offers", {}).get(offer["id"], {})
    recipient = kept.get("recipient") or offer["recipient"]
    iban = kept.get("iban") if "iban" in kept else (offer["iban"] if recipient == offer["recipient"] else _first_iban(offer, recipient))
    return {"recipient": recipient, "iban": iban}


def _first_iban(offer: dict[str, Any], person: str) -> str | None:
    return next((o["iban"] for o in offer.get("ibanOptions", []) if o["person"] == person), None)


def explanations(decision: dict[str, Any] | None, names: dict[str, str]) -> dict[tuple[str, str], list[str]]:
    """Each benefit's reasons in the reader's language, by (benefit, person), with people named
    as the page names them rather than by their personal codes."""
    language, found = current_language.get(), {}
    for item in (decision or {}).get("items", []):
        texts = [r["text"].get(language) or r["text"].get("en", r["code"]) for r in item.get("reasons", [])]
        found[(item["benefit"], item["person"])] = [_named(text, names) for text in texts]
    return found


def _named(text: str, names: dict[str, str]) -> str:
    for code, name in names.items():
        text = text.replace(code, name)
    return text


def citizen_router(portal: Portal) -> APIRouter:
    router, pages = APIRouter(include_in_schema=False), portal.pages
    benefits, names = Benefits(portal.exchange), Names(portal.exchange)

    async def save(session: Session) -> None:
        await asyncio.to_thread(portal.sessions.save, session)

    async def offer_of(session: Session, offer_id: str) -> dict[str, Any]:
        return await benefits.offer(offer_id, acting(session, SEE_OFFERS))

    async def open_offer(session: Session, offer_id: str) -> dict[str, Any]:
        """The offer, while it can still be answered (else back to the offer as it stands)."""
        offer = await offer_of(session, offer_id)
        if offer["state"] not in OPEN:
            raise Redirect(f"/offers/{offer_id}")
        return offer

    async def render_offer(request: Request, session: Session, offer: dict[str, Any], status: int = 200, **extra: Any) -> Response:
        reader = acting(session, SEE_OFFERS)
        decision_task = benefits.decision(offer["decisionId"], reader)
        people = {*offer.get("recipientOptions", []), *(i["person"] for i in offer["items"])} - {session.citizen}
        decision, known = await asyncio.gather(decision_task, names.of(people, acting(session, NAMES)), return_exceptions=True)
        known = {**(known if isinstance(known, dict) else {}), session.citizen: session.name or gettext("you")}
        return pages.render(request, "citizen/offer.html", status, offer=offer, draft=draft_of(session, offer), names=known,
                            reasons=explanations(decision if isinstance(decision, dict) else None, known),
                            facts=(decision.get("facts", []) if isinstance(decision, dict) else []), open=offer["state"] in OPEN,
                            shown_iban=shown_iban, state_names=STATE_NAMES, **extra)

    @router.get("/home")
    async def home(request: Request) -> Response:
        session = require_citizen(request)
        offers = await benefits.offers(session.citizen or "", acting(session, SEE_OFFERS))
        waiting = [o for o in offers if o["state"] in OPEN]
        return pages.render(request, "citizen/home.html", waiting=waiting, others=[o for o in offers if o not in waiting],
                            state_names=STATE_NAMES)

    @router.get("/offers/{offer_id}")
    async def offer_page(request: Request, offer_id: str = OFFER) -> Response:
        session = require_citizen(request)
        return await render_offer(request, session, await offer_of(session, offer_id))

    @router.get("/offers/{offer_id}/recipient")
    async def recipient_page(request: Request, offer_id: str = OFFER) -> Response:
        session = require_citizen(request)
        offer = await open_offer(session, offer_id)
        known = await names.of(offer["recipientOptions"], acting(session, NAMES))
        return pages.render(request, "citizen/recipient.html", offer=offer, draft=draft_of(session, offer), names=known)

    @router.post("/offers/{offer_id}/recipient")
    async def choose_recipient(request: Request, offer_id: str = OFFER) -> Response:
        session = require_citizen(request)
        form = await checked_form(request)
        offer = await open_offer(session, offer_id)
        chosen = form.get("recipient")
        if chosen not in offer["recipientOptions"]:
            known = await names.of(offer["recipientOptions"], acting(session, NAMES))
            return pages.render(request, "citizen/recipient.html", 400, offer=offer, draft=draft_of(session, offer), names=known,
                                errors={"recipient-0": gettext("Choose who receives the money")})
        session.data.setdefault("offers", {})[offer_id] = {"recipient": chosen}
        await save(session)
        target = f"/offers/{offer_id}" if _first_iban(offer, chosen) else f"/offers/{offer_id}/account"
        return RedirectResponse(target, status_code=303)

    @router.get("/offers/{offer_id}/account")
    async def account_page(request: Request, offer_id: str = OFFER) -> Response:
        session = require_citizen(request)
        offer = await open_offer(session, offer_id)
        return pages.render(request, "citizen/account.html", offer=offer, draft=draft_of(session, offer), shown_iban=shown_iban)

    @router.post("/offers/{offer_id}/account")
    async def choose_account(request: Request, offer_id: str = OFFER) -> Response:
        session = require_citizen(request)
        form = await checked_form(request)
        offer = await open_offer(session, offer_id)
        draft = draft_of(session, offer)
        known = [o["iban"] for o in offer["ibanOptions"] if o["person"] == draft["recipient"]]
        choice, error, field = form.get("account"), None, "account-0"
        iban = choice if choice in known else None
        if choice == "other":
            iban, error = check_iban(form.get("iban"))
            field = "iban"
        elif iban is None:
            error = gettext("Choose the account to pay to")
        if error:
            return pages.render(request, "citizen/account.html", 400, offer=offer, draft=draft, shown_iban=shown_iban,
                                errors={field: error}, typed=form.get("iban", "")[:60], choice=choice)
        session.data.setdefault("offers", {})[offer_id] = {"recipient": draft["recipient"], "iban": iban}
        await save(session)
        return RedirectResponse(f"/offers/{offer_id}", status_code=303)

    @router.post("/offers/{offer_id}/confirm")
    async def confirm(request: Request, offer_id: str = OFFER) -> Response:
        session = require_citizen(request)
        form = await checked_form(request)
        portal.confirm_limit.check(session.token)
        # What the page showed is what is confirmed: if the offer changed meanwhile, SIB refuses it.
        shown = {"recipient": form.get("recipient"), "iban": form.get("iban")}
        chosen = shown if shown["recipient"] and shown["iban"] else draft_of(session, await offer_of(session, offer_id))
        if not chosen["iban"]:
            return RedirectResponse(f"/offers/{offer_id}/account", status_code=303)
        try:
            await benefits.confirm(offer_id, str(chosen["recipient"]), str(chosen["iban"]), acting(session, CONFIRM))
        except OfferNotOpen as refused:
            return await render_offer(request, session, await offer_of(session, offer_id), 409,
                                      problem=gettext(EXPIRED if refused.expired else UNSETTLED))
        except ChoiceRefused:
            return await render_offer(request, session, await offer_of(session, offer_id), 400,
                                      problem=gettext("Check the recipient and the account and try again."))
        if session.data.get("offers", {}).pop(offer_id, None) is not None:
            await save(session)
        return RedirectResponse(f"/offers/{offer_id}/confirmed", status_code=303)

    @router.get("/offers/{offer_id}/confirmed")
    async def confirmed(request: Request, offer_id: str = OFFER) -> Response:
        session = require_citizen(request)
        offer = await offer_of(session, offer_id)
        if offer["state"] not in ("confirmed", "paid"):
            raise PageNotFound(offer_id)
        return pages.render(request, "citizen/confirmed.html", offer=offer, shown_iban=shown_iban,
                            answered=session.data.get("surveys", {}).get(offer_id))

    @router.post("/offers/{offer_id}/feedback")
    async def feedback(request: Request, offer_id: str = OFFER) -> Response:
        session = require_citizen(request)
        form = await checked_form(request)
        offer = await offer_of(session, offer_id)
        if offer["state"] not in ("confirmed", "paid"):
            raise PageNotFound(offer_id)
        score = form.get("score", "")
        if score not in ("1", "2", "3", "4", "5"):
            return pages.render(request, "citizen/confirmed.html", 400, offer=offer, shown_iban=shown_iban, answered=None,
                                errors={"score-5": gettext(SURVEY_MISSING)})
        await asyncio.to_thread(_store_answer, portal, offer, int(score))
        session.data.setdefault("surveys", {})[offer_id] = int(score)
        await save(session)
        return RedirectResponse(f"/offers/{offer_id}/confirmed#thanks", status_code=303)

    @router.get("/offers/{offer_id}/contest")
    async def contest_page(request: Request, offer_id: str = OFFER) -> Response:
        session = require_citizen(request)
        return pages.render(request, "citizen/contest.html", offer=await offer_of(session, offer_id))

    @router.post("/offers/{offer_id}/contest")
    async def contest(request: Request, offer_id: str = OFFER) -> Response:
        session = require_citizen(request)
        form = await checked_form(request)
        offer = await offer_of(session, offer_id)
        reason, error = check_reason(form.get("reason"))
        if error:
            return pages.render(request, "citizen/contest.html", 400, offer=offer, errors={"reason": error})
        await benefits.contest(offer_id, str(reason), acting(session, CONTEST))
        return pages.render(request, "citizen/contested.html", offer=offer)

    return router


def _store_answer(portal: Portal, offer: dict[str, Any], score: int) -> None:
    """One answer per confirmation; the answer carries no person, only the journey and program."""
    try:
        with portal.engine.begin() as connection:
            connection.execute(insert(satisfaction).values(
                at=datetime.now(UTC), journey=offer["journey"], program=offer["program"], score=score,
                language=current_language.get(), receipt=receipt(offer["id"])))
    except IntegrityError:
        pass  # answered already (another tab): the first answer counts
