"""The treasury's HTTP API: GovStack Payments paths (account mapper, batch transactions) and the
treasury's own (programs, instructions, retries, callback keys, reconciliation).

Who is calling comes from ``X-Registering-Institution-ID`` or, through the exchange, from the
``X-Road-Client`` header the provider gateway sets; each institution sees only its own
beneficiaries and instructions. Callbacks are signed (see callbacks.py; keys at /callbacks/keys).
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Annotated, Any, AsyncIterator, Literal

from fastapi import FastAPI, Header, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from tenfold.errors import InvalidInput
from tenfold.payments import callbacks, mapper
from tenfold.payments.errors import DuplicateConflict, InsufficientFunds, NotFound, NotRetryable
from tenfold.payments.models import FINAL, OPEN, BatchReceipt, BatchRequest, InstructionRequest
from tenfold.payments.money import check_currency, format_cents, to_cents, MAX_BUDGET_CENTS
from tenfold.payments.service import PaymentsService, registration_body
from tenfold.web import FastJSONResponse, create_app

ID = r"^[A-Za-z0-9][A-Za-z0-9._:~-]{0,63}$"
INSTITUTION = r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,254}$"
PAYEE_KEYS = ("payeeidentity", "functionalid", "payeefunctionalid")
Institution = Annotated[str | None, Header(alias="X-Registering-Institution-ID", pattern=INSTITUTION, max_length=255)]
Client = Annotated[str | None, Header(alias="X-Road-Client", pattern=INSTITUTION, max_length=255)]
Callback = Annotated[str | None, Header(alias="X-Callback-URL", max_length=500)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BeneficiaryIn(_Strict):
    payeeIdentity: str = Field(min_length=1, max_length=64, description="The payee's functional id (never the personal code)")
    paymentModality: str = Field("00", pattern=r"^0[0-4]$", description="00 bank account (the only one paid here), 01 mobile money...")
    financialAddress: str = Field(min_length=5, max_length=40, description="An IBAN")
    holderName: str | None = Field(None, max_length=140)


class Beneficiaries(_Strict):
    requestID: str | None = Field(None, max_length=64)
    beneficiaries: list[BeneficiaryIn] = Field(min_length=1, max_length=10_000)


class Lookup(_Strict):
    payeeIdentities: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(min_length=1, max_length=1000)


class Party(_Strict):
    key: str = Field(min_length=1, max_length=64)
    value: str = Field(min_length=1, max_length=64)


class InstructionIn(_Strict):
    requestId: str = Field(pattern=ID, description="The idempotency key of this payment (Mojaloop duplicate rule)")
    creditParty: list[Party] = Field(min_length=1, max_length=5, description="Must hold the payeeIdentity (functional id)")
    debitParty: list[Party] = Field(default_factory=list, max_length=5)
    paymentMode: str = Field("00", min_length=1, max_length=20)
    amount: Decimal = Field(gt=0, max_digits=13, decimal_places=2, description="In the currency's major unit, at most 2 decimals")
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    descriptionText: str | None = Field(None, max_length=140)


class ProgramIn(_Strict):
    name: str = Field(min_length=1, max_length=200)
    currency: str = Field(pattern=r"^[A-Z]{3}$")


class AllocationIn(_Strict):
    allocationId: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
    amount: Decimal = Field(gt=0, max_digits=15, decimal_places=2)


def _who(institution: str | None, client: str | None) -> str:
    found = institution or client
    if not found:
        raise InvalidInput("say who is calling: X-Registering-Institution-ID (or X-Road-Client through the exchange)")
    return found


def _instruction(item: InstructionIn) -> InstructionRequest:
    payee = next((p.value for p in item.creditParty if p.key.lower() in PAYEE_KEYS), None)
    if payee is None:
        raise InvalidInput(f"{item.requestId}: creditParty must hold a payeeIdentity (the functional id registered in the mapper)")
    return InstructionRequest(item.requestId, payee, to_cents(str(item.amount)), check_currency(item.currency), item.paymentMode,
                              item.descriptionText)


def _check_controls(instructions: list[InstructionRequest], count: int | None, total: Decimal | None) -> None:
    """An envelope's control totals (OpenG2P): when the sender declares them, they must hold."""
    if count is not None and count != len(instructions):
        raise InvalidInput(f"X-Control-Count says {count} instructions; the batch holds {len(instructions)}")
    cents = sum(i.amount_cents for i in instructions)
    if total is not None and to_cents(str(total), limit=MAX_BUDGET_CENTS) != cents:
        raise InvalidInput(f"X-Control-Sum says {total}; the instructions add up to {format_cents(cents)}")


def receipt_body(receipt: BatchReceipt) -> dict[str, Any]:
    return {
        "batchId": receipt.batch_id, "state": receipt.state, "replay": receipt.replay, "accepted": receipt.accepted,
        "acceptedAmount": format_cents(receipt.accepted_cents),
        "refused": [{"requestId": r.request_id, "reasonCode": r.reason_code, "reason": r.reason} for r in receipt.refused],
        "replayed": [{"requestId": r.request_id, "batchId": r.batch_id, "endToEndId": r.end_to_end_id, "state": r.state}
                     for r in receipt.replayed],
    }


