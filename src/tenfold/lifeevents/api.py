"""SIB's benefits API (service ``benefits``) and its inbox (service ``inbox``).

Through the exchange the provider gateway sets ``X-Road-Client``; the portal passes the signed-in
person as ``X-Road-UserId``. A user id that is a personal code is a citizen: they see their own
offers, decisions and applications, and only the person an offer is addressed to may confirm
or decline it. The ``/admin`` paths and ``/events`` are for SIB's operator on SIB's host; no
access right of the topology reaches them.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from datetime import date
from typing import Annotated, Any, AsyncIterator, Literal

from fastapi import Depends, FastAPI, Header, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from tenfold.errors import InvalidInput
from tenfold.ids import scheme
from tenfold.lifeevents import figures, intake, selfservice
from tenfold.lifeevents.confirmation import Choice
from tenfold.lifeevents.facts import PersonUnknown
from tenfold.lifeevents.models import (IdempotencyConflict, NotFound, NotTheAddressee, OfferExpired, OfferNotFound, OfferNotOpen)
from tenfold.lifeevents.service import LifeEvents
from tenfold.lifeevents.worker import Worker
from tenfold.lifeevents.xroad import ExchangeUnavailable
from tenfold.web import FastJSONResponse, create_app

ID = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$"
KEY = r"^[A-Za-z0-9][A-Za-z0-9._:~-]{0,99}$"
PERSON = Annotated[str, Query(alias="personId", min_length=1, max_length=32, description="A personal code")]


def acting_user(request: Request, user: Annotated[str | None, Header(alias="X-Road-UserId", pattern=r"^[\x21-\x7e]{1,64}$",
                                                                    description="The citizen or official acting")] = None,
                client: Annotated[str | None, Header(alias="X-Road-Client", max_length=255)] = None) -> str | None:
    """The resident acting for themselves (their personal code, country prefix or not), or None
    for a staff subsystem's official (whose id the gateways log and the data tracker shows)."""
    if client is not None and client in request.app.state.life.settings.staff_clients:
        return None
    return scheme().validate(user) if user and scheme().is_valid(user) else user


User = Annotated[str | None, Depends(acting_user)]
ERRORS = {OfferNotFound: 404, NotFound: 404, PersonUnknown: 404, NotTheAddressee: 403, OfferExpired: 410, OfferNotOpen: 409,
          IdempotencyConflict: 409, intake.SignatureInvalid: 401, ExchangeUnavailable: 503}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ConfirmIn(_Strict):
    recipient: str | None = Field(None, min_length=1, max_length=32, description="One of the offer's recipientOptions (default: the proposed recipient)")
    iban: str | None = Field(None, min_length=5, max_length=40, description="The account to pay to (default: the prefilled one)")


class DeclineIn(_Strict):
    reason: str | None = Field(None, max_length=500)


class ApplicationIn(_Strict):
    personId: str = Field(min_length=1, max_length=32, description="The applicant's personal code: the only input")


class AppealIn(_Strict):
    reason: str = Field(min_length=1, max_length=2000)


class ResolveIn(_Strict):
    resolution: str = Field(min_length=1, max_length=2000)


class ClockIn(_Strict):
    today: date | None = Field(None, description="SIB's business day (null: the wall clock again)")


class SweepIn(_Strict):
    start: date = Field(alias="from")
    stop: date = Field(alias="to")


def create_lifeevents_app(life: LifeEvents, *, worker: bool | None = None) -> FastAPI:
    running = Worker(life)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        import asyncio

        task = asyncio.create_task(running.run()) if (life.settings.worker if worker is None else worker) else None
        try:
            yield
        finally:
            if task:
                task.cancel()
            await life.client.close()

    app = create_app("Tenfold benefits (SIB)", version="1.0.0", errors=ERRORS,
                     description="Proactive benefits: event intake, offers and their one-click confirmation, decisions with "
                                 "reasons, the exception queue, social assistance by personal code, a death's family timeline.")
    app.router.lifespan_context = lifespan
    app.state.life, app.state.worker = life, running
    _intake_routes(app, life, running)
    _offer_routes(app, life)
    _journey_routes(app, life)
    _operator_routes(app, life, running)
    return app


