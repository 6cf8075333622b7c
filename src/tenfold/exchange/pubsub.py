"""Pub/sub rooms (GovStack IM): event types with a JSON Schema, publishing, subscriptions with
PUSH or PULL delivery, and the delivery state of every event for every subscriber.

A room belongs to a member and its queues live in that member's database. Publishing writes the
event and one delivery row per subscription in one transaction; the outbox publisher does the
same in the transaction that marks the outbox rows published, so an event committed in a
registry is never lost nor published twice. Only the subscriptions the room declares (in the
topology) may be taken out: the room owner decides who may subscribe.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import jsonschema
from sqlalchemy import Connection, Engine, and_, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from tenfold.errors import InvalidInput, TenfoldError
from tenfold.exchange.tables import deliveries, event_types, events, subscriptions
from tenfold.ids import xroad

Delivery = Literal["PUSH", "PULL"]
_FORMATS = jsonschema.FormatChecker(formats=("date", "email", "uuid"))


@_FORMATS.checks("date-time", raises=ValueError)
def _date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    return datetime.fromisoformat(value.replace("Z", "+00:00")).tzinfo is not None


class NotFound(TenfoldError):
    """No such event type, event, subscription or waiting event."""


class Conflict(TenfoldError):
    """The event type or subscription exists already."""


class Forbidden(TenfoldError):
    """The caller may not do this in this room."""


class EventInvalid(InvalidInput):
    """An event that breaks its event type's schema; ``errors`` say where."""

    def __init__(self, errors: list[dict[str, Any]]):
        self.errors = errors
        first = errors[0]
        super().__init__(f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}")


@dataclass(frozen=True)
class Room:
    """A room as the gateway of its owner sees it: who may subscribe to what."""

    id: str
    declared: frozenset[tuple[str, str]]  # (subscriber, event type)

    @property
    def owner(self) -> str:
        return "/".join(self.id.split("/")[:3])


def _now() -> datetime:
    return datetime.now(UTC)


def check_schema(schema: Any) -> dict[str, Any]:
    if not isinstance(schema, dict):
        raise InvalidInput("schema must be a JSON Schema object")
    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except jsonschema.SchemaError as error:
        raise InvalidInput(f"schema is not a valid JSON Schema: {error.message}") from None
    return schema


def create_event_type(engine: Engine, room: Room, event_type: str, schema: Any) -> None:
    xroad.check_part(event_type, "event type")
    with engine.begin() as connection:
        if connection.execute(select(event_types.c.event_type).where(
                event_types.c.room == room.id, event_types.c.event_type == event_type)).first():
            raise Conflict(f"event type {event_type!r} exists already in {room.id}")
        connection.execute(insert(event_types).values(
            room=room.id, event_type=event_type, json_schema=check_schema(schema), created_at=_now()))


def ensure_event_type(connection: Connection, room_id: str, event_type: str, schema: dict[str, Any]) -> None:
    """Create or refresh a declared event type (used when the configuration is applied)."""
    found = connection.execute(select(event_types.c.json_schema).where(
        event_types.c.room == room_id, event_types.c.event_type == event_type)).first()
    if found is None:
        connection.execute(insert(event_types).values(room=room_id, event_type=event_type, json_schema=schema, created_at=_now()))
    elif found[0] != schema:
        connection.execute(update(event_types).where(
            event_types.c.room == room_id, event_types.c.event_type == event_type).values(json_schema=schema))


def ensure_subscription(connection: Connection, room_id: str, event_type: str, subscriber: str, delivery: str) -> None:
    try:
        with connection.begin_nested():
            connection.execute(insert(subscriptions).values(
                id=str(uuid.uuid4()), room=room_id, event_type=event_type, subscriber=subscriber, delivery=delivery,
                options={"TTL": 3600, "FIFO": False}, created_at=_now()))
    except IntegrityError:
        pass


def list_event_types(engine: Engine, room: Room) -> list[str]:
    with engine.connect() as connection:
        return list(connection.execute(select(event_types.c.event_type).where(
            event_types.c.room == room.id).order_by(event_types.c.event_type)).scalars())


def get_event_type(engine: Engine, room: Room, event_type: str) -> dict[str, Any]:
    with engine.connect() as connection:
        row = connection.execute(select(event_types.c.json_schema).where(
            event_types.c.room == room.id, event_types.c.event_type == event_type)).first()
    if row is None:
        raise NotFound(f"no event type {event_type!r} in {room.id}")
    return {"eventType": event_type, "schema": row[0]}


def delete_event_type(engine: Engine, room: Room, event_type: str) -> None:
    with engine.begin() as connection:
        result = connection.execute(delete(event_types).where(
            event_types.c.room == room.id, event_types.c.event_type == event_type))
        if result.rowcount == 0:
            raise NotFound(f"no event type {event_type!r} in {room.id}")


