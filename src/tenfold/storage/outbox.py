"""The transactional outbox: write an event with the change, publish it later.

``append`` must be called on the same connection (transaction) as the change it reports.
``claim`` hands pending events to one publisher; on PostgreSQL it locks them with
``FOR UPDATE SKIP LOCKED`` so several publisher processes share the work without doubles.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Sequence

from sqlalchemy import Connection, func, select, update

from tenfold.storage.tables import outbox


@dataclass(frozen=True)
class OutboxEvent:
    id: int
    event_id: str
    event_type: str
    source: str
    subject: str | None
    payload: dict[str, Any]
    trace_parent: str | None
    created_at: datetime
    attempts: int


def append(
    connection: Connection,
    *,
    event_type: str,
    source: str,
    payload: dict[str, Any],
    subject: str | None = None,
    trace_parent: str | None = None,
) -> str:
    """Record an event in the current transaction; returns its event id (a UUID)."""
    event_id = str(uuid.uuid4())
    connection.execute(
        outbox.insert().values(
            event_id=event_id,
            event_type=event_type,
            source=source,
            subject=subject,
            payload=payload,
            trace_parent=trace_parent,
            created_at=datetime.now(UTC),
            attempts=0,
        )
    )
    return event_id


def claim(connection: Connection, limit: int = 100, event_types: Sequence[str] | None = None) -> list[OutboxEvent]:
    """Pending events, oldest first. Call inside a transaction that also marks them."""
    query = select(outbox).where(outbox.c.published_at.is_(None)).order_by(outbox.c.id).limit(limit)
    if event_types:
        query = query.where(outbox.c.event_type.in_(list(event_types)))
    if connection.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = connection.execute(query).mappings().all()
    return [
        OutboxEvent(
            id=r["id"], event_id=r["event_id"], event_type=r["event_type"], source=r["source"],
            subject=r["subject"], payload=r["payload"], trace_parent=r["trace_parent"],
            created_at=r["created_at"], attempts=r["attempts"],
        )
        for r in rows
    ]


def mark_published(connection: Connection, ids: Sequence[int]) -> None:
    if ids:
        connection.execute(
            update(outbox).where(outbox.c.id.in_(list(ids))).values(published_at=datetime.now(UTC))
        )


def mark_failed(connection: Connection, event_id: int, error: str) -> None:
    connection.execute(
        update(outbox)
        .where(outbox.c.id == event_id)
        .values(attempts=outbox.c.attempts + 1, last_error=error[:2000])
    )


def pending_count(connection: Connection) -> int:
    return connection.execute(
        select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))
    ).scalar_one()