def _intake_routes(app: FastAPI, life: LifeEvents, running: Worker) -> None:
    import asyncio

    import orjson

    @app.post("/inbox/{eventType}", status_code=202, summary="A delivery from POP's room (through the exchange)")
    async def inbox(request: Request, eventType: str = Path(..., pattern=r"^[A-Za-z][A-Za-z0-9]{0,39}$"),
                    client: Annotated[str | None, Header(alias="X-Road-Client", max_length=255)] = None) -> Any:
        body = await request.body()
        try:
            document = orjson.loads(body)
        except orjson.JSONDecodeError:
            raise InvalidInput("event: the body is not JSON") from None
        found = intake.from_room(document, client, life.settings.room)
        if found is None:
            return FastJSONResponse({"ignored": eventType}, status_code=202)
        stored = await asyncio.to_thread(life.receive, *found, document, request.headers.get("traceparent"),
                                         request.headers.get("X-Road-Id"))
        running.nudge()
        return FastJSONResponse({"id": stored.id, "duplicate": stored.duplicate}, status_code=200 if stored.duplicate else 202)

    @app.post("/webhooks/opencrvs", status_code=202, summary="An OpenCRVS-style webhook (HMAC-SHA256 signed; at-least-once)")
    async def opencrvs(request: Request, signature: Annotated[str | None, Header(alias="X-Hub-Signature-256", max_length=100)] = None) -> Any:
        body = await request.body()
        intake.check_signature(life.settings.opencrvs_secret, body, signature)
        try:
            document = orjson.loads(body)
        except orjson.JSONDecodeError:
            raise InvalidInput("webhook: the body is not JSON") from None
        found = intake.from_opencrvs(document)
        if found is None:
            return FastJSONResponse({"ignored": True}, status_code=202)
        stored = await asyncio.to_thread(life.receive, *found, document, request.headers.get("traceparent"), None)
        running.nudge()
        return FastJSONResponse({"id": stored.id, "duplicate": stored.duplicate}, status_code=200 if stored.duplicate else 202)


def _offer_routes(app: FastAPI, life: LifeEvents) -> None:
    @app.get("/offers", summary="Offers addressed to a person, or made for them")
    def offers_of(person: PERSON, user: User = None) -> Any:
        return FastJSONResponse({"offers": life.offers_of(person, user)})

    @app.get("/offers/{offerId}", summary="One offer")
    def offer(offerId: str = Path(..., pattern=ID), user: User = None) -> Any:
        return FastJSONResponse(life.offer(offerId, user))

    @app.post("/offers/{offerId}/confirm", summary="Confirm an offer (recipient and account); idempotent",
              responses={403: {"description": "not the addressee"}, 409: {"description": "answered differently, or key reused"},
                         410: {"description": "expired"}})
    def confirm(body: ConfirmIn, key: Annotated[str, Header(alias="Idempotency-Key", pattern=KEY)],
                offerId: str = Path(..., pattern=ID), user: User = None) -> Any:
        return FastJSONResponse(life.confirm(offerId, user, key, Choice(body.recipient, body.iban)))

    @app.post("/offers/{offerId}/decline", summary="Decline an offer; idempotent")
    def decline(body: DeclineIn, offerId: str = Path(..., pattern=ID), user: User = None,
                key: Annotated[str | None, Header(alias="Idempotency-Key", pattern=KEY)] = None) -> Any:
        return FastJSONResponse(life.decline(offerId, user, key, Choice(reason=body.reason)))

    @app.get("/decisions/{decisionId}", summary="A decision and its explanation: inputs with their sources, reasons, parameters")
    def decision(decisionId: str = Path(..., pattern=ID), user: User = None) -> Any:
        return FastJSONResponse(life.decision(decisionId, user))

    @app.get("/exceptions", summary="The exception queue (cases the rules could not settle, appeals, overpayments)")
    def exceptions(state: Annotated[Literal["open", "resolved"] | None, Query()] = None,
                   limit: int = Query(100, ge=1, le=1000)) -> Any:
        return FastJSONResponse({"exceptions": life.exceptions(state, limit)})

    @app.get("/exceptions/{exceptionId}", summary="One case of the exception queue, with the person it is about")
    def exception(exceptionId: int = Path(..., ge=1, le=2**62)) -> Any:
        return FastJSONResponse(selfservice.exception_one(life.engine, exceptionId))

    @app.post("/offers/{offerId}/appeal", summary="Contest the decision behind an offer (to the exception queue)")
    def contest(body: AppealIn, offerId: str = Path(..., pattern=ID), user: User = None) -> Any:
        return FastJSONResponse(selfservice.contest_offer(life.engine, offerId, user, body.reason))

    @app.get("/payments", summary="A person's payments as recipient, with the treasury's outcome of each")
    async def payments(person: PERSON, user: User = None) -> Any:
        if user is not None and scheme().is_valid(user) and user != person:
            raise OfferNotFound("a citizen sees their own payments only")
        return FastJSONResponse({"payments": await selfservice.payments_of(life.engine, life.client, person, user)})

    @app.get("/notifications", summary="The messages sent to a person")
    def messages(person: PERSON, user: User = None) -> Any:
        if user is not None and scheme().is_valid(user) and user != person:
            raise OfferNotFound("a citizen sees their own messages only")
        return FastJSONResponse({"notifications": selfservice.notifications_of(life.engine, person)})

    @app.post("/exceptions/{exceptionId}/resolve", summary="A caseworker settles a case")
    def resolve(body: ResolveIn, exceptionId: int = Path(..., ge=1, le=2**62)) -> Any:
        life.resolve(exceptionId, body.resolution)
        return FastJSONResponse({"id": exceptionId, "state": "resolved"})