def _validate(schema: dict[str, Any], event: Any) -> None:
    problems = sorted(jsonschema.Draft202012Validator(schema, format_checker=_FORMATS).iter_errors(event),
                      key=lambda e: list(e.absolute_path))
    if problems:
        raise EventInvalid([{"loc": ["event", *p.absolute_path], "msg": p.message[:300], "type": str(p.validator)}
                            for p in problems])


def publish_in(
    connection: Connection, room_id: str, event_type: str, publisher: str, event: Any,
    source_event_id: str | None = None, trace_parent: str | None = None,
) -> str:
    """Validate and store an event and its deliveries, inside the caller's transaction."""
    row = connection.execute(select(event_types.c.json_schema).where(
        event_types.c.room == room_id, event_types.c.event_type == event_type)).first()
    if row is None:
        raise NotFound(f"no event type {event_type!r} in {room_id}")
    _validate(row[0], event)
    event_id, now = str(uuid.uuid4()), _now()
    connection.execute(insert(events).values(
        id=event_id, room=room_id, event_type=event_type, publisher=publisher, payload=event, published_at=now,
        source_event_id=source_event_id, trace_parent=trace_parent))
    subscribers = connection.execute(select(subscriptions.c.id, subscriptions.c.subscriber, subscriptions.c.delivery).where(
        subscriptions.c.room == room_id, subscriptions.c.event_type == event_type)).all()
    if subscribers:
        connection.execute(insert(deliveries), [
            {"event_id": event_id, "subscription_id": s.id, "subscriber": s.subscriber, "delivery": s.delivery,
             "status": "pending", "attempts": 0, "next_attempt_at": now} for s in subscribers])
    return event_id


def publish(engine: Engine, room: Room, event_type: str, publisher: str, event: Any, trace_parent: str | None = None) -> str:
    if "/".join(publisher.split("/")[:3]) != room.owner:
        raise Forbidden(f"only subsystems of {room.owner} publish in {room.id}")
    with engine.begin() as connection:
        return publish_in(connection, room.id, event_type, publisher, event, trace_parent=trace_parent)


def event_item(row: Any) -> dict[str, Any]:
    publisher = row.publisher.split("/")
    return {
        "id": row.id, "sequence": row.seq, "eventType": row.event_type, "event": row.payload, "room": row.room,
        "publishedAt": row.published_at.isoformat(),
        "publisherId": dict(zip(("instanceId", "memberClass", "memberCode", "applicationCode"), publisher)),
    }


def _event(connection: Connection, room: Room, event_type: str, event_id: str) -> Any:
    row = connection.execute(select(events).where(
        events.c.id == event_id, events.c.room == room.id, events.c.event_type == event_type)).first()
    if row is None:
        raise NotFound(f"no event {event_id} of type {event_type!r} in {room.id}")
    return row


def event_status(engine: Engine, room: Room, event_type: str, event_id: str, viewer: str) -> dict[str, Any]:
    """The event and its deliveries: all of them for the owner, a subscriber's own otherwise."""
    with engine.connect() as connection:
        row = _event(connection, room, event_type, event_id)
        query = select(deliveries).where(deliveries.c.event_id == event_id).order_by(deliveries.c.id)
        if "/".join(viewer.split("/")[:3]) != room.owner:
            query = query.where(deliveries.c.subscriber == viewer)
        found = connection.execute(query).all()
    return {**event_item(row), "withdrawn": row.withdrawn_at is not None, "deliveries": [
        {"subscriber": d.subscriber, "delivery": d.delivery, "status": d.status, "attempts": d.attempts,
         "lastError": d.last_error, "deliveredAt": d.delivered_at.isoformat() if d.delivered_at else None}
        for d in found]}


def withdraw(engine: Engine, room: Room, event_type: str, event_id: str, caller: str) -> None:
    if "/".join(caller.split("/")[:3]) != room.owner:
        raise Forbidden(f"only {room.owner} withdraws events of {room.id}")
    with engine.begin() as connection:
        _event(connection, room, event_type, event_id)
        connection.execute(update(events).where(events.c.id == event_id).values(withdrawn_at=_now()))
        connection.execute(update(deliveries).where(
            deliveries.c.event_id == event_id, deliveries.c.status == "pending").values(status="withdrawn"))


def subscription_item(row: Any) -> dict[str, Any]:
    parts = row.subscriber.split("/")
    return {"id": row.id, "eventType": row.event_type, "delivery": row.delivery, "options": row.options,
            "subscriberId": dict(zip(("instanceId", "memberClass", "memberCode", "applicationCode"), parts))}


