"""The caseworkers' console: the exception queue with filters, a case with the decision's
explanation (facts with their sources, rule and parameter versions, reason codes), deciding with a
mandatory reason (above the threshold, a second caseworker approves), and the approvals waiting.

Every read about a person goes through the exchange as the staff subsystem with the official's
personal code (``X-Road-UserId``), the person (``X-Road-Represented-Party``) and the case
(``X-Road-Issue``): the person finds it in their data tracker."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response

from tenfold.i18n import N_, gettext
from tenfold.portal.benefits import Benefits
from tenfold.portal.bootstrap import Portal
from tenfold.portal.casework import OUTCOMES, SENT, Casework, NotAwaiting, SameOfficial, at_stake, resolution_text
from tenfold.portal.context import PageNotFound, checked_form, require_staff
from tenfold.portal.forms import check_reason
from tenfold.portal.sessions import Session
from tenfold.portal.staff import audit
from tenfold.portal.xroad import Acting

CASE = Path(..., ge=1, le=2**62)
DECISION = Path(..., ge=1, le=2**62)  # its own: FastAPI must not share one Path() between two names
QUEUE = "Caseworker reviewing the exception queue"
REVIEW = "Caseworker deciding a case the rules could not settle"
KINDS = {"birth": N_("Birth"), "death": N_("Death"), "assistance": N_("Social assistance"), "appeal": N_("Appeal"),
         "intake": N_("Event intake"), "overpayment": N_("Overpayment"), "payment": N_("Payment")}
OUTCOME_NAMES = {"grant": N_("Grant"), "refuse": N_("Refuse"), "refer": N_("Refer back for more facts")}
DECISION_STATES = {"awaiting_approval": N_("Waiting for a second caseworker"), "sent": N_("Decided"),
                   "refused_by_approver": N_("Refused by the second caseworker")}


def staff_acting(session: Session, purpose: str, person: str | None = None, case: int | None = None) -> Acting:
    return Acting(session.data.get("user_id"), purpose, person, f"EXC-{case}" if case else None)


def caseworker_router(portal: Portal) -> APIRouter:
    router, pages = APIRouter(include_in_schema=False), portal.pages
    benefits, casework = Benefits(portal.staff_exchange), Casework(portal.engine, portal.settings)

    async def case_of(session: Session, case_id: int) -> dict[str, Any]:
        """The case and what it is about, read naming the person (their data tracker shows it)."""
        exception = await benefits.exception(case_id, staff_acting(session, REVIEW, case=case_id))
        reader = staff_acting(session, REVIEW, exception.get("subject"), case_id)
        decision, offer = await asyncio.gather(
            benefits.decision(exception["decisionId"], reader) if exception.get("decisionId") else asyncio.sleep(0),
            benefits.offer(exception["offerId"], reader) if exception.get("offerId") else asyncio.sleep(0))
        await asyncio.to_thread(audit, portal.engine, session.subject, "case_opened", f"EXC-{case_id}")
        return {"exception": exception, "decision": decision, "offer": offer}

    async def render_case(request: Request, session: Session, case_id: int, status: int = 200, **extra: Any) -> Response:
        found = await case_of(session, case_id)
        amount = at_stake(found["exception"], found["decision"])
        history = await asyncio.to_thread(casework.of_case, case_id)
        return pages.render(request, "staff/case.html", status, **found, amount=amount, history=history,
                            second_pair=casework.needs_second_pair(amount), threshold=portal.settings.four_eyes_cents,
                            outcomes=OUTCOME_NAMES, kinds=KINDS, decision_states=DECISION_STATES, **extra)

    @router.get("/caseworker")
    async def queue(request: Request, state: str = "open", kind: str = "", reason: str = "") -> Response:
        session = require_staff(request, "caseworker")
        cases = await benefits.exceptions(staff_acting(session, QUEUE), state if state in ("open", "resolved") else None, 1000)
        reasons = sorted({c["reasonCode"] for c in cases})
        shown = [c for c in cases if (not kind or c["kind"] == kind) and (not reason or c["reasonCode"] == reason)]
        awaiting = await asyncio.to_thread(casework.awaiting)
        return pages.render(request, "staff/queue.html", cases=shown, total=len(cases), state=state, kind=kind, reason=reason,
                            kinds=KINDS, reasons=reasons, awaiting=len(awaiting), assistant=_assistant_url(portal))

    @router.get("/caseworker/cases/{case_id}")
    async def case(request: Request, case_id: int = CASE) -> Response:
        session = require_staff(request, "caseworker")
        return await render_case(request, session, case_id)

    @router.post("/caseworker/cases/{case_id}/decide")
    async def decide(request: Request, case_id: int = CASE) -> Response:
        session = require_staff(request, "caseworker")
        form = await checked_form(request)
        found = await case_of(session, case_id)
        exception, outcome = found["exception"], str(form.get("outcome", ""))
        reason, error = check_reason(form.get("reason"))
        errors = {"reason": error} if error else {}
        if outcome not in OUTCOMES:
            errors["outcome-grant"] = gettext("Choose the decision")
        if exception["state"] != "open":
            errors["outcome-grant"] = gettext("This case is settled already")
        if errors:
            return await render_case(request, session, case_id, 400, errors=errors, typed=form.get("reason", "")[:2000], chosen=outcome)
        amount = at_stake(exception, found["decision"])
        recorded = await asyncio.to_thread(casework.record, exception, outcome, str(reason), amount, session.subject or "")
        if recorded["state"] == SENT:
            await benefits.resolve(case_id, resolution_text(outcome, str(reason), session.subject or "", None),
                                   staff_acting(session, REVIEW, exception.get("subject"), case_id))
        return RedirectResponse(f"/caseworker/cases/{case_id}?done={recorded['state']}", status_code=303)

    @router.get("/caseworker/approvals")
    async def approvals(request: Request) -> Response:
        session = require_staff(request, "approver")
        awaiting = await asyncio.to_thread(casework.awaiting)
        trail = await asyncio.to_thread(casework.audit_trail, 50)
        return pages.render(request, "staff/approvals.html", awaiting=awaiting, trail=trail, me=session.subject, outcomes=OUTCOME_NAMES,
                            kinds=KINDS, notice=request.query_params.get("done"))

    @router.post("/caseworker/decisions/{decision_id}/approve")
    async def approve(request: Request, decision_id: int = DECISION) -> Response:
        session = require_staff(request, "approver")
        form = await checked_form(request)
        approved = form.get("approve") == "yes"
        waiting = next((d for d in await asyncio.to_thread(casework.awaiting) if d["id"] == decision_id), None)
        if waiting is None:
            raise PageNotFound(str(decision_id))
        case_id = waiting["exception_id"]
        exception = await benefits.exception(case_id, staff_acting(session, REVIEW, case=case_id))
        try:
            row = await asyncio.to_thread(casework.approve, decision_id, session.subject or "", str(form.get("note", ""))[:2000], approved)
        except (NotAwaiting, SameOfficial):
            raise PageNotFound(str(decision_id)) from None
        if approved:
            try:
                await benefits.resolve(case_id, resolution_text(row["outcome"], row["reason"], row["decided_by"], session.subject),
                                       staff_acting(session, REVIEW, exception.get("subject"), case_id))
            except Exception:
                await asyncio.to_thread(casework.undo, decision_id)
                raise
        return RedirectResponse(f"/caseworker/approvals?done={'approved' if approved else 'refused'}", status_code=303)

    return router


def _assistant_url(portal: Portal) -> str | None:
    if portal.settings.assistant_url:
        return portal.settings.assistant_url
    from tenfold.exchange.config import exchange_settings
    from tenfold.exchange.ports import PortPlan

    try:
        url = PortPlan.of(portal.topology, exchange_settings().base_port).app_url(portal.topology.member("SIB"), "assistant")
    except KeyError:
        return None
    return url + "/assistant" if url else None
