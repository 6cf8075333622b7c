"""The bank's ``payment-files`` service, reached through the exchange: the treasury posts a
pain.001 file, asks whether the bank holds a message id, and pulls its answers after a cursor."""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import Any, AsyncIterator

from fastapi import FastAPI, Path, Query, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from tenfold.banks.simulator import BankSimulator
from tenfold.banks.worker import BankWorker
from tenfold.errors import InvalidInput
from tenfold.ids import xroad
from tenfold.web import FastJSONResponse, create_app

CLIENT_HEADERS = ("X-Road-Client", "Information-Mediator-Client", "X-GovStack-Client")
MAX_FILE = 20 * 1024 * 1024


def _client(request: Request) -> str:
    for name in CLIENT_HEADERS:
        value = request.headers.get(name)
        if value:
            try:
                return str(xroad.parse_client(value[:500]))
            except InvalidInput as error:
                raise InvalidInput(f"{name}: {error}") from None
    raise InvalidInput("the X-Road-Client header is required (INSTANCE/CLASS/MEMBER/SUBSYSTEM)")


def create_bank_app(bank: BankSimulator, *, worker: bool = True) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        running = BankWorker(bank) if worker else None
        if running:
            running.start()
        try:
            yield
        finally:
            if running:
                running.stop()

    app = create_app(f"{bank.identity.member} payment files (simulated bank)", body_limit=MAX_FILE,
                     description="A simulated bank's ISO 20022 corporate payment channel: pain.001 in; pain.002, camt.054, "
                                 "camt.053 and pacs.004 out.")
    app.router.lifespan_context = lifespan

    @app.post("/files", status_code=202, summary="Deliver a pain.001.001.09 file",
              openapi_extra={"requestBody": {"required": True, "content": {"application/xml": {"schema": {"type": "string"}}}}})
    async def deliver(request: Request) -> JSONResponse:
        sender = _client(request)
        if sender != bank.settings.treasury_client:
            return JSONResponse({"detail": f"{sender} is not a customer of this payment channel"}, status_code=403)
        content = await request.body()
        if not content:
            raise InvalidInput("the request body is the pain.001 file; it is empty")
        arrival = await run_in_threadpool(bank.receive, content, f"exchange:{request.headers.get('X-Road-Id', '-')}", "exchange", sender)
        return FastJSONResponse({"messageId": arrival.message_id, "outcome": arrival.outcome, "reasonCode": arrival.reason_code,
                                 "credited": arrival.credited, "rejected": arrival.rejected}, status_code=202)

    @app.get("/files/{message_id}", summary="Whether the bank holds a file with this message id")
    async def held(message_id: str = Path(..., max_length=35, pattern=r"^[A-Za-z0-9./:+?() ,'-]{1,35}$")) -> JSONResponse:
        if not await run_in_threadpool(bank.has_file, message_id):
            return JSONResponse({"detail": f"no file {message_id}"}, status_code=404)
        return FastJSONResponse({"messageId": message_id, "held": True})

    @app.get("/messages", summary="The customer's messages (pain.002, camt.054, camt.053, pacs.004) after a cursor")
    async def answers(request: Request, after: int = Query(0, ge=0, le=2**62), limit: int = Query(20, ge=1, le=200)) -> Any:
        recipient = _client(request)
        listed = await run_in_threadpool(bank.messages_after, recipient, after, limit)
        return FastJSONResponse({"messages": listed, "next": listed[-1]["seq"] if listed else after})

    @app.get("/summary", summary="What the bank received and sent (for its operator)")
    async def summary() -> Any:
        return FastJSONResponse(await run_in_threadpool(bank.summary))

    return app


def application(member_code: str) -> FastAPI:
    """A simulated bank member's payment-files application over its own database (``tenfold serve``)."""
    from tenfold.banks import open_bank

    return create_bank_app(open_bank(member_code))
