"""The work queue over the intake table: claim due events with a lease (``FOR UPDATE SKIP
LOCKED`` on PostgreSQL, so several workers never take the same event), then finish, retry later,
defer or give up. Every move is its own short transaction; a worker that dies mid-event leaves a
lease that runs out, and the event is taken again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, Engine, and_, or_, select, update

from tenfold.lifeevents.models import ERROR, PROCESSED, PROCESSING, RECEIVED, backoff
from tenfold.lifeevents.records import now, raise_exception
from tenfold.lifeevents.tables import life_events


@dataclass(frozen=True)
class Claimed:
    id: int
    source: str
    event_type: str
    subject: str
    payload: dict[str, Any]
    attempts: int
    lease: Any   # the lease_until this worker set: its proof of ownership


def claim(engine: Engine, limit: int, lease_seconds: float, max_attempts: int) -> list[Claimed]:
    moment = now()
    due = or_(
        and_(life_events.c.state.in_((RECEIVED, ERROR)), life_events.c.next_attempt_at <= moment,
             life_events.c.attempts < max_attempts),
        and_(life_events.c.state == PROCESSING, life_events.c.lease_until < moment),
    )
    with engine.begin() as connection:
        query = select(life_events.c.id, life_events.c.source, life_events.c.event_type, life_events.c.subject,
                       life_events.c.payload, life_events.c.attempts).where(due).order_by(life_events.c.id).limit(limit)
        if connection.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        rows = connection.execute(query).all()
        lease = moment + timedelta(seconds=lease_seconds)
        claimed = []
        for row in rows:
            moved = connection.execute(update(life_events).where(life_events.c.id == row.id, due).values(
                state=PROCESSING, lease_until=lease, attempts=life_events.c.attempts + 1)).rowcount
            if moved:
                claimed.append(Claimed(row.id, row.source, row.event_type, row.subject, dict(row.payload), row.attempts + 1, lease))
    return claimed


def _ours(claimed: Claimed) -> Any:
    return and_(life_events.c.id == claimed.id, life_events.c.state == PROCESSING, life_events.c.lease_until == claimed.lease)


def finish(connection: Connection, claimed: Claimed, outcome: str) -> bool:
    """Mark the event processed in the caller's transaction; False when the lease was lost
    (another worker took the event), in which case the caller must roll back."""
    return bool(connection.execute(update(life_events).where(_ours(claimed)).values(
        state=PROCESSED, outcome=outcome, processed_at=now(), lease_until=None, last_error=None)).rowcount)


def fail(engine: Engine, claimed: Claimed, error: str, *, max_attempts: int, base: float, ceiling: float,
         kind: str) -> str:
    """A failed try: retried after a backoff, or, at the last attempt, left in error with a case
    in the exception queue. Returns the event's new state."""
    with engine.begin() as connection:
        last = claimed.attempts >= max_attempts
        values: dict[str, Any] = {"state": ERROR, "last_error": error[:2000], "lease_until": None,
                                  "next_attempt_at": None if last else now() + backoff(claimed.attempts, base, ceiling)}
        if last:
            values["outcome"] = "exception"
        if not connection.execute(update(life_events).where(_ours(claimed)).values(**values)).rowcount:
            return "lost"
        if last:
            raise_exception(connection, kind, "event_failed", {"attempts": claimed.attempts, "error": error[:300]},
                            subject=claimed.subject, event_id=claimed.id)
    return ERROR


def defer(engine: Engine, claimed: Claimed, why: str, seconds: float) -> None:
    """Put the event back to wait (e.g. a death waits for the same person's birth to be handled);
    a deferral does not count as a failed attempt."""
    with engine.begin() as connection:
        connection.execute(update(life_events).where(_ours(claimed)).values(
            state=RECEIVED, last_error=why, lease_until=None, attempts=life_events.c.attempts - 1,
            next_attempt_at=now() + timedelta(seconds=seconds)))


def retry(engine: Engine, event_id: int) -> bool:
    """Try an event in error again from the start (an operator's or caseworker's action)."""
    with engine.begin() as connection:
        return bool(connection.execute(update(life_events).where(life_events.c.id == event_id, life_events.c.state == ERROR)
                                       .values(state=RECEIVED, attempts=0, next_attempt_at=now())).rowcount)


def pending_birth(connection: Connection, subject: str) -> bool:
    """Whether a birth event of this person is still waiting to be handled (or to be retried)."""
    waiting = or_(life_events.c.state.in_((RECEIVED, PROCESSING)),
                  and_(life_events.c.state == ERROR, life_events.c.next_attempt_at.is_not(None)))
    return connection.execute(select(life_events.c.id).where(
        life_events.c.subject == subject, life_events.c.event_type == "birth", waiting).limit(1)).first() is not None
