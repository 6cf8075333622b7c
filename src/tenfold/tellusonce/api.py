"""A Tell-Us-Once subscriber's application: the inbox its subsystem declares (deaths pushed from
POP's room through the exchange) and the log of what it did, per person (SIB's timeline reads it)."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import orjson
from fastapi import FastAPI, Header, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tenfold.errors import InvalidInput
from tenfold.tellusonce.service import TellUsOnce
from tenfold.web import FastJSONResponse, create_app

ROOM = "DEMO/GOV/POP/vital-events"


class Death(BaseModel):
    model_config = ConfigDict(extra="ignore")
    deathId: str = Field(min_length=1, max_length=64)
    personId: str = Field(min_length=1, max_length=32)
    deathDate: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")


def _death(document: Any, client: str | None) -> tuple[str, dict[str, Any]]:
    if not isinstance(document, dict) or not isinstance(document.get("id"), str) or not isinstance(document.get("event"), dict):
        raise InvalidInput("event: expected a delivery with id, eventType and event")
    if client != ROOM or document.get("room") != ROOM:
        raise InvalidInput(f"event: deaths are taken from the room {ROOM} only")
    try:
        return document["id"], Death.model_validate(document["event"]).model_dump()
    except ValidationError as error:
        first = error.errors()[0]
        raise InvalidInput(f"event.{'.'.join(str(p) for p in first['loc'])}: {first['msg']}") from None


def create_tellusonce_app(service: TellUsOnce, member: str) -> FastAPI:
    app = create_app(f"Tell Us Once at {member}", version="1.0.0",
                     description="Acts on a registered death on this member's own data, once, and lists what it did.")

    @app.post("/{eventType}", summary="A delivery from POP's room (deaths are acted on; other types are ignored)")
    async def inbox(request: Request, eventType: str = Path(..., pattern=r"^[A-Za-z][A-Za-z0-9]{0,39}$"),
                    client: Annotated[str | None, Header(alias="X-Road-Client", max_length=255)] = None) -> Any:
        try:
            document = orjson.loads(await request.body())
        except orjson.JSONDecodeError:
            raise InvalidInput("event: the body is not JSON") from None
        if eventType != "death":
            return FastJSONResponse({"ignored": eventType}, status_code=202)
        event_id, death = _death(document, client)
        actions, repeat = await asyncio.to_thread(service.receive, ROOM, event_id, death, request.headers.get("X-Road-Id"))
        return FastJSONResponse({"actions": actions, "duplicate": repeat}, status_code=200 if repeat else 201)

    @app.get("/actions", summary="What this member did after a person's death")
    def actions(person: str = Query(..., alias="personId", min_length=1, max_length=32)) -> Any:
        return FastJSONResponse({"member": member, "personId": person, "actions": service.actions(person)})

    return app


def application(member_code: str) -> FastAPI:
    """The member's Tell-Us-Once application over its own database (``tenfold serve``)."""
    from tenfold.tellusonce import open_tellusonce

    service, member = open_tellusonce(member_code)
    return create_tellusonce_app(service, member)