def subscribe(engine: Engine, room: Room, event_type: str, subscriber: str, delivery: Delivery, options: dict[str, Any]) -> dict[str, Any]:
    if (subscriber, event_type) not in room.declared:
        raise Forbidden(f"{room.id} does not allow {subscriber} to subscribe to {event_type!r}")
    with engine.begin() as connection:
        if connection.execute(select(event_types.c.event_type).where(
                event_types.c.room == room.id, event_types.c.event_type == event_type)).first() is None:
            raise NotFound(f"no event type {event_type!r} in {room.id}")
        try:
            with connection.begin_nested():
                connection.execute(insert(subscriptions).values(
                    id=str(uuid.uuid4()), room=room.id, event_type=event_type, subscriber=subscriber,
                    delivery=delivery, options=options, created_at=_now()))
        except IntegrityError:
            raise Conflict(f"{subscriber} is subscribed to {event_type!r} already") from None
        return subscription_item(_subscription(connection, room, event_type, subscriber))


def _subscription(connection: Connection, room: Room, event_type: str, subscriber: str) -> Any:
    row = connection.execute(select(subscriptions).where(
        subscriptions.c.room == room.id, subscriptions.c.event_type == event_type,
        subscriptions.c.subscriber == subscriber)).first()
    if row is None:
        raise NotFound(f"{subscriber} has no subscription to {event_type!r} in {room.id}")
    return row


def get_subscription(engine: Engine, room: Room, event_type: str, subscriber: str) -> dict[str, Any]:
    with engine.connect() as connection:
        return subscription_item(_subscription(connection, room, event_type, subscriber))


def list_subscriptions(engine: Engine, room: Room, subscriber: str) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        rows = connection.execute(select(subscriptions).where(
            subscriptions.c.room == room.id, subscriptions.c.subscriber == subscriber).order_by(subscriptions.c.event_type)).all()
    return [subscription_item(r) for r in rows]


def change_subscription(engine: Engine, room: Room, event_type: str, subscriber: str, delivery: Delivery | None, options: dict[str, Any] | None) -> dict[str, Any]:
    """Switch PUSH/PULL (waiting deliveries follow) or change the options."""
    with engine.begin() as connection:
        row = _subscription(connection, room, event_type, subscriber)
        values: dict[str, Any] = {}
        if delivery:
            values["delivery"] = delivery
            connection.execute(update(deliveries).where(
                deliveries.c.subscription_id == row.id, deliveries.c.status == "pending").values(delivery=delivery, next_attempt_at=_now()))
        if options is not None:
            values["options"] = options
        if values:
            connection.execute(update(subscriptions).where(subscriptions.c.id == row.id).values(**values))
        return subscription_item(_subscription(connection, room, event_type, subscriber))


def unsubscribe(engine: Engine, room: Room, event_type: str, subscriber: str) -> None:
    with engine.begin() as connection:
        row = _subscription(connection, room, event_type, subscriber)
        connection.execute(update(deliveries).where(
            deliveries.c.subscription_id == row.id, deliveries.c.status == "pending").values(status="cancelled"))
        connection.execute(delete(subscriptions).where(subscriptions.c.id == row.id))


def pull(engine: Engine, room: Room, event_type: str, subscriber: str) -> dict[str, Any]:
    """The oldest event waiting for a PULL subscriber (it stays waiting until acknowledged)."""
    with engine.connect() as connection:
        _subscription(connection, room, event_type, subscriber)
        row = connection.execute(
            select(events).join(deliveries, deliveries.c.event_id == events.c.id).where(and_(
                deliveries.c.subscriber == subscriber, deliveries.c.status == "pending", deliveries.c.delivery == "PULL",
                events.c.room == room.id, events.c.event_type == event_type)).order_by(events.c.seq).limit(1)).first()
    if row is None:
        raise NotFound(f"no {event_type!r} event is waiting for {subscriber}")
    return event_item(row)


def acknowledge(engine: Engine, room: Room, event_type: str, subscriber: str, event_id: str) -> None:
    with engine.begin() as connection:
        _event(connection, room, event_type, event_id)
        result = connection.execute(update(deliveries).where(
            deliveries.c.event_id == event_id, deliveries.c.subscriber == subscriber,
            deliveries.c.status == "pending", deliveries.c.delivery == "PULL").values(status="acknowledged", delivered_at=_now()))
        if result.rowcount == 0:
            raise NotFound(f"event {event_id} is not waiting for {subscriber}")


def backoff(attempts: int, base: float, ceiling: float) -> timedelta:
    """Exponential: base, 2 base, 4 base... never more than ceiling."""
    return timedelta(seconds=min(base * (2 ** max(attempts - 1, 0)), ceiling))
