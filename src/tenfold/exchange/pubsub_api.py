"""The GovStack IM pub/sub API of the rooms a member owns, as its gateway serves it.

Paths are the GovStack ones under ``/r1/{instanceId}/{memberClass}/{memberCode}/{roomCode}``.
Requests reach this app only through the provider pipeline, after the caller's gateway proved
who it is (mutual TLS and a member signature), so ``X-Road-Client`` is the verified caller.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Header, Path, Response
from pydantic import BaseModel, ConfigDict, Field

from tenfold.exchange import pubsub
from tenfold.exchange.context import GatewayContext
from tenfold.ids import xroad

ROOM = "/r1/{instanceId}/{memberClass}/{memberCode}/{roomCode}"
_PART = {"min_length": 1, "max_length": 255}


class EventTypeBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    eventType: str = Field(min_length=1, max_length=255, pattern=r"^[A-Za-z0-9'()+,\-.=?]+$")
    schema_: dict[str, Any] = Field(alias="schema", description="A JSON Schema (draft 2020-12) every event must satisfy.")


class PublishBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    eventType: str = Field(min_length=1, max_length=255)
    event: Any = Field(description="The event; it must satisfy the event type's schema.")


class SubscriptionBody(BaseModel):
    model_config = ConfigDict(extra="ignore")
    eventType: str | None = Field(None, max_length=255)
    delivery: Literal["PUSH", "PULL"] | None = None
    options: dict[str, Any] | None = None


def _client(raw: str) -> str:
    return str(xroad.parse_client(raw))


def _member(raw: str) -> str:
    return str(xroad.parse_client(raw).member)


def pubsub_router(context: GatewayContext) -> APIRouter:
    router = APIRouter(tags=["pubsub"])
    client_header = Header(..., alias="X-Road-Client", max_length=500, description="INSTANCE/CLASS/MEMBER/SUBSYSTEM of the caller")

    def room(
        instanceId: str = Path(..., **_PART), memberClass: str = Path(..., **_PART),
        memberCode: str = Path(..., **_PART), roomCode: str = Path(..., **_PART),
    ) -> pubsub.Room:
        room_id = str(xroad.XRoadId(instanceId, memberClass, memberCode, roomCode))
        found = context.rooms.get(room_id)
        if found is None:
            raise pubsub.NotFound(f"no room {room_id} at this gateway")
        return found

    def path_part(name: str) -> Any:
        return Path(..., alias=name, **_PART)

    @router.post(ROOM + "/api/v1/eventType", summary="Create an event type in the room (room owner)")
    def create_event_type(body: EventTypeBody, where: pubsub.Room = Depends(room), client: str = client_header) -> dict[str, str]:
        if _member(client) != where.owner:
            raise pubsub.Forbidden(f"only {where.owner} manages event types of {where.id}")
        pubsub.create_event_type(context.engine, where, body.eventType, body.schema_)
        return {"eventType": body.eventType}

    @router.get(ROOM + "/api/v1/eventType", summary="List the room's event types")
    def list_event_types(where: pubsub.Room = Depends(room), client: str = client_header) -> list[str]:
        _client(client)
        return pubsub.list_event_types(context.engine, where)

    @router.get(ROOM + "/api/v1/eventType/{eventType}", summary="An event type and its schema")
    def get_event_type(where: pubsub.Room = Depends(room), eventType: str = path_part("eventType"), client: str = client_header) -> dict[str, Any]:
        _client(client)
        return pubsub.get_event_type(context.engine, where, eventType)

    @router.delete(ROOM + "/api/v1/eventType/{eventType}", status_code=204, summary="Delete an event type (room owner)")
    def delete_event_type(where: pubsub.Room = Depends(room), eventType: str = path_part("eventType"), client: str = client_header) -> Response:
        if _member(client) != where.owner:
            raise pubsub.Forbidden(f"only {where.owner} manages event types of {where.id}")
        pubsub.delete_event_type(context.engine, where, eventType)
        return Response(status_code=204)

    @router.post(ROOM + "/pub/v1/{eventType}", status_code=201, summary="Publish an event; returns its id")
    def publish(body: PublishBody, where: pubsub.Room = Depends(room), eventType: str = path_part("eventType"), client: str = client_header,
                traceparent: str | None = Header(None, max_length=60)) -> dict[str, str]:
        if body.eventType != eventType:
            raise pubsub.EventInvalid([{"loc": ["body", "eventType"], "msg": "differs from the event type in the path", "type": "value_error"}])
        event_id = pubsub.publish(context.engine, where, eventType, _client(client), body.event, traceparent)
        return {"id": event_id}

    @router.get(ROOM + "/pub/v1/{eventType}/{eventId}", summary="An event and its delivery status")
    def event_status(where: pubsub.Room = Depends(room), eventType: str = path_part("eventType"), eventId: str = path_part("eventId"),
                     client: str = client_header) -> dict[str, Any]:
        return pubsub.event_status(context.engine, where, eventType, eventId, _client(client))

    @router.delete(ROOM + "/pub/v1/{eventType}/{eventId}", status_code=204, summary="Withdraw an event (stop its deliveries)")
    def withdraw(where: pubsub.Room = Depends(room), eventType: str = path_part("eventType"), eventId: str = path_part("eventId"),
                 client: str = client_header) -> Response:
        pubsub.withdraw(context.engine, where, eventType, eventId, _client(client))
        return Response(status_code=204)

    @router.get(ROOM + "/api/v1/subs", summary="My subscriptions in the room")
    def list_subscriptions(where: pubsub.Room = Depends(room), client: str = client_header) -> list[dict[str, Any]]:
        return pubsub.list_subscriptions(context.engine, where, _client(client))

    @router.post(ROOM + "/api/v1/subs/{eventType}", summary="Subscribe (PUSH by default, or PULL)")
    def subscribe(where: pubsub.Room = Depends(room), eventType: str = path_part("eventType"), body: SubscriptionBody | None = None,
                  client: str = client_header) -> dict[str, Any]:
        body = body or SubscriptionBody()
        options = body.options if body.options is not None else {"TTL": 3600, "FIFO": False}
        return pubsub.subscribe(context.engine, where, eventType, _client(client), body.delivery or "PUSH", options)

    @router.get(ROOM + "/api/v1/subs/{eventType}", summary="My subscription to an event type")
    def get_subscription(where: pubsub.Room = Depends(room), eventType: str = path_part("eventType"), client: str = client_header) -> dict[str, Any]:
        return pubsub.get_subscription(context.engine, where, eventType, _client(client))

    @router.patch(ROOM + "/api/v1/subs/{eventType}", summary="Change delivery (PUSH/PULL) or options")
    def change_subscription(body: SubscriptionBody, where: pubsub.Room = Depends(room), eventType: str = path_part("eventType"),
                            client: str = client_header) -> dict[str, Any]:
        return pubsub.change_subscription(context.engine, where, eventType, _client(client), body.delivery, body.options)

    @router.delete(ROOM + "/api/v1/subs/{eventType}", status_code=204, summary="Unsubscribe")
    def unsubscribe(where: pubsub.Room = Depends(room), eventType: str = path_part("eventType"), client: str = client_header) -> Response:
        pubsub.unsubscribe(context.engine, where, eventType, _client(client))
        return Response(status_code=204)

    @router.get(ROOM + "/pull/v1/{eventType}", summary="The next unacknowledged event (404 when none waits)")
    def pull(where: pubsub.Room = Depends(room), eventType: str = path_part("eventType"), client: str = client_header) -> dict[str, Any]:
        return pubsub.pull(context.engine, where, eventType, _client(client))

    @router.delete(ROOM + "/pull/v1/{eventType}/{eventId}", status_code=204, summary="Acknowledge an event")
    def acknowledge(where: pubsub.Room = Depends(room), eventType: str = path_part("eventType"), eventId: str = path_part("eventId"),
                    client: str = client_header) -> Response:
        pubsub.acknowledge(context.engine, where, eventType, _client(client), eventId)
        return Response(status_code=204)

    return router


ERRORS = {pubsub.NotFound: 404, pubsub.Conflict: 409, pubsub.Forbidden: 403}
