"""PUSH delivery: at-least-once, retried with exponential backoff while a subscriber is down,
dead-lettered after a set number of tries (listed and replayable), and the outbox publisher
that feeds the rooms from the member's own registry changes.

Deliveries are claimed with a lease (``next_attempt_at`` moved ahead, ``FOR UPDATE SKIP
LOCKED`` on PostgreSQL), so a crash mid-delivery only delays a retry and several workers never
send the same delivery at once. Subscribers dedupe on the event id.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Awaitable, Callable, Mapping, Sequence

from sqlalchemy import Engine, select, update

from tenfold.exchange import pubsub
from tenfold.exchange.store import reason
from tenfold.exchange.tables import deliveries, events
from tenfold.storage import outbox
from tenfold.waiting import wait_event

log = logging.getLogger("tenfold.exchange.delivery")
LEASE = timedelta(seconds=60)
MAX_OUTBOX_ATTEMPTS = 5


@dataclass(frozen=True)
class Push:
    delivery_id: int
    attempts: int
    subscriber: str
    event: dict[str, Any]
    trace_parent: str | None


def claim_due(engine: Engine, limit: int = 50, in_flight: Mapping[str, int] | None = None,
              per_subscriber: int | None = None) -> list[Push]:
    """Lease up to ``limit`` due deliveries; with ``per_subscriber``, no subscriber gets more than
    that many in flight (``in_flight`` counts what the caller is sending now), so that one slow
    subscriber cannot take every sending slot. Rows left out stay due for the next claim."""
    now = datetime.now(UTC)
    sending = Counter(in_flight or {})
    full = [s for s, n in sending.items() if per_subscriber is not None and n >= per_subscriber]
    with engine.begin() as connection:
        query = (select(deliveries.c.id.label("delivery_id"), deliveries.c.attempts.label("delivery_attempts"),
                        deliveries.c.subscriber.label("delivery_subscriber"), events)
                 .join(events, events.c.id == deliveries.c.event_id)
                 .where(deliveries.c.status == "pending", deliveries.c.delivery == "PUSH", deliveries.c.next_attempt_at <= now)
                 .order_by(deliveries.c.next_attempt_at, deliveries.c.id).limit(limit))
        if full:
            query = query.where(deliveries.c.subscriber.not_in(full))
        if connection.dialect.name == "postgresql":
            query = query.with_for_update(of=deliveries, skip_locked=True)
        rows = []
        for row in connection.execute(query).all():
            if per_subscriber is None or sending[row.delivery_subscriber] < per_subscriber:
                sending[row.delivery_subscriber] += 1
                rows.append(row)
        if rows:
            connection.execute(update(deliveries).where(deliveries.c.id.in_([r.delivery_id for r in rows])).values(next_attempt_at=now + LEASE))
    return [Push(r.delivery_id, r.delivery_attempts, r.delivery_subscriber, pubsub.event_item(r), r.trace_parent) for r in rows]


def record_outcome(engine: Engine, push: Push, error: str | None, max_attempts: int, base: float, ceiling: float) -> str:
    """Delivered, retried later, or dead; returns the new status."""
    attempts = push.attempts + 1
    now = datetime.now(UTC)
    if error is None:
        values: dict[str, Any] = {"status": "delivered", "attempts": attempts, "delivered_at": now, "last_error": None}
    elif attempts >= max_attempts:
        values = {"status": "dead", "attempts": attempts, "last_error": error[:2000]}
    else:
        values = {"attempts": attempts, "last_error": error[:2000], "next_attempt_at": now + pubsub.backoff(attempts, base, ceiling)}
    with engine.begin() as connection:
        connection.execute(update(deliveries).where(deliveries.c.id == push.delivery_id, deliveries.c.status == "pending").values(**values))
    return str(values.get("status", "pending"))


def dead_letters(engine: Engine, limit: int = 100) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(deliveries.c.id, deliveries.c.event_id, deliveries.c.subscriber, deliveries.c.attempts,
                   deliveries.c.last_error, events.c.event_type, events.c.room, events.c.published_at)
            .join(events, events.c.id == deliveries.c.event_id).where(deliveries.c.status == "dead")
            .order_by(deliveries.c.id).limit(limit)).mappings().all()
    return [{**dict(r), "published_at": r["published_at"].isoformat()} for r in rows]


def replay(engine: Engine, delivery_ids: Sequence[int] | None = None) -> int:
    """Send dead-lettered deliveries again (all of them when no ids are given)."""
    statement = update(deliveries).where(deliveries.c.status == "dead")
    if delivery_ids is not None:
        statement = statement.where(deliveries.c.id.in_(list(delivery_ids)))
    with engine.begin() as connection:
        result = connection.execute(statement.values(status="pending", attempts=0, next_attempt_at=datetime.now(UTC)))
    return int(result.rowcount)


Sender = Callable[[Push], Awaitable[str | None]]


class PushWorker:
    """Sends due PUSH deliveries of the rooms this member owns: at most ``concurrency`` at a time,
    at most ``per_subscriber`` of them (half by default) to one subscriber, and a freed slot is filled at once, so
    a subscriber that answers slowly delays only its own deliveries."""

    def __init__(self, engine: Engine, send: Sender, *, poll: float, max_attempts: int, base: float, ceiling: float,
                 on_outcome: Callable[[str], None] | None = None, concurrency: int = 16, per_subscriber: int | None = None,
                 owns_rooms: Callable[[], bool] = lambda: True):
        self.engine, self.send, self.poll = engine, send, poll
        self.owns_rooms = owns_rooms   # a member with no room has no deliveries: no database round for it
        self.max_attempts, self.base, self.ceiling = max_attempts, base, ceiling
        self.on_outcome = on_outcome
        self.concurrency = concurrency
        self.per_subscriber = per_subscriber or max(concurrency // 2, 1)
        self._in_flight: Counter[str] = Counter()
        self._tasks: set[asyncio.Task[None]] = set()
        self._freed = asyncio.Event()

    async def _one(self, push: Push) -> None:
        try:
            try:
                error = await self.send(push)
            except Exception as failure:  # a defect in sending must not stop the worker
                error = f"{type(failure).__name__}: {failure}"
            status = await asyncio.to_thread(record_outcome, self.engine, push, error, self.max_attempts, self.base, self.ceiling)
            if status == "dead":  # the reason stays in the database: it may quote what the subscriber said
                log.warning("delivery %s of event %s to %s is dead-lettered after %s attempts",
                            push.delivery_id, push.event["id"], push.subscriber, push.attempts + 1)
            if self.on_outcome:
                self.on_outcome(status)
        except Exception as error:  # the database is away: the lease runs out and the delivery is sent again
            log.warning("recording a push outcome failed: %s", reason(error))
        finally:
            self._in_flight[push.subscriber] -= 1
            self._freed.set()

    async def run(self) -> None:
        try:
            while True:
                free = self.concurrency - sum(self._in_flight.values())
                due: list[Push] = []
                if free > 0 and self.owns_rooms():
                    try:
                        due = await asyncio.to_thread(claim_due, self.engine, min(free, 50), dict(self._in_flight), self.per_subscriber)
                    except Exception as error:  # the database is busy or away: the deliveries wait in it
                        log.warning("push delivery round failed, will retry: %s", reason(error))
                for push in due:
                    self._in_flight[push.subscriber] += 1
                    task = asyncio.create_task(self._one(push))
                    self._tasks.add(task)
                    task.add_done_callback(self._tasks.discard)
                if not due:
                    self._freed.clear()
                    await wait_event(self._freed, self.poll)
        finally:
            for task in self._tasks:
                task.cancel()


class OutboxPublisher:
    """Moves the member's outbox events into the rooms that declare their event types.

    Rows of other types (``registry.create`` and the like) are left pending: they are the
    member's own change trail, which no room publishes.
    """

    def __init__(self, engine: Engine, rooms_of: dict[str, list[str]], publisher: str, poll: float):
        self.engine, self.rooms_of, self.publisher, self.poll = engine, rooms_of, publisher, poll

    def publish_pending(self, limit: int = 100) -> int:
        if not self.rooms_of:
            return 0
        with self.engine.begin() as connection:
            rows = [r for r in outbox.claim(connection, limit, event_types=list(self.rooms_of)) if r.attempts < MAX_OUTBOX_ATTEMPTS]
            published = []
            for row in rows:
                try:
                    with connection.begin_nested():
                        for room_id in self.rooms_of[row.event_type]:
                            pubsub.publish_in(connection, room_id, row.event_type, self.publisher, row.payload,
                                              source_event_id=row.event_id, trace_parent=row.trace_parent)
                    published.append(row.id)
                except (pubsub.EventInvalid, pubsub.NotFound) as error:
                    # No values in the log (they may be personal ids): the reason goes to the outbox row.
                    log.error("outbox event %s (%s) cannot be published: %s", row.event_id, row.event_type, type(error).__name__)
                    outbox.mark_failed(connection, row.id, str(error))
            outbox.mark_published(connection, published)
        return len(published)

    async def run(self) -> None:
        while True:
            try:
                count = await asyncio.to_thread(self.publish_pending)
            except Exception as error:  # the database is busy or away: the outbox keeps the events
                log.warning("publishing from the outbox failed, will retry: %s", reason(error))
                count = 0
            if count == 0:
                await asyncio.sleep(self.poll)