def create_payments_app(service: PaymentsService, *, worker: bool | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        from tenfold.payments.worker import DispatcherThread

        running = DispatcherThread(service) if (service.settings.worker if worker is None else worker) else None
        if running:
            running.start()
        try:
            yield
        finally:
            if running:
                running.stop()

    app = create_app(
        "Tenfold payments (treasury)", version="1.0.0", body_limit=16 * 1024 * 1024,
        description="GovStack Payments: account mapper and batch transactions; ISO 20022 to the banks; signed callbacks "
                    "(X-Tenfold-Signature: t=<unix>,kid=<key>,ed25519=<base64 over '<t>.'+body>; keys at /callbacks/keys).",
        errors={NotFound: 404, DuplicateConflict: 409, NotRetryable: 409, InsufficientFunds: 422})
    app.router.lifespan_context = lifespan
    _mapper_routes(app, service)
    _batch_routes(app, service)
    _treasury_routes(app, service)
    return app


def _mapper_routes(app: FastAPI, service: PaymentsService) -> None:
    allowed = service.settings.callback_hosts

    @app.post("/identityAccountMapper/beneficiary", summary="Register beneficiaries (bulk); duplicates are reported per beneficiary")
    def register(body: Beneficiaries, institution: Institution = None, client: Client = None, callback: Callback = None) -> Any:
        who = _who(institution, client)
        url = callbacks.check_url(callback, allowed)
        result = service.register(who, [mapper.Beneficiary(b.payeeIdentity, b.paymentModality, b.financialAddress, b.holderName)
                                        for b in body.beneficiaries], url, body.requestID)
        return FastJSONResponse(registration_body(body.requestID, result))

    @app.put("/identityAccountMapper/beneficiary", summary="Change beneficiaries' payment modality or financial address (logged)")
    def change(body: Beneficiaries, institution: Institution = None, client: Client = None, callback: Callback = None,
               user: Annotated[str | None, Header(alias="X-Road-UserId", max_length=64)] = None,
               reason: Annotated[str | None, Header(alias="X-Change-Reason", max_length=200)] = None) -> Any:
        who = _who(institution, client)
        url = callbacks.check_url(callback, allowed)
        result = service.update(who, [mapper.Beneficiary(b.payeeIdentity, b.paymentModality, b.financialAddress, b.holderName)
                                      for b in body.beneficiaries], changed_by=user, channel=client or who, reason=reason,
                                callback_url=url, request_id=body.requestID)
        return FastJSONResponse(registration_body(body.requestID, result))

    @app.get("/identityAccountMapper/beneficiary/{payeeIdentity}", summary="Look up one beneficiary and its change history")
    def one(payeeIdentity: str = Path(..., max_length=64), institution: Institution = None, client: Client = None) -> Any:
        found, history = service.beneficiary(_who(institution, client), payeeIdentity)
        return FastJSONResponse({**_address(found), "changes": [
            {"from": c["old_address"], "to": c["new_address"], "changedBy": c["changed_by"], "channel": c["channel"],
             "reason": c["reason"], "changedAt": c["changed_at"].isoformat()} for c in history]})

    @app.post("/identityAccountMapper/beneficiaries/lookup", summary="Look up many beneficiaries")
    def many(body: Lookup, institution: Institution = None, client: Client = None) -> Any:
        found = service.lookup(_who(institution, client), body.payeeIdentities)
        return FastJSONResponse({"found": [_address(found[p]) for p in body.payeeIdentities if p in found],
                                 "notFound": [p for p in body.payeeIdentities if p not in found]})


def _address(row: dict[str, Any]) -> dict[str, Any]:
    return {"payeeIdentity": row["payee_identity"], "paymentModality": row["payment_modality"],
            "financialAddress": row["financial_address"], "bankingInstitutionCode": row["bic"], "bank": row["bank"],
            "registeredAt": row["created_at"].isoformat(), "updatedAt": row["updated_at"].isoformat()}


def _batch_routes(app: FastAPI, service: PaymentsService) -> None:
    allowed, limit = service.settings.callback_hosts, service.settings.max_batch_instructions

    @app.post("/batchtransactions", status_code=202, summary="Hand over a batch of credit instructions (GovStack)")
    def handover(body: list[InstructionIn], correlation: Annotated[str, Header(alias="X-CorrelationID", pattern=ID)],
                 program: Annotated[str, Header(alias="X-Program-Id", pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")],
                 type_: Annotated[Literal["raw"], Query(alias="type")] = "raw", institution: Institution = None,
                 client: Client = None, callback: Callback = None,
                 tenant: Annotated[str | None, Header(alias="Platform-TenantId", max_length=64)] = None,
                 control_count: Annotated[int | None, Header(alias="X-Control-Count", ge=1, le=1_000_000)] = None,
                 control_sum: Annotated[Decimal | None, Header(alias="X-Control-Sum", gt=0, max_digits=15, decimal_places=2)] = None) -> Any:
        if not body or len(body) > limit:
            raise InvalidInput(f"a batch holds 1 to {limit} instructions")
        instructions = [_instruction(i) for i in body]
        _check_controls(instructions, control_count, control_sum)
        request = BatchRequest(_who(institution, client), correlation, program, instructions, callbacks.check_url(callback, allowed), tenant)
        receipt = service.submit(request)
        return FastJSONResponse(receipt_body(receipt), status_code=202, headers={"Location": f"/batchtransactions/{receipt.batch_id}"})

    @app.get("/batchtransactions/{batchId}", summary="A batch's status (GovStack status-update shape)")
    def batch(batchId: str = Path(..., pattern=r"^B[A-Z2-7]{11}$")) -> Any:
        return FastJSONResponse(service.batch(batchId))

    @app.get("/batchtransactions/{batchId}/instructions", summary="A batch's instructions, page by page")
    def of_batch(batchId: str = Path(..., pattern=r"^B[A-Z2-7]{11}$"),
                 state: Annotated[Literal[OPEN + FINAL] | None, Query()] = None,  # type: ignore[valid-type]
                 offset: int = Query(0, ge=0, le=10_000_000), limit: int = Query(100, ge=1, le=1000)) -> Any:
        service.batch(batchId)
        return FastJSONResponse({"instructions": service.instructions_of(batchId, state, offset, limit)})

    @app.get("/batchtransactions/{batchId}/files", summary="The pain.001 files a batch was released in, one per bank")
    def files(batchId: str = Path(..., pattern=r"^B[A-Z2-7]{11}$")) -> Any:
        service.batch(batchId)
        return FastJSONResponse({"files": service.bank_files_of(batchId)})

    @app.get("/bankFiles/{fileId}", summary="One pain.001 file as sent to its bank",
             responses={200: {"content": {"application/xml": {"schema": {"type": "string"}}}}})
    def bank_file(fileId: str = Path(..., pattern=r"^B[A-Z2-7]{11}-[A-Z0-9]{1,20}$")) -> Response:
        return Response(service.bank_file(fileId), media_type="application/xml")

    @app.get("/instructions/{requestId}", summary="One instruction of the calling institution")
    def instruction(requestId: str = Path(..., pattern=ID), institution: Institution = None, client: Client = None) -> Any:
        return FastJSONResponse(service.instruction(_who(institution, client), requestId))

    @app.post("/instructions/{requestId}/retry", status_code=202, summary="Pay a rejected or returned instruction again")
    def retry(requestId: str = Path(..., pattern=ID), institution: Institution = None, client: Client = None) -> Any:
        receipt = service.retry(_who(institution, client), requestId)
        return FastJSONResponse(receipt_body(receipt), status_code=202)


def _treasury_routes(app: FastAPI, service: PaymentsService) -> None:
    @app.put("/programs/{programId}", summary="Create a program (idempotent)")
    def program(body: ProgramIn, programId: str = Path(..., pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")) -> Any:
        created = service.create_program(programId, body.name, body.currency)
        return FastJSONResponse(service.program(programId).__dict__, status_code=201 if created else 200)

    @app.post("/programs/{programId}/allocations", summary="Allocate budget to a program (duplicate rule on allocationId)")
    def allocate(body: AllocationIn, programId: str = Path(..., pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")) -> Any:
        created = service.allocate(programId, body.allocationId, to_cents(str(body.amount), limit=MAX_BUDGET_CENTS))
        return FastJSONResponse(service.program(programId).__dict__, status_code=201 if created else 200)

    @app.get("/programs/{programId}", summary="A program's budget, available and reserved funds")
    def describe(programId: str = Path(..., pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")) -> Any:
        return FastJSONResponse(service.program(programId).__dict__)

    @app.get("/callbacks/keys", summary="The public keys that sign callbacks (JWK set)")
    def keys() -> Any:
        return FastJSONResponse(service.callback_keys())

    @app.get("/reconciliation/exceptions", summary="Bank entries and messages that did not match")
    def exceptions(limit: int = Query(100, ge=1, le=1000)) -> Any:
        rows = service.exceptions(limit)
        return FastJSONResponse({"exceptions": [{**r, "created_at": r["created_at"].isoformat()} for r in rows]})

    @app.get("/reconciliation/messages", summary="The banks' messages the treasury applied, newest first")
    def applied(limit: int = Query(100, ge=1, le=1000)) -> Any:
        return FastJSONResponse({"messages": service.bank_messages(limit)})

    @app.get("/status", summary="The treasury's summary (what `tenfold payments status --json` prints)")
    def status() -> Any:
        return FastJSONResponse(service.status())


def application(member_code: str) -> FastAPI:
    """The treasury member's payments application over its own database (``tenfold serve``)."""
    from tenfold.payments import open_payments
    from tenfold.storage import member_engine

    return create_payments_app(open_payments(member_engine(member_code)))