def _journey_routes(app: FastAPI, life: LifeEvents) -> None:
    @app.post("/assistance/applications", status_code=201, summary="Apply for social assistance with a personal code only")
    async def apply(body: ApplicationIn, user: User = None) -> Any:
        return FastJSONResponse(await life.apply(body.personId, user), status_code=201)

    @app.get("/assistance/applications/{applicationId}", summary="An application and its decision")
    def application(applicationId: str = Path(..., pattern=ID), user: User = None) -> Any:
        return FastJSONResponse(life.application(applicationId, user))

    @app.post("/assistance/applications/{applicationId}/appeal", summary="Appeal a decision (to the exception queue)")
    def appeal(body: AppealIn, applicationId: str = Path(..., pattern=ID), user: User = None) -> Any:
        return FastJSONResponse(life.appeal(applicationId, user, body.reason))

    @app.get("/timeline", summary="What every agency did after a death: one view for the family")
    async def timeline(person: PERSON, user: User = None) -> Any:
        return FastJSONResponse(await life.timeline(person, user))


def _operator_routes(app: FastAPI, life: LifeEvents, running: Worker) -> None:
    @app.get("/events", summary="The intake: every event with its state, attempts and last error")
    def events(state: Annotated[Literal["received", "processing", "processed", "error"] | None, Query()] = None,
               limit: int = Query(100, ge=1, le=1000)) -> Any:
        return FastJSONResponse({"events": life.events(state, limit)})

    @app.get("/journeys", summary="Events after an id, with their outcome, offer and the time from registration to offer")
    def journeys(after: int = Query(0, ge=0, le=2**62), limit: int = Query(100, ge=1, le=1000)) -> Any:
        return FastJSONResponse({"journeys": life.recent(after, limit)})

    @app.post("/events/{eventId}/retry", summary="Try an event in error again")
    def retry(eventId: int = Path(..., ge=1, le=2**62)) -> Any:
        life.retry(eventId)
        running.nudge()
        return FastJSONResponse({"id": eventId, "state": "received"})

    @app.get("/figures", summary="The journeys' figures (aggregates, no person): per day, without a caseworker, durations, where stuck")
    def journey_figures(days: int = Query(30, ge=1, le=3660)) -> Any:
        return FastJSONResponse(figures.figures(life.engine, days))

    @app.get("/status", summary="The journeys summary")
    def status() -> Any:
        return FastJSONResponse(life.status())

    @app.put("/admin/clock", summary="Move SIB's business day (the country's simulator does)")
    def clock(body: ClockIn) -> Any:
        life.clock.set(body.today)
        running.nudge()
        return FastJSONResponse({"today": life.clock.today().isoformat()})

    @app.post("/admin/sweep", summary="Sweep POP for births and deaths of a window")
    async def sweep(body: SweepIn) -> Any:
        result = await life.sweep(body.start, body.stop)
        running.nudge()
        return FastJSONResponse(result.to_json())


def application(member_code: str) -> FastAPI:
    """SIB's benefits application over its own database (``tenfold serve``)."""
    from tenfold.lifeevents import open_lifeevents

    return create_lifeevents_app(open_lifeevents())
